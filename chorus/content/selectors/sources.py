"""Reads of feed sources and the curation queue, each taking the organization."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from chorus.accounts.models import Organization
from chorus.content.models import (
    ItemStatus,
    Source,
    SourceItem,
)


def source_list(*, organization: Organization) -> QuerySet[Source]:
    """The organization's sources, each with `item_count` and `new_count`."""
    return Source.objects.filter(organization=organization).annotate(
        item_count=Count("items"),
        new_count=Count("items", filter=Q(items__status=ItemStatus.NEW)),
    )


def source_item_list(
    *, organization: Organization, status: str = "", source_id: int | None = None
) -> QuerySet[SourceItem]:
    """Queue items, newest first (by the feed's date, then by when we saw them)."""
    items = SourceItem.objects.filter(organization=organization)
    if status:
        items = items.filter(status=status)
    if source_id is not None:
        items = items.filter(source_id=source_id)
    return items.select_related("source", "post").order_by(
        F("published_at").desc(nulls_last=True), "-created_at", "-id"
    )
