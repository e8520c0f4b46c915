"""Reads of spaces: one space a member may read, the spaces page's lists, a space's members,
pending invitations and upcoming linked sessions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.community.access import SpaceAccess, moderates_every_space, space_access
from chorus.community.models import (
    InvitationState,
    Space,
    SpaceInvitation,
    SpaceMember,
    SpaceSession,
    SpaceVisibility,
)
from chorus.training.models import TrainingSession


def space_find(*, organization: Organization, space_id: int) -> Space | None:
    return (
        Space.objects.filter(organization=organization, pk=space_id)
        .select_related("group", "topic")
        .first()
    )


def space_readable(
    *, organization: Organization, membership: Membership, space_id: int
) -> SpaceAccess | None:
    """The member's access to the space, or None when it is not theirs to read (another
    organization's, or invite-only without them): the caller answers 404."""
    space = space_find(organization=organization, space_id=space_id)
    if space is None:
        return None
    access = space_access(space=space, membership=membership)
    return access if access.can_read else None


@dataclass(frozen=True)
class SpaceRow:
    space: Space
    members: int
    threads: int
    space_member: SpaceMember | None


@dataclass(frozen=True)
class SpacesPage:
    mine: list[SpaceRow]
    to_join: list[SpaceRow]
    invitations: list[SpaceInvitation]
    archived: list[SpaceRow]


def spaces_for(*, organization: Organization, membership: Membership) -> SpacesPage:
    """The member's spaces, the open ones they may join, their pending invitations and, for
    those who moderate everywhere, every other space (invite-only and archived ones)."""
    own = {
        row.space_id: row
        for row in SpaceMember.objects.filter(organization=organization, membership=membership)
    }
    visible = Space.objects.filter(organization=organization)
    if not moderates_every_space(membership):
        visible = visible.filter(Q(visibility=SpaceVisibility.OPEN) | Q(pk__in=list(own)))
    spaces = visible.annotate(
        member_count=Count("members", distinct=True),
    ).order_by("name", "id")
    thread_counts = dict(
        Space.objects.filter(organization=organization, pk__in=[s.pk for s in spaces])
        .annotate(n=Count("threads"))
        .values_list("pk", "n")
    )
    mine: list[SpaceRow] = []
    to_join: list[SpaceRow] = []
    archived: list[SpaceRow] = []
    for space in spaces:
        row = SpaceRow(space, space.member_count, thread_counts.get(space.pk, 0), own.get(space.pk))  # type: ignore[attr-defined]
        if space.archived_at is not None:
            archived.append(row)
        elif row.space_member is not None:
            mine.append(row)
        else:
            to_join.append(row)
    invitations = list(
        SpaceInvitation.objects.filter(
            organization=organization, membership=membership, state=InvitationState.PENDING
        ).select_related("space", "invited_by__user")
    )
    return SpacesPage(mine=mine, to_join=to_join, invitations=invitations, archived=archived)


def space_members(*, organization: Organization, space: Space) -> QuerySet[SpaceMember]:
    return (
        SpaceMember.objects.filter(organization=organization, space=space)
        .select_related("membership__user")
        .order_by("-role", "membership__user__name", "membership__user__email")
    )


def space_invitations_pending(
    *, organization: Organization, space: Space
) -> QuerySet[SpaceInvitation]:
    return SpaceInvitation.objects.filter(
        organization=organization, space=space, state=InvitationState.PENDING
    ).select_related("membership__user")


def invitation_find(
    *, organization: Organization, membership: Membership, invitation_id: int
) -> SpaceInvitation | None:
    """One of the member's own invitations."""
    return (
        SpaceInvitation.objects.filter(
            organization=organization, membership=membership, pk=invitation_id
        )
        .select_related("space")
        .first()
    )


def space_sessions_upcoming(
    *, organization: Organization, space: Space, limit: int = 5
) -> list[TrainingSession]:
    """The next sessions linked to the space: linked ones and the rest of their series."""
    links = SpaceSession.objects.filter(organization=organization, space=space)
    session_ids = list(links.values_list("session_id", flat=True))
    series_ids = [pk for pk in links.values_list("series_id", flat=True) if pk]
    if not session_ids:
        return []
    return list(
        TrainingSession.objects.filter(
            Q(pk__in=session_ids) | Q(series_id__in=series_ids),
            organization=organization,
            cancelled_at__isnull=True,
            starts_at__gte=timezone.now(),
        ).order_by("starts_at", "id")[:limit]
    )


def space_sessions_linked(*, organization: Organization, space: Space) -> QuerySet[SpaceSession]:
    return (
        SpaceSession.objects.filter(organization=organization, space=space)
        .select_related("session")
        .order_by("session__starts_at")
    )


def sessions_to_link(*, organization: Organization) -> QuerySet[TrainingSession]:
    """Sessions a moderator may link: the upcoming ones, not cancelled."""
    return TrainingSession.objects.filter(
        organization=organization, cancelled_at__isnull=True, starts_at__gte=timezone.now()
    ).order_by("starts_at", "id")[:100]
