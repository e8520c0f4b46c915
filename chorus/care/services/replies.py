"""Replies members write to customers: from an approved template or in their own words,
their approval, and a reply posted by hand on the network (the intent method).

A reply sent with the template's text unchanged needs no approval (templates are checked
when saved). An edited reply, or one in the member's own words, waits for an approver,
unless the member holds the organization's trusted certification. Publishing through the
member's connected account is services.publishing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.care.access import care_require
from chorus.care.models import (
    CareReply,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    ReplyMethod,
    ReplyStatus,
    ReplyTemplate,
)
from chorus.care.services.inbox import conversation_claim_check
from chorus.care.services.targets import care_settings_for
from chorus.care.services.templates import template_render
from chorus.content.compliance import CheckResult, check_text
from chorus.core.audit import audit_record
from chorus.core.validators import web_url_clean
from chorus.networks.registry import adapter
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.models import ConnectionStatus, NetworkConnection
from chorus.training.models import GateAction
from chorus.training.selectors.certification import membership_certified
from chorus.training.selectors.gates import gate_require
from chorus.webhooks.services.events import absolute_url, member_data, webhook_emit

MAX_TEXT = 5000
MAX_REASON = 500
# Replies still on their way: a second one for the same conversation is refused meanwhile.
PENDING_STATUSES = (
    ReplyStatus.AWAITING_APPROVAL,
    ReplyStatus.QUEUED,
    ReplyStatus.PUBLISHING,
    ReplyStatus.MANUAL,
)


def network_label(network: str) -> str:
    try:
        return str(adapter(network).label)
    except ValueError:
        return network or _("the network")


def conversation_url(conversation_id: int) -> str:
    try:
        return reverse("care_conversation", args=[conversation_id])
    except Exception:  # the inbox's page may not be routed in every build
        return reverse("care_approvals")


def _same(one: str, other: str) -> bool:
    return " ".join(one.split()) == " ".join(other.split())


def latest_customer_message(conversation: Conversation) -> Message | None:
    return (
        Message.objects.filter(
            organization_id=conversation.organization_id,
            conversation=conversation,
            direction=MessageDirection.CUSTOMER,
        )
        .order_by("-posted_at", "-id")
        .first()
    )


def reply_connection(*, membership: Membership, network: str) -> NetworkConnection | None:
    """The member's own active connection on `network`, when Chorus can reply there."""
    from chorus.care.services.publishing import can_reply_by_api

    if not can_reply_by_api(network):
        return None
    return NetworkConnection.objects.filter(
        organization_id=membership.organization_id,
        membership=membership,
        network=network,
        status=ConnectionStatus.ACTIVE,
    ).first()


def verdict_of(check: CheckResult) -> dict[str, object]:
    """The compliance verdict kept on the reply."""
    return {
        "blocked": check.blocked,
        "messages": [finding.message for finding in check.findings],
        "warnings": [finding.message for finding in check.warnings],
        "length": check.length,
        "limit": check.limit,
    }


def member_trusted(*, membership: Membership) -> bool:
    """Whether the member holds the certification the organization trusts to reply in
    their own words without an approver."""
    found = care_settings_for(organization=membership.organization)
    if found.trusted_certification is None:
        return False
    return membership_certified(membership=membership, certification=found.trusted_certification)


@dataclass(frozen=True)
class ReplyDraft:
    text: str
    template: ReplyTemplate | None = None
    in_reply_to: Message | None = None


def _check_can_reply(*, membership: Membership, conversation: Conversation) -> None:
    if conversation.organization_id != membership.organization_id:
        raise PermissionDenied("Not your organization's conversation.")
    care_require(membership)
    gate_require(membership=membership, action=GateAction.CARE)
    conversation_claim_check(conversation, membership)
    if conversation.status == ConversationStatus.CLOSED:
        raise ValidationError(_("This conversation is closed: reopen it to reply."))
    pending = CareReply.objects.filter(
        organization_id=conversation.organization_id,
        conversation=conversation,
        status__in=PENDING_STATUSES,
    ).exists()
    if pending:
        raise ValidationError(
            _("A reply to this conversation is already on its way; wait until it is posted.")
        )


def _enqueue_publish(reply_id: int) -> None:
    from chorus.care.services.publishing import enqueue_publish

    transaction.on_commit(lambda: enqueue_publish(reply_id))


def _ready(reply: CareReply) -> list[str]:
    """Set the reply on its way (nothing is saved here): through the member's connected
    account (QUEUED) or by the member on the network's own page (MANUAL)."""
    connection = reply_connection(membership=reply.membership, network=reply.network)
    reply.connection = connection
    if connection is None:
        reply.method = ReplyMethod.INTENT
        reply.status = ReplyStatus.MANUAL
        reply.next_attempt_at = None
    else:
        reply.method = ReplyMethod.API
        reply.status = ReplyStatus.QUEUED
        reply.next_attempt_at = timezone.now()
    return ["connection", "method", "status", "next_attempt_at"]


