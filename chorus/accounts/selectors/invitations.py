"""Reads of invitations and member imports, each taking the organization."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from chorus.accounts.models import (
    Invitation,
    MemberImport,
    Organization,
)


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
