"""The analytics API: the dashboard's figures, a post's funnel and a member's own figures.

Program figures are for curators, approvers and admins; every member reads their own.
Filters are the page's: date_from/date_to (YYYY-MM-DD) or days (7, 30, 90), group, campaign.
A bad filter is a 422 with a sentence saying what is wrong.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chorus.accounts.models import Membership
from chorus.analytics.selectors import dashboard as dashboard_selectors
from chorus.analytics.selectors import filters as filter_selectors
from chorus.analytics.selectors import rankings as ranking_selectors
from chorus.analytics.selectors import values as value_selectors
from chorus.analytics.selectors.filters import Filters
from chorus.api.auth import api_roles, require_roles
from chorus.api.schema import Error, Input

router = Router(tags=["analytics"])
ANALYSTS = ("curator", "approver")


class FiltersIn(Input):
    date_from: str | None = Field(None, description="First day, YYYY-MM-DD")
    date_to: str | None = Field(None, description="Last day (included), YYYY-MM-DD; today")
    days: str | None = Field(None, description="7, 30 or 90: the last days up to today")
    group: str | None = Field(None, description="A group's id: its members only")
    campaign: str | None = Field(None, description="A campaign's name: its posts only")


class PeriodOut(Schema):
    date_from: date
    date_to: date
    days: int
    group_id: int | None
    campaign: str


class FigureOut(Schema):
    name: str
    label: str
    value: int
    previous: int = Field(description="The same figure in the period of the same length before")
    change: float | None = Field(description="Percent; null when the previous period had none")


class ValueOut(Schema):
    amount: Decimal
    currency: str
    formula: str


class TotalsOut(Schema):
    period: PeriodOut
    figures: list[FigureOut]
    impressions_known: bool
    earned_media_value: ValueOut
    previous_earned_media_value: ValueOut


class DayOut(Schema):
    day: date
    shares: int
    clicks: int
    engagement: int


class RowOut(Schema):
    id: int | None = Field(description="The post, member or group; null when not named")
    key: str
    label: str
    shares: int
    clicks: int
    engagement: int
    potential_reach: int = Field(description="Shares x followers where known: potential")


class GroupRowOut(RowOut):
    members: int
    sharers: int = Field(description="Members who shared in the 30 days to as_of")
    participation: float = Field(description="Percent of the group's members who shared")
    as_of: date | None = Field(description="The headcount the members and sharers are from")


class StepOut(Schema):
    label: str
    count: int
    percent: float


class ParticipationOut(Schema):
    day: date
    joined: int
    sharers_30_days: int
    rate: float


class AdoptionOut(Schema):
    as_of: date | None
    funnel: list[StepOut]
    participation: list[ParticipationOut]
    concentration: float | None = Field(
        description="Percent of the activity (shares + clicks) in the 30 days to as_of made"
        " by the top 10% of members"
    )
    top_members_counted: int


def _filters(request: HttpRequest, params: FiltersIn) -> tuple[Membership, Filters]:
    caller = require_roles(request)
    filters = filter_selectors.filters_parse(
        organization=caller.organization, params=params.model_dump(exclude_none=True)
    )
    return caller, filters


def _period(filters: Filters) -> PeriodOut:
    return PeriodOut(
        date_from=filters.date_from,
        date_to=filters.date_to,
        days=filters.days,
        group_id=filters.group_id,
        campaign=filters.campaign,
    )


def _value(value: value_selectors.EarnedMediaValue) -> ValueOut:
    return ValueOut(amount=value.amount, currency=value.currency, formula=value.formula)


def _rows(rows: list[dashboard_selectors.Row]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "key": row.key,
            "label": row.label,
            "shares": row.shares,
            "clicks": row.clicks,
            "engagement": row.engagement,
            "potential_reach": row.potential_reach,
            **row.extra,
        }
        for row in rows
    ]


@router.get(
    "/analytics/totals",
    response={200: TotalsOut, 422: Error},
    summary="Program totals with the change against the previous period",
)
@api_roles(*ANALYSTS)
def analytics_totals(request: HttpRequest, params: Query[FiltersIn]) -> TotalsOut:
    caller, filters = _filters(request, params)
    totals = dashboard_selectors.totals(organization=caller.organization, filters=filters)
    return TotalsOut(
        period=_period(filters),
        figures=[
            FigureOut(
                name=f.name, label=f.label, value=f.value, previous=f.previous, change=f.change
            )
            for f in totals.figures
        ],
        impressions_known=totals.impressions_known,
        earned_media_value=_value(totals.value),
        previous_earned_media_value=_value(totals.previous_value),
    )


@router.get(
    "/analytics/daily",
    response={200: list[DayOut], 422: Error},
    summary="Shares, clicks and engagement per day",
)
@api_roles(*ANALYSTS)
def analytics_daily(request: HttpRequest, params: Query[FiltersIn]) -> list[DayOut]:
    caller, filters = _filters(request, params)
    series = dashboard_selectors.daily_series(organization=caller.organization, filters=filters)
    return [
        DayOut(day=d.day, shares=d.shares, clicks=d.clicks, engagement=d.engagement) for d in series
    ]


@router.get(
    "/analytics/networks",
    response={200: list[RowOut], 422: Error},
    summary="Network mix",
)
@api_roles(*ANALYSTS)
def analytics_networks(request: HttpRequest, params: Query[FiltersIn]) -> list[dict[str, Any]]:
    caller, filters = _filters(request, params)
    return _rows(dashboard_selectors.network_mix(organization=caller.organization, filters=filters))


@router.get(
    "/analytics/top-posts",
    response={200: list[RowOut], 422: Error},
    summary="Posts with the most clicks",
)
@api_roles(*ANALYSTS)
def analytics_top_posts(request: HttpRequest, params: Query[FiltersIn]) -> list[dict[str, Any]]:
    caller, filters = _filters(request, params)
    return _rows(ranking_selectors.top_posts(organization=caller.organization, filters=filters))


@router.get(
    "/analytics/top-members",
    response={200: list[RowOut], 422: Error},
    summary="Members with the most clicks",
    description="Members who chose not to be ranked keep their place, without name or id.",
)
@api_roles(*ANALYSTS)
def analytics_top_members(request: HttpRequest, params: Query[FiltersIn]) -> list[dict[str, Any]]:
    caller, filters = _filters(request, params)
    return _rows(ranking_selectors.top_members(organization=caller.organization, filters=filters))


@router.get(
    "/analytics/groups",
    response={200: list[GroupRowOut], 422: Error},
    summary="Group comparison",
    description='Groups of fewer than 5 members are merged into one "Other" line.',
)
@api_roles(*ANALYSTS)
def analytics_groups(request: HttpRequest, params: Query[FiltersIn]) -> list[dict[str, Any]]:
    caller, filters = _filters(request, params)
    return _rows(
        dashboard_selectors.group_comparison(organization=caller.organization, filters=filters)
    )


@router.get(
    "/analytics/adoption",
    response={200: AdoptionOut, 422: Error},
    summary="Adoption funnel, participation per day and concentration",
)
@api_roles(*ANALYSTS)
def analytics_adoption(request: HttpRequest, params: Query[FiltersIn]) -> AdoptionOut:
    caller, filters = _filters(request, params)
    adoption = dashboard_selectors.adoption(organization=caller.organization, filters=filters)
    return AdoptionOut(
        as_of=adoption.as_of,
        funnel=[StepOut(label=s.label, count=s.count, percent=s.percent) for s in adoption.funnel],
        participation=[
            ParticipationOut(
                day=p.day, joined=p.joined, sharers_30_days=p.sharers_30_days, rate=p.rate
            )
            for p in adoption.participation
        ],
        concentration=adoption.concentration,
        top_members_counted=adoption.top_members_counted,
    )