def reply_create(
    *, membership: Membership, conversation: Conversation, draft: ReplyDraft
) -> CareReply:
    """A member's reply to the customer. Refused (nothing saved) when the member may not
    reply (the care gate, someone else's claim, a reply already on its way) or the text is
    empty or too long. A template sent unchanged goes out at once; other words wait for
    an approver unless the member is trusted or the organization's rules allow them."""
    _check_can_reply(membership=membership, conversation=conversation)
    text = draft.text.strip()
    if not text:
        raise ValidationError({"text": [_("Write your reply, or pick an approved reply.")]})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": [_("A reply has at most %(max)s characters.") % {"max": MAX_TEXT}]}
        )
    template = draft.template
    if template is not None and (
        template.organization_id != conversation.organization_id or not template.is_active
    ):
        raise ValidationError({"template": [_("Choose one of the approved replies.")]})
    in_reply_to = draft.in_reply_to
    if in_reply_to is not None and in_reply_to.conversation_id != conversation.pk:
        raise ValidationError(_("Choose a message of this conversation to answer."))
    if in_reply_to is None:
        in_reply_to = latest_customer_message(conversation)
    unchanged = False
    if template is not None:
        rendered = template_render(
            template=template, conversation=conversation, membership=membership
        )
        unchanged = _same(text, rendered)
    check = check_text(
        organization=conversation.organization,
        network=conversation.network,
        text=text,
        link_url=template.link if template is not None else "",
    )
    needs_approval = check.blocked or not (unchanged or member_trusted(membership=membership))
    with transaction.atomic():
        reply = CareReply(
            organization_id=conversation.organization_id,
            conversation=conversation,
            in_reply_to=in_reply_to,
            membership=membership,
            template=template,
            template_unchanged=unchanged,
            text=check.text,
            network=conversation.network,
            compliance=verdict_of(check),
        )
        if needs_approval:
            reply.status = ReplyStatus.AWAITING_APPROVAL
        else:
            _ready(reply)
        reply.save()
        if needs_approval:
            conversation.status = ConversationStatus.AWAITING_APPROVAL
            conversation.save(update_fields=["status", "updated_at"])
        audit_record(
            organization=conversation.organization,
            actor=membership.user,
            action="care.reply_created",
            target=reply,
            data={
                "conversation": conversation.pk,
                "template": template.pk if template is not None else None,
                "unchanged": unchanged,
                "status": reply.status,
                "blocked": check.blocked,
            },
        )
        if reply.status == ReplyStatus.QUEUED:
            _enqueue_publish(reply.pk)
    return reply


def _check_approver(*, reply: CareReply, approver: Membership) -> None:
    if reply.organization_id != approver.organization_id:
        raise PermissionDenied("Not your organization's reply.")
    if not approver.has_role("approver"):
        raise PermissionDenied("Only approvers and admins review replies.")
    if reply.status != ReplyStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This reply is not waiting for approval any more."))
    if reply.membership_id == approver.pk and not approver.is_admin:
        raise ValidationError(
            _("You cannot approve or return your own reply: another approver reviews it.")
        )


def _conversation_back_to_work(conversation: Conversation) -> None:
    if conversation.status == ConversationStatus.AWAITING_APPROVAL:
        conversation.status = (
            ConversationStatus.ASSIGNED if conversation.assignee_id else ConversationStatus.NEW
        )
        conversation.save(update_fields=["status", "updated_at"])


def reply_approve(*, reply: CareReply, approver: Membership, text: str | None = None) -> CareReply:
    """Approve a reply, as written or with the approver's edits (checked again: a text the
    rules block cannot be approved). It then goes out; the member is told."""
    with transaction.atomic():
        locked = CareReply.objects.select_for_update().get(pk=reply.pk)
        _check_approver(reply=locked, approver=approver)
        conversation = locked.conversation
        edited = text is not None and not _same(text, locked.text)
        if text is not None:
            text = text.strip()
            if not text:
                raise ValidationError({"text": [_("The reply cannot be empty.")]})
            if len(text) > MAX_TEXT:
                raise ValidationError(
                    {"text": [_("A reply has at most %(max)s characters.") % {"max": MAX_TEXT}]}
                )
        check = check_text(
            organization=conversation.organization,
            network=locked.network,
            text=text if text is not None else locked.text,
            link_url=locked.template.link if locked.template is not None else "",
        )
        if check.blocked:
            raise ValidationError(
                [
                    _("Edit the reply so it passes the rules before approving it."),
                    *[finding.message for finding in check.findings if finding.action == "block"],
                ]
            )
        locked.text = check.text
        locked.compliance = verdict_of(check)
        locked.reviewed_by = approver
        locked.reviewed_at = timezone.now()
        fields = _ready(locked)
        locked.save(
            update_fields=[
                "text",
                "compliance",
                "reviewed_by",
                "reviewed_at",
                *fields,
                "updated_at",
            ]
        )
        _conversation_back_to_work(conversation)
        audit_record(
            organization=conversation.organization,
            actor=approver.user,
            action="care.reply_approved",
            target=locked,
            data={"conversation": conversation.pk, "edited": edited, "method": locked.method},
        )
        if locked.membership_id != approver.pk:
            message = (
                gettext_lazy("Your reply to %(customer)s was approved and is being posted.")
                if locked.method == ReplyMethod.API
                else gettext_lazy("Your reply to %(customer)s was approved: post it now.")
            )
            notification_create(
                membership=locked.membership,
                kind="care_reply_approved",
                message=message,
                params={"customer": conversation.customer_handle or conversation.subject},
                url=conversation_url(conversation.pk),
            )
        if locked.status == ReplyStatus.QUEUED:
            _enqueue_publish(locked.pk)
    return locked


