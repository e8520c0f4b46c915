"""Reads for the sources page: an organization's listening sources and its inbound
webhook's state."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from chorus.accounts.models import Organization
from chorus.care.models import CareSettings, CareSource


def sources_for(*, organization: Organization) -> QuerySet[CareSource]:
    return CareSource.objects.filter(organization=organization).prefetch_related("default_tags")


def source_get(*, organization: Organization, source_id: int) -> CareSource | None:
    return (
        CareSource.objects.filter(organization=organization, pk=source_id)
        .prefetch_related("default_tags")
        .first()
    )


@dataclass(frozen=True)
class InboundState:
    # The webhook's address key; empty while the organization has none.
    key: str

    @property
    def enabled(self) -> bool:
        return bool(self.key)


def inbound_state(*, organization: Organization) -> InboundState:
    key = (
        CareSettings.objects.filter(organization=organization)
        .values_list("inbound_key", flat=True)
        .first()
    )
    return InboundState(key=key or "")
