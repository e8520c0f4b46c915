"""Reads of tracked links, each taking the organization (a foreign id finds nothing).

Counts come from the counters on Link, kept by the click drainer; nothing here scans Click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, QuerySet, Sum
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.content.models import Post
from chorus.links.models import ClickDeadLetter, DeadLetterReason, Link, LinkSettings

# The "Suspicious visitors" page counts the click records set aside over this many days.
DEAD_LETTER_DAYS = 30


def _links(organization: Organization) -> QuerySet[Link]:
    return Link.objects.filter(organization=organization).select_related("membership__user")


def link_get(*, organization: Organization, link_id: int) -> Link | None:
    return _links(organization).filter(pk=link_id).first()


def post_links(*, organization: Organization, post: Post) -> QuerySet[Link]:
    """The post's links: the post's own first, then members' by clicks."""
    return (
        _links(organization)
        .filter(post=post)
        .order_by(F("membership").asc(nulls_first=True), "-clicks", "network", "pk")
    )


def post_link_totals(*, organization: Organization, post: Post) -> dict[str, Any]:
    """The sums of the post's link counters (one aggregate query)."""
    totals = Link.objects.filter(organization=organization, post=post).aggregate(
        clicks=Sum("clicks"),
        unique_clicks=Sum("unique_clicks"),
        self_clicks=Sum("self_clicks"),
        previews=Sum("previews"),
        last_click_at=Max("last_click_at"),
    )
    last_click_at = totals.pop("last_click_at")
    return {**{name: value or 0 for name, value in totals.items()}, "last_click_at": last_click_at}


def member_links(*, organization: Organization, membership: Membership) -> QuerySet[Link]:
    """A member's own links, newest first."""
    return (
        _links(organization)
        .filter(membership=membership)
        .select_related("post")
        .order_by("-created_at", "-pk")
    )


def link_settings_get(*, organization: Organization) -> LinkSettings | None:
    return LinkSettings.objects.filter(organization=organization).first()


@dataclass
class SetAsideReason:
    reason: str
    label: str
    count: int
    last_at: datetime
    last_detail: str


def dead_letters_summary(
    *, organization: Organization, days: int = DEAD_LETTER_DAYS
) -> list[SetAsideReason]:
    """The organization's click records set aside in the last `days`, by reason (one
    aggregate query, and one for the latest detail of each reason)."""
    recent = ClickDeadLetter.objects.filter(
        organization=organization, created_at__gte=timezone.now() - timedelta(days=days)
    )
    rows = recent.values("reason").annotate(count=Count("id"), last_at=Max("created_at"))
    labels = dict(DeadLetterReason.choices)
    summary = []
    for row in rows.order_by("-count", "reason"):
        latest = recent.filter(reason=row["reason"]).order_by("-created_at", "-id").first()
        summary.append(
            SetAsideReason(
                reason=row["reason"],
                label=str(labels.get(row["reason"], row["reason"])),
                count=row["count"],
                last_at=row["last_at"],
                last_detail=latest.detail if latest else "",
            )
        )
    return summary
