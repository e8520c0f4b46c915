"""Reads of members, each taking the organization."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from chorus.accounts.models import (
    Group,
    Membership,
    Organization,
    ProgramConsent,
)


def member_list(
    *,
    organization: Organization,
    q: str = "",
    role: str = "",
    group_id: int | None = None,
    program_status: str = "",
    active: bool | None = None,
) -> QuerySet[Membership]:
    """The organization's members matching the filters, users and groups loaded.

    Groups are prefetched (ordered by kind) so a page of members costs the same
    number of queries whatever its size.
    """
    members = Membership.objects.filter(organization=organization).select_related("user")
    q = q.strip()
    if q:
        members = members.filter(Q(user__name__icontains=q) | Q(user__email__icontains=q))
    if role:
        members = members.filter(**{f"is_{role}": True})
    if group_id is not None:
        members = members.filter(groups__id=group_id)
    if program_status:
        members = members.filter(program_status=program_status)
    if active is not None:
        members = members.filter(is_active=active)
    return members.prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("kind", "name"))
    ).order_by("user__name", "user__email", "pk")


def member_get(*, organization: Organization, member_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("user", "organization")
        .filter(organization=organization, pk=member_id)
        .first()
    )


def member_consents(*, organization: Organization, membership: Membership) -> list[ProgramConsent]:
    """The member's program history, newest first (read-only: only they can change it)."""
    return list(
        ProgramConsent.objects.filter(organization=organization, membership=membership)[:50]
    )


def member_group_candidates(
    *, organization: Organization, group: Group, q: str = "", limit: int = 50
) -> list[Membership]:
    """Active members not yet in `group`, matching `q`, for the "add members" picker."""
    members = (
        Membership.objects.filter(organization=organization, is_active=True)
        .exclude(groups=group)
        .select_related("user")
    )
    q = q.strip()
    if q:
        members = members.filter(Q(user__name__icontains=q) | Q(user__email__icontains=q))
    return list(members.order_by("user__name", "user__email", "pk")[:limit])
