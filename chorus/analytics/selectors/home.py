"""Figures on the homes (chorus/home.py), read from the rollups like every dashboard: a
member's week, the program's health at a glance, the best posts of the last days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chorus.accounts.models import Membership, Organization
from chorus.analytics.models import DailyHeadcount, DailyMemberStats
from chorus.analytics.selectors.dashboard import Row
from chorus.analytics.selectors.filters import Filters, _sums
from chorus.analytics.selectors.rankings import top_posts

BEST_SHOWN = 3
BEST_DAYS = 7
# Participation is compared with the headcount this long before the latest one.
TREND_DAYS = 28


@dataclass(frozen=True)
class MemberFigures:
    since: date
    shares: int
    clicks: int


def member_figures_since(
    *, organization: Organization, membership: Membership, since: date
) -> MemberFigures:
    """The member's shares and clicks from `since` to today (the member's daily rollups:
    confirmed shares, clicks of people other than them, no bot previews)."""
    sums = DailyMemberStats.objects.filter(
        organization=organization, membership=membership, day__gte=since
    ).aggregate(**_sums("shares", "clicks"))
    return MemberFigures(
        since=since, shares=int(sums["shares"] or 0), clicks=int(sums["clicks"] or 0)
    )


@dataclass(frozen=True)
class FunnelStep:
    step: str  # invited, joined, connected, shared, regular
    count: int
    percent: int  # of the first step, whole percent


@dataclass(frozen=True)
class ProgramHealth:
    """The latest headcount: who takes part, who shares, how concentrated the activity is."""

    as_of: date
    members: int
    joined: int
    sharers_30_days: int
    # Members in the program who shared in the last 30 days, percent of those who joined.
    participation: int | None
    participation_before: int | None  # the same TREND_DAYS earlier (None: no headcount)
    # Percent of the 30 days' shares and clicks made by the top 10% of members.
    concentration: int | None
    top_tenth: int
    funnel: list[FunnelStep]


def _participation(headcount: DailyHeadcount) -> int | None:
    if not headcount.joined:
        return None
    return round(headcount.sharers_30_days * 100 / headcount.joined)


def program_health(*, organization: Organization) -> ProgramHealth | None:
    """As of the latest headcount (None before the first one is taken); two queries."""
    latest = DailyHeadcount.objects.filter(organization=organization).order_by("-day").first()
    if latest is None:
        return None
    before = (
        DailyHeadcount.objects.filter(
            organization=organization, day__lte=latest.day - timedelta(days=TREND_DAYS)
        )
        .order_by("-day")
        .first()
    )
    counts = [
        ("invited", latest.members + latest.invited),
        ("joined", latest.joined),
        ("connected", latest.connected),
        ("shared", latest.sharers_30_days),
        ("regular", latest.sharers_3_of_4_weeks),
    ]
    first = counts[0][1]
    concentration = None
    if latest.activity_30_days:
        concentration = round(latest.top_tenth_activity_30_days * 100 / latest.activity_30_days)
    return ProgramHealth(
        as_of=latest.day,
        members=latest.members,
        joined=latest.joined,
        sharers_30_days=latest.sharers_30_days,
        participation=_participation(latest),
        participation_before=_participation(before) if before is not None else None,
        concentration=concentration,
        top_tenth=latest.top_tenth,
        funnel=[
            FunnelStep(step, count, round(count * 100 / first) if first else 0)
            for step, count in counts
        ],
    )


def best_posts(
    *, organization: Organization, today: date, days: int = BEST_DAYS, limit: int = BEST_SHOWN
) -> list[Row]:
    """The posts with the most clicks (then shares) in the last `days` days, today included."""
    filters = Filters(date_from=today - timedelta(days=days - 1), date_to=today)
    return [
        row
        for row in top_posts(organization=organization, filters=filters, limit=limit)
        if row.shares or row.clicks
    ]
