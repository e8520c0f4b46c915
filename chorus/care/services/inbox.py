"""Working a conversation: claiming it while answering (two people never hold it at
once), releasing it, taking it over; triage (status, priority, tags, assignee) and
internal notes; members' saved views. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.care.access import is_care_staff
from chorus.care.models import (
    CareTag,
    Conversation,
    ConversationStatus,
    Message,
    MessageDirection,
    Priority,
    SavedView,
)
from chorus.care.services.routing import conversation_url, routing_candidates
from chorus.care.services.targets import care_settings_for, conversation_targets_set
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create

# Claims ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """Who is answering a conversation, since when, until when."""

    membership: Membership
    since: datetime
    expires_at: datetime


def claim_live(conversation: Conversation, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        conversation.claimed_by_id is not None
        and conversation.claim_expires_at is not None
        and conversation.claim_expires_at > now
    )


def claim_message(conversation: Conversation) -> str:
    """ "<name> is answering this since <time>"."""
    holder = conversation.claimed_by
    minutes = care_settings_for(organization=conversation.organization).claim_minutes
    since = (conversation.claim_expires_at or timezone.now()) - timedelta(minutes=minutes)
    return _("%(name)s is answering this since %(time)s.") % {
        "name": holder.user.name or holder.user.email if holder is not None else "",
        "time": formats.date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT"),
    }


def conversation_claim_check(conversation: Conversation, membership: Membership) -> None:
    """Raise ValidationError when someone else holds a live claim on the conversation
    (the reply composer calls this before a member answers). The claim is read afresh:
    the caller's copy may be older than someone else's claim."""
    current = (
        Conversation.objects.filter(
            organization_id=conversation.organization_id, pk=conversation.pk
        )
        .select_related("claimed_by__user", "organization")
        .only(
            "pk",
            "organization",
            "claimed_by__user__name",
            "claimed_by__user__email",
            "claim_expires_at",
        )
        .first()
    )
    if current is None:
        return
    if claim_live(current) and current.claimed_by_id != membership.pk:
        raise ValidationError(claim_message(current))


def _locked(conversation: Conversation) -> Conversation:
    """The conversation re-read under a row lock. Must run inside transaction.atomic."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("claimed_by__user", "organization")
        .get(organization_id=conversation.organization_id, pk=conversation.pk)
    )


def conversation_claim(
    *, conversation: Conversation, membership: Membership, take_over: bool = False
) -> Conversation:
    """Claim the conversation to answer it (or renew one's own claim). Someone else's live
    claim refuses with who holds it, unless care staff take it over (audited)."""
    minutes = care_settings_for(organization=conversation.organization).claim_minutes
    with transaction.atomic():
        locked = _locked(conversation)
        now = timezone.now()
        previous = locked.claimed_by
        if claim_live(locked, now) and locked.claimed_by_id != membership.pk:
            if not (take_over and is_care_staff(membership)):
                raise ValidationError(claim_message(locked))
            audit_record(
                organization=locked.organization,
                actor=membership.user,
                action="care.claim_taken_over",
                target=locked,
                data={"from": previous.pk if previous else None},
            )
        locked.claimed_by = membership
        locked.claim_expires_at = now + timedelta(minutes=minutes)
        fields = ["claimed_by", "claim_expires_at", "updated_at"]
        if locked.assignee_id is None:
            locked.assignee = membership
            locked.assigned_at = now
            fields += ["assignee", "assigned_at"]
            if locked.status == ConversationStatus.NEW:
                locked.status = ConversationStatus.ASSIGNED
                fields.append("status")
        locked.save(update_fields=fields)
    return locked


def conversation_release(
    *, conversation: Conversation, membership: Membership, unassign: bool = False
) -> Conversation:
    """Let go of one's claim (care staff may release anyone's). With `unassign`, the
    conversation goes back to the pool to be routed again."""
    with transaction.atomic():
        locked = _locked(conversation)
        holder_id = locked.claimed_by_id
        mine = holder_id == membership.pk or locked.assignee_id == membership.pk
        if not mine and not is_care_staff(membership):
            raise ValidationError(_("Only the member answering this can release it."))
        locked.claimed_by = None
        locked.claim_expires_at = None
        fields = ["claimed_by", "claim_expires_at", "updated_at"]
        if unassign and locked.status in (ConversationStatus.NEW, ConversationStatus.ASSIGNED):
            locked.assignee = None
            locked.assigned_at = None
            locked.status = ConversationStatus.NEW
            fields += ["assignee", "assigned_at", "status"]
        locked.save(update_fields=fields)
        audit_record(
            organization=locked.organization,
            actor=membership.user,
            action="care.released",
            target=locked,
            data={"unassigned": unassign},
        )
    return locked


# Triage ------------------------------------------------------------------------------


def conversation_status_set(
    *, conversation: Conversation, membership: Membership, status: str
) -> Conversation:
    """Move the conversation to `status` (closing resolves it, reopening clears that)."""
    if status not in ConversationStatus.values:
        raise ValidationError(_("Choose a status from the list."))
    previous = conversation.status
    if previous == status:
        return conversation
    now = timezone.now()
    conversation.status = status
    fields = ["status", "updated_at"]
    if status == ConversationStatus.CLOSED:
        conversation.resolved_at = now
        conversation.claimed_by = None
        conversation.claim_expires_at = None
        fields += ["resolved_at", "claimed_by", "claim_expires_at"]
    elif previous == ConversationStatus.CLOSED:
        conversation.resolved_at = None
        fields.append("resolved_at")
    if status == ConversationStatus.NEW:
        conversation.assignee = None
        conversation.assigned_at = None
        fields += ["assignee", "assigned_at"]
    if status == ConversationStatus.ESCALATED and conversation.escalated_at is None:
        conversation.escalated_at = now
        fields.append("escalated_at")
    conversation.save(update_fields=fields)
    audit_record(
        organization=conversation.organization,
        actor=membership.user,
        action="care.status_changed",
        target=conversation,
        data={"from": previous, "to": status},
    )
    return conversation


