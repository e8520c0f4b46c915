"""Reads in accounts. Every function takes the organization, so nothing leaks across tenants."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from chorus.accounts.models import (
    Group,
    Invitation,
    MemberImport,
    Membership,
    Organization,
    ProgramConsent,
)
from chorus.core.models import AuditEvent

# Members -----------------------------------------------------------------------------


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


# Groups ------------------------------------------------------------------------------


def group_list(*, organization: Organization, kind: str = "") -> QuerySet[Group]:
    """The organization's groups with `member_count`, ordered by kind then name."""
    groups = Group.objects.filter(organization=organization)
    if kind:
        groups = groups.filter(kind=kind)
    return groups.annotate(member_count=Count("members")).order_by("kind", "name")


def group_members(*, organization: Organization, group: Group) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization, groups=group)
        .select_related("user")
        .order_by("user__name", "user__email", "pk")
    )


# Audit log ---------------------------------------------------------------------------


def audit_event_list(
    *,
    organization: Organization,
    action: str = "",
    actor: str = "",
    target: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The organization's audit events, newest first; both dates are inclusive."""
    events = AuditEvent.objects.filter(organization=organization)
    if action:
        events = events.filter(action=action)
    if actor.strip():
        events = events.filter(actor_label__icontains=actor.strip())
    if target.strip():
        events = events.filter(target_label__icontains=target.strip())
    if date_from is not None:
        events = events.filter(created_at__date__gte=date_from)
    if date_to is not None:
        events = events.filter(created_at__date__lte=date_to)
    return events.order_by("-created_at", "-id")


def audit_actions(*, organization: Organization) -> list[str]:
    """The distinct actions present in the organization's log, for the filter."""
    return list(
        AuditEvent.objects.filter(organization=organization)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_events_about_member(
    *, organization: Organization, membership: Membership, limit: int = 20
) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            organization=organization,
            target_type=Membership._meta.model_name,
            target_id=str(membership.pk),
        ).order_by("-created_at", "-id")[:limit]
    )


# Invitations and member imports --------------------------------------------------------


def invitation_list(*, organization: Organization, status: str = "") -> QuerySet[Invitation]:
    """The organization's invitations, newest first, optionally of one status.

    The status filters mirror `Invitation.status`, so the list and the badges agree.
    """
    invitations = Invitation.objects.filter(organization=organization)
    now = timezone.now()
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    if status == "pending":
        invitations = invitations.filter(open_, expires_at__gt=now)
    elif status == "expired":
        invitations = invitations.filter(open_, expires_at__lte=now)
    elif status == "accepted":
        invitations = invitations.filter(accepted_at__isnull=False)
    elif status == "revoked":
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=False)
    return invitations.select_related("invited_by").order_by("-created_at", "-id")


def invitation_get(*, organization: Organization, pk: int) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(organization=organization, pk=pk)
        .first()
    )


def member_import_list(*, organization: Organization) -> QuerySet[MemberImport]:
    return (
        MemberImport.objects.filter(organization=organization)
        .select_related("uploaded_by")
        .defer("rows")
        .order_by("-created_at", "-id")
    )


def member_import_get(*, organization: Organization, pk: int) -> MemberImport | None:
    return (
        MemberImport.objects.select_related("organization", "uploaded_by")
        .filter(organization=organization, pk=pk)
        .first()
    )
