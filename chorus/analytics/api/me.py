"""The analytics API for the caller: their own figures and the median member's."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chorus.analytics.api.dashboard import (
    FiltersIn,
    PeriodOut,
    RowOut,
    _filters,
    _period,
    _rows,
)
from chorus.analytics.selectors import me as member_selectors
from chorus.api.auth import api_roles
from chorus.api.schema import Error

router = Router(tags=["analytics"])


class MemberStatsOut(Schema):
    period: PeriodOut
    shares: int
    clicks: int
    engagement: int
    potential_reach: int
    median: dict[str, float] = Field(
        description="The median member in the program over the 30 days to median_as_of"
    )
    median_as_of: date | None
    own_30_days: dict[str, int] = Field(description="The caller's figures over those 30 days")
    best_posts: list[RowOut]
    networks: list[RowOut]


@router.get(
    "/analytics/me",
    response={200: MemberStatsOut, 422: Error},
    summary="My own figures and the median member's",
)
@api_roles()
def analytics_me(request: HttpRequest, params: Query[FiltersIn]) -> MemberStatsOut:
    caller, filters = _filters(request, params)
    stats = member_selectors.member_stats(
        organization=caller.organization, membership=caller, filters=filters
    )
    return MemberStatsOut(
        period=_period(stats.filters),
        shares=stats.shares,
        clicks=stats.clicks,
        engagement=stats.engagement,
        potential_reach=stats.potential_reach,
        median=stats.median,
        median_as_of=stats.median_as_of,
        own_30_days=stats.own_30_days,
        best_posts=_rows(stats.best_posts),  # type: ignore[arg-type]
        networks=_rows(stats.networks),  # type: ignore[arg-type]
    )
