"""Reads of the pilot: its state, who may join the program while it runs, its invitations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chorus.accounts.models import Group, Membership, Organization
from chorus.pilot.models import (
    PILOT_SIZE_MAX,
    PILOT_SIZE_MIN,
    InvitationStatus,
    Pilot,
    PilotInvitation,
    PilotStatus,
    PilotWave,
    Volunteer,
)

MemberGroups = Group.members.through


def pilot_of(*, organization: Organization) -> Pilot | None:
    """The organization's pilot, or None when none was ever started."""
    return Pilot.objects.filter(organization=organization).select_related("group").first()


def pilot_running(*, organization: Organization) -> bool:
    return Pilot.objects.filter(organization=organization, status=PilotStatus.RUNNING).exists()


def pilot_member_ids(*, pilot: Pilot | None) -> set[int]:
    if pilot is None or pilot.group_id is None:
        return set()
    return set(
        MemberGroups.objects.filter(group_id=pilot.group_id).values_list("membership_id", flat=True)
    )


def pilot_members(*, pilot: Pilot) -> QuerySet[Membership]:
    if pilot.group_id is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(organization_id=pilot.organization_id, groups=pilot.group_id)
        .select_related("user")
        .order_by("user__name", "pk")
    )


def in_pilot(*, pilot: Pilot | None, membership: Membership) -> bool:
    if pilot is None or pilot.group_id is None:
        return False
    return MemberGroups.objects.filter(
        group_id=pilot.group_id, membership_id=membership.pk
    ).exists()


def graduated_group_ids(*, organization: Organization) -> set[int]:
    return set(
        PilotWave.groups.through.objects.filter(pilotwave__organization=organization).values_list(
            "group_id", flat=True
        )
    )


def may_join_program(*, organization: Organization, membership: Membership) -> bool:
    """Whether the pilot lets the member join: always, unless a pilot runs and they are in
    neither its cohort nor a group the program was widened to."""
    pilot = Pilot.objects.filter(organization=organization).first()
    if pilot is None or pilot.status != PilotStatus.RUNNING:
        return True
    allowed = graduated_group_ids(organization=organization)
    if pilot.group_id is not None:
        allowed.add(pilot.group_id)
    return MemberGroups.objects.filter(membership_id=membership.pk, group_id__in=allowed).exists()


def invitations(*, organization: Organization) -> QuerySet[PilotInvitation]:
    """Every invitation but the withdrawn ones, newest first."""
    return (
        PilotInvitation.objects.filter(organization=organization)
        .exclude(status=InvitationStatus.WITHDRAWN)
        .select_related("membership__user")
        .order_by("-created_at", "-id")
    )


def invitation_of(*, organization: Organization, invitation_id: int) -> PilotInvitation | None:
    return (
        PilotInvitation.objects.filter(organization=organization, pk=invitation_id)
        .select_related("membership__user")
        .first()
    )


def pending_invitation(*, membership: Membership) -> PilotInvitation | None:
    return (
        PilotInvitation.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            status=InvitationStatus.PENDING,
        )
        .order_by("-created_at")
        .first()
    )


def has_volunteered(*, membership: Membership) -> bool:
    return Volunteer.objects.filter(
        organization_id=membership.organization_id, membership=membership
    ).exists()


def waves(*, organization: Organization) -> QuerySet[PilotWave]:
    return (
        PilotWave.objects.filter(organization=organization)
        .prefetch_related("groups")
        .select_related("opened_by")
    )


@dataclass(frozen=True)
class SizeNote:
    text: str
    # "warning" above the guidance, "note" below it: never a refusal.
    level: str


def size_note(count: int) -> SizeNote | None:
    """A word about the cohort's size: 5 to 10 is the guidance, never a rule."""
    if count > PILOT_SIZE_MAX:
        return SizeNote(
            _(
                "%(count)d people in the pilot: more than %(max)d is hard to listen to closely. "
                "Consider widening by groups instead."
            )
            % {"count": count, "max": PILOT_SIZE_MAX},
            "warning",
        )
    if 0 < count < PILOT_SIZE_MIN:
        return SizeNote(
            ngettext(
                "%(count)d person in the pilot. That is fine: a small start is still a start. "
                "Five to ten voices give a broader picture.",
                "%(count)d people in the pilot. That is fine: a small start is still a start. "
                "Five to ten voices give a broader picture.",
                count,
            )
            % {"count": count},
            "note",
        )
    return None
