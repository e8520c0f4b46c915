""" "Own words": the share of shares whose text differs from the caption offered.

Twenty colleagues posting identical text expose a program and networks show it less, so
curators see how often members make a post theirs, per post and per campaign. Read from
Share.caption_edited (set when the share is made); shares where it is unknown are left
out of both counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from chorus.accounts.models import Organization
from chorus.analytics.selectors.filters import Filters
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES


@dataclass(frozen=True)
class OwnWords:
    edited: int = 0
    shares: int = 0  # shares whose edit is known

    @property
    def percent(self) -> int | None:
        """The share of edited texts, 0-100 (None without shares to judge)."""
        return round(100 * self.edited / self.shares) if self.shares else None


@dataclass(frozen=True)
class CampaignWords:
    campaign: str
    words: OwnWords


_SUMS: dict[str, Any] = {
    "shares_known": Count("id"),
    "shares_edited": Count("id", filter=Q(caption_edited=True)),
}


def _known(organization: Organization) -> Any:
    return Share.objects.filter(
        organization=organization, status__in=SHARED_STATUSES, caption_edited__isnull=False
    )


def _in_filters(shares: Any, filters: Filters) -> Any:
    """The shares of the filters' period and, like every other figure, of the group's
    members (stats_rows does the same for the rollups)."""
    shares = shares.filter(
        created_at__date__gte=filters.date_from, created_at__date__lte=filters.date_to
    )
    if filters.group_id is not None:
        shares = shares.filter(membership__groups=filters.group_id)
    return shares


def post_own_words(*, organization: Organization, post_id: int) -> OwnWords:
    """All of one post's shares (opened or shared)."""
    found = _known(organization).filter(post_id=post_id).aggregate(**_SUMS)
    return OwnWords(edited=found["shares_edited"], shares=found["shares_known"])


def own_words_by_post(
    *, organization: Organization, post_ids: Iterable[int], filters: Filters | None = None
) -> dict[int, OwnWords]:
    """Own words of these posts (one query), within the filters' period and group when
    given."""
    shares = _known(organization).filter(post_id__in=list(post_ids))
    if filters is not None:
        shares = _in_filters(shares, filters)
    return {
        row["post_id"]: OwnWords(edited=row["shares_edited"], shares=row["shares_known"])
        for row in shares.values("post_id").annotate(**_SUMS).order_by()
    }


def own_words_by_campaign(*, organization: Organization, filters: Filters) -> list[CampaignWords]:
    """Own words per campaign over the filters' period and of its group (the campaign
    filter narrows it to one), the campaigns with the most shares first (one query)."""
    shares = _in_filters(_known(organization), filters).exclude(post__campaign="")
    if filters.campaign:
        shares = shares.filter(post__campaign=filters.campaign)
    rows = shares.values("post__campaign").annotate(**_SUMS).order_by()
    found = [
        CampaignWords(
            campaign=row["post__campaign"],
            words=OwnWords(edited=row["shares_edited"], shares=row["shares_known"]),
        )
        for row in rows
    ]
    found.sort(key=lambda row: (-row.words.shares, row.campaign.casefold()))
    return found
