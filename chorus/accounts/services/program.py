"""A member joining or leaving the advocacy program (with their consent recorded).

The membership's side only: pages and the API call chorus.actions.members, which also
resyncs the member's ranking and, on leaving, cancels the shares waiting in their name.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    ConsentAction,
    LeaveReason,
    Membership,
    ProgramConsent,
    ProgramStatus,
    User,
)
from chorus.core.audit import audit_record


def program_join(*, membership: Membership, actor: User, terms_version: int) -> Membership:
    """Record the member's own consent to the current program terms.

    Nobody can opt in someone else: `actor` must be the member. `terms_version` is the
    version the member was shown; joining fails if the terms changed meanwhile.
    """
    if membership.user_id != actor.pk:
        raise PermissionDenied(_("Only members themselves can join the program."))
    organization = membership.organization
    if terms_version != organization.program_terms_version:
        raise ValidationError(_("The program terms have changed; please read them again."))
    with transaction.atomic():
        _status_change(
            membership=membership,
            actor=actor,
            status=ProgramStatus.JOINED,
            consent=ConsentAction.JOINED,
            audit_action="program.joined",
            audit_data={"terms_version": organization.program_terms_version},
        )
    return membership


def program_leave(*, membership: Membership, actor: User, reason: str = "") -> Membership:
    """Leave the advocacy program. Everything done in the member's name must stop:
    features check `Membership.is_advocate` before acting. `reason` is what the member
    chose to say about why (a `LeaveReason`), or blank: it is never required."""
    if membership.user_id != actor.pk:
        raise PermissionDenied(_("Only members themselves can leave the program."))
    if reason and reason not in LeaveReason.values:
        raise ValidationError(_("Choose one of the reasons listed, or none."))
    if membership.program_status != ProgramStatus.JOINED:
        return membership
    with transaction.atomic():
        _status_change(
            membership=membership,
            actor=actor,
            status=ProgramStatus.LEFT,
            consent=ConsentAction.LEFT,
            audit_action="program.left",
            reason=reason,
        )
    return membership


def _status_change(
    *,
    membership: Membership,
    actor: User,
    status: ProgramStatus,
    consent: ConsentAction,
    audit_action: str,
    audit_data: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Set the member's program status, record their consent (the
    terms as they read now) and audit it. Must run inside transaction.atomic."""
    organization = membership.organization
    now = timezone.now()
    membership.program_status = status
    membership.program_status_changed_at = now
    membership.save(update_fields=["program_status", "program_status_changed_at"])
    ProgramConsent.objects.create(
        organization=organization,
        membership=membership,
        action=consent,
        terms_version=organization.program_terms_version,
        terms_text=organization.program_terms,
        reason=reason,
        created_at=now,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action=audit_action,
        target=membership,
        data=audit_data,
    )