def reply_return(*, reply: CareReply, approver: Membership, reason: str) -> CareReply:
    """Send a reply back to its writer with a reason; they see it on the conversation and
    can write it again."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": [_("Say why, so your colleague can rewrite it.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("A reason has at most %(max)s characters.") % {"max": MAX_REASON}]}
        )
    with transaction.atomic():
        locked = CareReply.objects.select_for_update().get(pk=reply.pk)
        _check_approver(reply=locked, approver=approver)
        conversation = locked.conversation
        locked.status = ReplyStatus.RETURNED
        locked.return_reason = reason
        locked.reviewed_by = approver
        locked.reviewed_at = timezone.now()
        locked.save(
            update_fields=["status", "return_reason", "reviewed_by", "reviewed_at", "updated_at"]
        )
        _conversation_back_to_work(conversation)
        audit_record(
            organization=conversation.organization,
            actor=approver.user,
            action="care.reply_returned",
            target=locked,
            data={"conversation": conversation.pk, "reason": reason},
        )
        notification_create(
            membership=locked.membership,
            kind="care_reply_returned",
            message=gettext_lazy("Your reply to %(customer)s was returned: %(reason)s"),
            params={
                "customer": conversation.customer_handle or conversation.subject,
                "reason": reason,
            },
            url=conversation_url(conversation.pk),
        )
    return locked


def reply_mark_published(
    *, reply: CareReply, remote_id: str = "", remote_url: str = ""
) -> CareReply:
    """The reply is public: kept as a message of the thread, the conversation answered
    (its first response timed). Must run inside transaction.atomic, the reply locked."""
    now = timezone.now()
    conversation = Conversation.objects.select_for_update().get(pk=reply.conversation_id)
    reply.status = ReplyStatus.PUBLISHED
    reply.remote_id = remote_id[:300]
    reply.remote_url = remote_url[:2000]
    reply.published_at = now
    reply.next_attempt_at = None
    reply.error_message = ""
    reply.save(
        update_fields=[
            "status",
            "remote_id",
            "remote_url",
            "published_at",
            "next_attempt_at",
            "error_message",
            "updated_at",
        ]
    )
    target = reply.in_reply_to
    Message.objects.create(
        organization_id=reply.organization_id,
        conversation=conversation,
        direction=MessageDirection.REPLY,
        network=reply.network,
        remote_id=reply.remote_id,
        remote_url=reply.remote_url,
        parent_remote_id=target.remote_id if target is not None else "",
        root_remote_id=(target.root_remote_id or target.remote_id) if target is not None else "",
        membership=reply.membership,
        text=reply.text,
        posted_at=now,
        created_at=now,
    )
    conversation.status = ConversationStatus.ANSWERED
    conversation.last_message_at = now
    fields = ["status", "last_message_at", "updated_at"]
    if conversation.first_response_at is None:
        conversation.first_response_at = now
        fields.append("first_response_at")
    conversation.save(update_fields=fields)
    webhook_emit(
        organization=reply.organization_id,
        event_type="care.conversation_answered",
        data={
            "conversation": {
                "id": conversation.pk,
                "url": absolute_url(conversation_url(conversation.pk)),
            },
            "reply": {
                "id": reply.pk,
                "published_url": reply.remote_url or None,
                "published_at": now.isoformat(),
            },
            "member": member_data(reply.membership),
        },
    )
    return reply


def reply_confirm_posted(*, reply: CareReply, membership: Membership, url: str = "") -> CareReply:
    """The member posted the reply on the network's own page: recorded as published by
    hand (with the link to it when they give one)."""
    if reply.organization_id != membership.organization_id:
        raise PermissionDenied("Not your organization's reply.")
    if reply.membership_id != membership.pk:
        raise PermissionDenied("Only the member who wrote the reply confirms it.")
    remote_url = web_url_clean(url, blank=True) if url else ""
    with transaction.atomic():
        locked = CareReply.objects.select_for_update().get(pk=reply.pk)
        if locked.status != ReplyStatus.MANUAL:
            raise ValidationError(_("This reply is not waiting for you to post it."))
        locked.method = ReplyMethod.INTENT
        locked.save(update_fields=["method", "updated_at"])
        reply_mark_published(reply=locked, remote_url=remote_url)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.reply_posted_by_hand",
            target=locked,
            data={"conversation": locked.conversation_id, "url": remote_url},
        )
    return locked