def conversation_close(*, conversation: Conversation, membership: Membership) -> Conversation:
    return conversation_status_set(
        conversation=conversation, membership=membership, status=ConversationStatus.CLOSED
    )


def conversation_reopen(*, conversation: Conversation, membership: Membership) -> Conversation:
    status = ConversationStatus.ASSIGNED if conversation.assignee_id else ConversationStatus.NEW
    return conversation_status_set(conversation=conversation, membership=membership, status=status)


def conversation_priority_set(
    *, conversation: Conversation, membership: Membership, priority: str
) -> Conversation:
    """Change the priority; the targets follow it."""
    if priority not in Priority.values:
        raise ValidationError(_("Choose a priority from the list."))
    previous = conversation.priority
    if previous == priority:
        return conversation
    conversation.priority = priority
    conversation.save(update_fields=["priority", "updated_at"])
    conversation_targets_set(conversation=conversation)
    audit_record(
        organization=conversation.organization,
        actor=membership.user,
        action="care.priority_changed",
        target=conversation,
        data={"from": previous, "to": priority},
    )
    return conversation


def conversation_tags_set(
    *, conversation: Conversation, membership: Membership, tag_ids: list[int]
) -> Conversation:
    """Replace the conversation's tags with these (the organization's own only)."""
    organization_id = conversation.organization_id
    tags = list(CareTag.objects.filter(organization_id=organization_id, pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        raise ValidationError(_("Choose tags from the list."))
    conversation.tags.set(tags)
    audit_record(
        organization=conversation.organization,
        actor=membership.user,
        action="care.tags_changed",
        target=conversation,
        data={"tags": sorted(tag.name for tag in tags)},
    )
    return conversation


def assignable_members(*, conversation: Conversation) -> list[tuple[Membership, int]]:
    """Who a conversation may be given to by hand: the agents routing would consider now
    (cleared, on duty, at work), with their open load, least loaded first."""
    candidates = routing_candidates(organization_id=conversation.organization_id)
    candidates.sort(key=lambda each: (each.load, str(each.agent.membership)))
    return [(each.agent.membership, each.load) for each in candidates]


def conversation_assign(
    *, conversation: Conversation, membership: Membership, assignee: Membership | None
) -> Conversation:
    """Care staff give the conversation to an eligible agent (or to nobody)."""
    if not is_care_staff(membership):
        raise ValidationError(_("Only care staff assign conversations."))
    now = timezone.now()
    if assignee is None:
        conversation.assignee = None
        conversation.assigned_at = None
        conversation.claimed_by = None
        conversation.claim_expires_at = None
        if conversation.status == ConversationStatus.ASSIGNED:
            conversation.status = ConversationStatus.NEW
        conversation.save(
            update_fields=[
                "assignee",
                "assigned_at",
                "claimed_by",
                "claim_expires_at",
                "status",
                "updated_at",
            ]
        )
        audit_record(
            organization=conversation.organization,
            actor=membership.user,
            action="care.unassigned",
            target=conversation,
        )
        return conversation
    eligible = {each.pk for each, _load in assignable_members(conversation=conversation)}
    if assignee.pk not in eligible:
        raise ValidationError(
            _("%(name)s cannot take conversations now (not cleared, off duty or out of hours).")
            % {"name": assignee}
        )
    conversation.assignee = assignee
    conversation.assigned_at = now
    if conversation.claimed_by_id not in (None, assignee.pk):
        conversation.claimed_by = None
        conversation.claim_expires_at = None
    if conversation.status == ConversationStatus.NEW:
        conversation.status = ConversationStatus.ASSIGNED
    conversation.save(
        update_fields=[
            "assignee",
            "assigned_at",
            "claimed_by",
            "claim_expires_at",
            "status",
            "updated_at",
        ]
    )
    if assignee.pk != membership.pk:
        notification_create(
            membership=assignee,
            kind="care_assigned",
            message=gettext_lazy("%(name)s gave you a customer conversation to answer."),
            params={"name": str(membership)},
            url=conversation_url(conversation.pk),
        )
    audit_record(
        organization=conversation.organization,
        actor=membership.user,
        action="care.assigned",
        target=conversation,
        data={"assignee": assignee.pk},
    )
    return conversation


def conversation_note_add(
    *, conversation: Conversation, membership: Membership, text: str
) -> Message:
    """An internal note only the team sees."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note first."))
    if len(text) > 5000:
        raise ValidationError(_("A note holds at most 5,000 characters."))
    note = Message.objects.create(
        organization_id=conversation.organization_id,
        conversation=conversation,
        direction=MessageDirection.NOTE,
        membership=membership,
        author_name=str(membership),
        text=text,
    )
    audit_record(
        organization=conversation.organization,
        actor=membership.user,
        action="care.note_added",
        target=conversation,
    )
    return note


# Saved views -------------------------------------------------------------------------


def saved_view_create(*, membership: Membership, name: str, query: str) -> SavedView:
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the view."))
    if len(name) > 80:
        raise ValidationError(_("A view's name holds at most 80 characters."))
    return SavedView.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        name=name,
        query=query.lstrip("?")[:1000],
    )


def saved_view_delete(*, saved_view: SavedView) -> None:
    saved_view.delete()
