"""Reads for the personal data pages: a member's exports and erasure request, the
organization's pending erasures."""

from __future__ import annotations

from django.db.models import QuerySet

from chorus.accounts.models import Membership, Organization
from chorus.privacy.models import DataExport, ErasureRequest, ErasureStatus, ExportStatus


def exports_of(*, membership: Membership, limit: int = 5) -> list[DataExport]:
    return list(
        DataExport.objects.filter(
            organization_id=membership.organization_id, membership=membership
        ).order_by("-requested_at", "-id")[:limit]
    )


def export_downloadable(*, membership: Membership, export_id: int) -> DataExport | None:
    """The member's own ready export, or None (another member's, expired: not found)."""
    return DataExport.objects.filter(
        organization_id=membership.organization_id,
        membership=membership,
        pk=export_id,
        status=ExportStatus.READY,
    ).first()


def export_get(*, membership: Membership, export_id: int) -> DataExport | None:
    return DataExport.objects.filter(
        organization_id=membership.organization_id, membership=membership, pk=export_id
    ).first()


def erasure_pending(*, membership: Membership) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(
        organization_id=membership.organization_id,
        membership=membership,
        status=ErasureStatus.PENDING,
    ).first()


def erasures_pending(*, organization: Organization) -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.filter(organization=organization, status=ErasureStatus.PENDING)
        .select_related("membership__user")
        .order_by("due_at", "pk")
    )


def erasure_get(*, organization: Organization, erasure_id: int) -> ErasureRequest | None:
    return (
        ErasureRequest.objects.filter(organization=organization, pk=erasure_id)
        .select_related("membership__user", "membership__organization")
        .first()
    )
