"""Moderation: members report a message; moderators (curators and admins everywhere, a
space's moderators in theirs) hide and unhide messages with a reason, dismiss reports,
lock and unlock threads, pin and unpin best-practice threads. Every decision is audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.community.access import space_access
from chorus.community.models import (
    MAX_NOTE,
    MAX_REASON,
    Message,
    Report,
    ReportOutcome,
    ReportReason,
    Thread,
)
from chorus.core.audit import audit_record


def _require_moderator(membership: Membership, thread: Thread) -> None:
    if not space_access(space=thread.space, membership=membership).can_moderate:
        raise PermissionDenied(_("Only the space's moderators may do this."))


def report_create(
    *, membership: Membership, message: Message, reason: str, note: str = ""
) -> Report:
    """A member reports a message (once per message). Moderators see it in their queue."""
    if not space_access(space=message.thread.space, membership=membership).can_read:
        raise PermissionDenied(_("This space is by invitation only."))
    if reason not in ReportReason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    note = " ".join(note.replace("\x00", "").split())
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {"note": [_("A note has at most %(max)s characters.") % {"max": MAX_NOTE}]}
        )
    if message.author_id == membership.pk:
        raise ValidationError(_("You cannot report your own message."))
    if message.is_hidden or message.is_deleted:
        raise ValidationError(_("This message is no longer shown."))
    if Report.objects.filter(message=message, reporter=membership).exists():
        raise ValidationError(_("You already reported this message."))
    try:
        with transaction.atomic():
            report = Report.objects.create(
                organization_id=membership.organization_id,
                message=message,
                reporter=membership,
                reason=reason,
                note=note,
            )
            audit_record(
                organization=membership.organization,
                actor=membership.user,
                action="community.message_reported",
                target=message.thread,
                data={"message": message.pk, "reason": reason},
            )
    except IntegrityError as error:
        raise ValidationError(_("You already reported this message.")) from error
    return report


def _resolve_reports(*, membership: Membership, message: Message, outcome: str) -> int:
    return Report.objects.filter(message=message, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=membership, outcome=outcome
    )


def message_hide(*, membership: Membership, message: Message, reason: str) -> Message:
    """Hidden: members see "hidden by a moderator", moderators the text and the reason.
    Open reports on the message are resolved with it."""
    _require_moderator(membership, message.thread)
    reason = " ".join(reason.replace("\x00", "").split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the message is hidden.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("A reason has at most %(max)s characters.") % {"max": MAX_REASON}]}
        )
    with transaction.atomic():
        message.hidden_at = timezone.now()
        message.hidden_by = membership
        message.hidden_reason = reason
        message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        resolved = _resolve_reports(
            membership=membership, message=message, outcome=ReportOutcome.HIDDEN
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.message_hidden",
            target=message.thread,
            data={"message": message.pk, "reason": reason, "reports": resolved},
        )
    return message


def message_unhide(*, membership: Membership, message: Message) -> Message:
    _require_moderator(membership, message.thread)
    if not message.is_hidden:
        return message
    with transaction.atomic():
        message.hidden_at = None
        message.hidden_by = None
        message.hidden_reason = ""
        message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.message_unhidden",
            target=message.thread,
            data={"message": message.pk},
        )
    return message


def reports_dismiss(*, membership: Membership, message: Message) -> int:
    """The reports on a message were looked at and the message stays."""
    _require_moderator(membership, message.thread)
    with transaction.atomic():
        resolved = _resolve_reports(
            membership=membership, message=message, outcome=ReportOutcome.DISMISSED
        )
        if resolved:
            audit_record(
                organization=membership.organization,
                actor=membership.user,
                action="community.reports_dismissed",
                target=message.thread,
                data={"message": message.pk, "reports": resolved},
            )
    return resolved


def thread_lock(*, membership: Membership, thread: Thread, locked: bool) -> Thread:
    """Locked: no new replies, and the thread says so."""
    _require_moderator(membership, thread)
    if thread.is_locked == locked:
        return thread
    with transaction.atomic():
        thread.locked_at = timezone.now() if locked else None
        thread.save(update_fields=["locked_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.thread_locked" if locked else "community.thread_unlocked",
            target=thread,
        )
    return thread


def thread_pin(*, membership: Membership, thread: Thread, pinned: bool) -> Thread:
    """Pinned: a best-practice thread, listed first and labelled."""
    _require_moderator(membership, thread)
    if thread.pinned == pinned:
        return thread
    with transaction.atomic():
        thread.pinned = pinned
        thread.save(update_fields=["pinned"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.thread_pinned" if pinned else "community.thread_unpinned",
            target=thread,
        )
    return thread
