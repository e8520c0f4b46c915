"""One member's own figures, best posts and networks, next to the median member's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from chorus.accounts.models import Membership, Organization
from chorus.analytics.models import (
    DailyHeadcount,
    DailyMemberStats,
    DailyShareStats,
)
from chorus.analytics.selectors.dashboard import Row, _by_network
from chorus.analytics.selectors.filters import Filters, _engagement, _sums, stats_rows
from chorus.content.models import Post

# -- one member -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStats:
    filters: Filters
    shares: int
    clicks: int
    engagement: int
    potential_reach: int
    median: dict[str, float]  # the median member over the 30 days to `median_as_of`
    median_as_of: date | None
    own_30_days: dict[str, int]  # the member's own figures over the same 30 days
    best_posts: list[Row]
    networks: list[Row]


def member_stats(
    *, organization: Organization, membership: Membership, filters: Filters
) -> MemberStats:
    """A member's own figures, best posts, and the median member of the program's."""
    everyone = replace(filters, group_id=None)
    mine = stats_rows(organization=organization, filters=everyone).filter(membership=membership)
    sums = _sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")
    total = mine.aggregate(**sums)
    own = {name: int(total[name] or 0) for name in total}
    best = mine.values("post").annotate(**sums).order_by("-clicks", "-shares", "post")[:5]
    titles = dict(
        Post.objects.filter(pk__in=[row["post"] for row in best]).values_list("pk", "title")
    )
    best_posts = [
        Row(
            key=str(row["post"]),
            label=titles.get(row["post"], ""),
            shares=int(row["shares"] or 0),
            clicks=int(row["clicks"] or 0),
            engagement=_engagement(row),
            potential_reach=int(row["potential_reach"] or 0),
            id=row["post"],
        )
        for row in best
    ]
    networks = _by_network(mine)
    median, as_of = _median_member(organization=organization, filters=everyone)
    own_30_days = dict.fromkeys(("shares", "clicks", "engagement"), 0)
    if as_of is not None:
        last_30 = DailyMemberStats.objects.filter(
            organization=organization,
            membership=membership,
            day__gte=as_of - timedelta(days=29),
            day__lte=as_of,
        ).aggregate(**_sums("shares", "clicks", "reactions", "reposts", "replies"))
        own_30_days = {
            "shares": int(last_30["shares"] or 0),
            "clicks": int(last_30["clicks"] or 0),
            "engagement": _engagement(last_30),
        }
    return MemberStats(
        filters=everyone,
        shares=own["shares"],
        clicks=own["clicks"],
        engagement=_engagement(own),
        potential_reach=own["potential_reach"],
        median=median,
        median_as_of=as_of,
        own_30_days=own_30_days,
        best_posts=best_posts,
        networks=networks,
    )


def _median_member(
    *, organization: Organization, filters: Filters
) -> tuple[dict[str, float], date | None]:
    """The median member in the program over the 30 days to the range's last headcount
    (members who did nothing count as zeros), and that day."""
    latest = (
        DailyHeadcount.objects.filter(organization=organization, day__lte=filters.date_to)
        .order_by("-day")
        .first()
    )
    if latest is None:
        return dict.fromkeys(("shares", "clicks", "engagement"), 0.0), None
    return {
        "shares": latest.median_shares_30_days,
        "clicks": latest.median_clicks_30_days,
        "engagement": latest.median_engagement_30_days,
    }, latest.day


def member_rows(
    *, organization: Organization, membership: Membership, filters: Filters
) -> Iterator[DailyShareStats]:
    """The member's own rows, day by day (for their export)."""
    everyone = replace(filters, group_id=None)
    return (
        stats_rows(organization=organization, filters=everyone)
        .filter(membership=membership)
        .select_related("post")
        .order_by("day", "post_id", "network")
        .iterator(chunk_size=2000)
    )
