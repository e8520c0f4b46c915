"""Reading replies: one by id, a conversation's, the approvers' queue, and what the reply
panel of a conversation shows a member."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from chorus.accounts.models import Membership, Organization
from chorus.care.access import is_care_member, is_care_staff
from chorus.care.models import CareReply, Conversation, ConversationStatus, ReplyStatus
from chorus.care.selectors.templates import templates_for_conversation
from chorus.care.services.inbox import claim_live, claim_message
from chorus.care.services.publishing import can_reply_by_api, reply_intent_link
from chorus.care.services.replies import (
    PENDING_STATUSES,
    member_trusted,
    network_label,
    reply_connection,
)
from chorus.care.services.targets import care_settings_for
from chorus.care.services.templates import template_render
from chorus.training.models import GateAction
from chorus.training.selectors.gates import GateVerdict, gate_check


def reply_of_organization(*, organization: Organization, reply_id: int) -> CareReply | None:
    return (
        CareReply.objects.filter(organization=organization, pk=reply_id)
        .select_related(
            "conversation__organization",
            "membership__user",
            "template",
            "in_reply_to",
            "connection",
            "reviewed_by__user",
        )
        .first()
    )


def replies_of_conversation(*, conversation: Conversation) -> QuerySet[CareReply]:
    return (
        CareReply.objects.filter(
            organization_id=conversation.organization_id, conversation=conversation
        )
        .select_related("membership__user", "reviewed_by__user", "template")
        .order_by("-created_at", "-id")
    )


def replies_of_organization(
    *, organization: Organization, status: str = "", membership: Membership | None = None
) -> QuerySet[CareReply]:
    found = CareReply.objects.filter(organization=organization).select_related(
        "membership__user", "conversation", "template"
    )
    if status:
        found = found.filter(status=status)
    if membership is not None:
        found = found.filter(membership=membership)
    return found.order_by("-created_at", "-id")


def replies_awaiting_approval(*, organization: Organization) -> QuerySet[CareReply]:
    """The approvers' queue, oldest first (the customer has waited longest)."""
    return (
        CareReply.objects.filter(organization=organization, status=ReplyStatus.AWAITING_APPROVAL)
        .select_related("membership__user", "conversation", "template", "in_reply_to")
        .prefetch_related("conversation__messages__membership__user")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class TemplateOffer:
    template_id: int
    name: str
    text: str


@dataclass
class ReplyPanel:
    """What a member sees where they answer a conversation."""

    conversation: Conversation
    member: bool  # works in the care inbox
    gate: GateVerdict | None = None
    claim_message: str = ""
    closed: bool = False
    offers: list[TemplateOffer] = field(default_factory=list)
    pending: CareReply | None = None
    returned: CareReply | None = None
    mine_to_post: CareReply | None = None
    intent_url: str = ""
    network: str = ""
    connected: bool = False
    api_network: bool = False
    trusted: bool = False
    can_escalate: bool = False
    escalation_set_up: bool = False
    recent: list[CareReply] = field(default_factory=list)

    @property
    def can_compose(self) -> bool:
        return (
            self.member
            and (self.gate is None or self.gate.allowed)
            and not self.claim_message
            and not self.closed
            and self.pending is None
        )


def reply_panel(
    *, membership: Membership, conversation: Conversation, gate: GateVerdict | None = None
) -> ReplyPanel:
    member = is_care_member(membership)
    panel = ReplyPanel(conversation=conversation, member=member)
    if not member:
        return panel
    panel.gate = (
        gate if gate is not None else gate_check(membership=membership, action=GateAction.CARE)
    )
    if claim_live(conversation) and conversation.claimed_by_id != membership.pk:
        panel.claim_message = claim_message(conversation)
    panel.closed = conversation.status == ConversationStatus.CLOSED
    replies = list(replies_of_conversation(conversation=conversation)[:10])
    panel.recent = replies
    panel.pending = next((reply for reply in replies if reply.status in PENDING_STATUSES), None)
    latest_mine = next((reply for reply in replies if reply.membership_id == membership.pk), None)
    if latest_mine is not None and latest_mine.status == ReplyStatus.RETURNED:
        panel.returned = latest_mine
    if (
        panel.pending is not None
        and panel.pending.status == ReplyStatus.MANUAL
        and panel.pending.membership_id == membership.pk
    ):
        panel.mine_to_post = panel.pending
        panel.intent_url = reply_intent_link(panel.pending)
    panel.network = network_label(conversation.network)
    panel.api_network = can_reply_by_api(conversation.network)
    panel.connected = (
        reply_connection(membership=membership, network=conversation.network) is not None
    )
    panel.trusted = member_trusted(membership=membership)
    panel.can_escalate = conversation.status != ConversationStatus.ESCALATED and (
        conversation.assignee_id == membership.pk or is_care_staff(membership)
    )
    found = care_settings_for(organization=conversation.organization)
    panel.escalation_set_up = bool(found.escalation_email or found.escalation_webhook_url)
    if panel.can_compose:
        panel.offers = [
            TemplateOffer(
                template_id=template.pk,
                name=template.name,
                text=template_render(
                    template=template, conversation=conversation, membership=membership
                ),
            )
            for template in templates_for_conversation(conversation=conversation)
        ]
    return panel
