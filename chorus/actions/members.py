"""Members, across apps: a member deactivated, reactivated, joining or leaving the program.

Each action changes the membership (accounts), the member's place on the leaderboards
(gamification) and, when they stop taking part, the shares waiting to go out in their name
(sharing), in one transaction: all of it happens, or none of it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership, ProgramStatus, User
from chorus.accounts.services import members as member_services
from chorus.accounts.services import program as program_services
from chorus.gamification.services.points import points_ranking_sync
from chorus.pilot.selectors.pilot import may_join_program
from chorus.sharing.services.cancel import shares_cancel_for_member
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_require
from chorus.webhooks.services.events import member_data, webhook_emit


def _in_members_language(membership: Membership) -> translation.override:
    """The reason a share was cancelled is stored and shown to its member: in their words."""
    return translation.override(membership.user.language or settings.LANGUAGE_CODE)


@transaction.atomic
def member_set_active(*, membership: Membership, actor: User, active: bool) -> Membership:
    """Deactivate (or reactivate) a member, by an admin. A deactivated member leaves the
    rankings and their pending shares are cancelled, each member told why; reactivated,
    they are ranked again (their points were kept).

    Raises ValidationError when the organization would lose its last admin, or for an
    admin deactivating themselves.
    """
    was_active = membership.is_active
    member_services.membership_set_active(membership=membership, actor=actor, active=active)
    if membership.is_active == was_active:
        return membership
    points_ranking_sync(membership=membership)
    if not active:
        with _in_members_language(membership):
            reason = _("Your membership was deactivated.")
        shares_cancel_for_member(membership=membership, reason=reason)
    return membership


@transaction.atomic
def member_join_program(*, membership: Membership, actor: User, terms_version: int) -> Membership:
    """The member's own consent to the program terms they were shown; they are ranked.

    Raises PermissionDenied when `actor` is not the member, ValidationError when the terms
    changed since `terms_version`, GateRefused (a ValidationError with the reasons and the
    links that fix them) when joining needs a certification (or the policy) they lack, and
    ValidationError while a pilot runs that they are not part of (nor a group it widened to).
    """
    if membership.program_status != ProgramStatus.JOINED:
        if not may_join_program(organization=membership.organization, membership=membership):
            raise ValidationError(
                _(
                    "The program starts small: for now it is open to the pilot's volunteers. "
                    "You can offer to take part on the program page."
                )
            )
        gate_require(membership=membership, action=GateAction.JOIN)
    was_joined = membership.program_status == ProgramStatus.JOINED
    program_services.program_join(membership=membership, actor=actor, terms_version=terms_version)
    points_ranking_sync(membership=membership)
    if not was_joined:
        webhook_emit(
            organization=membership.organization_id,
            event_type="member.joined_program",
            data={"member": member_data(membership), "joined_at": timezone.now().isoformat()},
        )
    return membership


@transaction.atomic
def member_leave_program(*, membership: Membership, actor: User, reason: str = "") -> Membership:
    """The member leaves the program: nothing more is done in their name. They leave the
    rankings, and every share waiting to go out for them is cancelled. `reason`: the
    `LeaveReason` they chose to give, or blank."""
    was_joined = membership.program_status == ProgramStatus.JOINED
    program_services.program_leave(membership=membership, actor=actor, reason=reason)
    if not was_joined:
        return membership
    points_ranking_sync(membership=membership)
    with _in_members_language(membership):
        reason = _("You left the advocacy program.")
    shares_cancel_for_member(membership=membership, reason=reason)
    webhook_emit(
        organization=membership.organization_id,
        event_type="member.left_program",
        data={"member": member_data(membership), "left_at": timezone.now().isoformat()},
    )
    return membership
