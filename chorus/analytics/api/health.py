"""The program's health through the API: the readiness map, the voluntariness card and the
pilot comparison, with the pages' rules (groups of 5 or more, survey figures only where
the surveys allow them, leave reasons from 5 leavers who gave one). Curators, approvers
and admins, as the dashboard."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chorus.analytics.api.dashboard import ANALYSTS, FiltersIn, PeriodOut, _filters, _period
from chorus.analytics.selectors import pilot as pilot_selectors
from chorus.analytics.selectors import program as program_selectors
from chorus.analytics.selectors import readiness as readiness_selectors
from chorus.analytics.selectors import voluntariness as voluntariness_selectors
from chorus.api.auth import api_roles, require_roles
from chorus.api.schema import Error

router = Router(tags=["analytics"])


class ReadinessMapMeasureOut(Schema):
    name: str = Field(description="mood, pressure, comfort, confidence or time")
    state: str = Field(description="shown, no_survey or too_few (fewer than 5 answers)")
    latest: float | None = Field(description="Percent of the latest round (pressure: felt it)")
    trend: list[float] = Field(description="Percent per round, oldest first")
    respondents: int
    words: str


class ReadinessMapLineOut(Schema):
    key: str = Field(description='A group\'s id, or "all" for everyone')
    label: str
    group_id: int | None
    members: int
    program_members: int
    measures: list[ReadinessMapMeasureOut]
    knowledge: float | None = Field(description="Mean best quiz score (percent)")
    quiz_takers: int
    certified: float | None = Field(
        description="Percent holding a certification a gate asks for; null without such gates"
    )
    participation_30: float | None
    participation_90: float | None
    half_shares_90: int | None = Field(
        description="The fewest members who made half the group's shares in 90 days"
    )
    verdict: str = Field(description="dont_push, listen_first, train_first, room_to_grow, healthy")
    verdict_text: str


class ReadinessMapOut(Schema):
    as_of: date
    training: bool
    gated: bool
    readiness_survey: bool
    lines: list[ReadinessMapLineOut]


class ProgramConsentMonthOut(Schema):
    month: date
    joined: int
    left: int


class LeaveReasonCountOut(Schema):
    reason: str
    label: str
    count: int


class VoluntarinessPressureOut(Schema):
    day: date
    percent: float
    respondents: int


class HealthNudgeMonthOut(Schema):
    month: date
    sent: int
    unsubscribed: int = Field(description="Nudged members who turned something off within 7 days")


class ParticipationSpreadOut(Schema):
    members: int = Field(description="Active members in the program")
    sharers: int
    shares: int
    activity: int = Field(description="Shares and clicks")
    half_shares: int | None = Field(description="The fewest members who made half the shares")
    half_activity: int | None
    broad: bool | None
    reading: str


class VoluntarinessOut(Schema):
    period: PeriodOut
    months: list[ProgramConsentMonthOut]
    joined: int
    left: int
    leavers_with_reason: int
    reasons: list[LeaveReasonCountOut] | None = Field(
        description="Null until at least 5 leavers of the 12 months gave a reason"
    )
    pressure: list[VoluntarinessPressureOut]
    nudges: list[HealthNudgeMonthOut]
    spread: ParticipationSpreadOut


class PilotComparisonSideOut(Schema):
    members: int
    sharers: int
    shares: int
    clicks: int
    shared_percent: float | None
    shares_per_member: float | None
    clicks_per_share: float | None


class PilotComparisonOut(Schema):
    period: PeriodOut
    exists: bool = Field(description="Whether the organization has a pilot cohort")
    group_id: int | None
    name: str
    compared: bool = Field(description="False below 5 pilot members in the program")
    pilot: PilotComparisonSideOut | None
    rest: PilotComparisonSideOut | None


@router.get(
    "/analytics/readiness",
    response={200: ReadinessMapOut},
    summary="The readiness map: per group of 5 or more, where the program can grow",
)
@api_roles(*ANALYSTS)
def analytics_readiness(request: HttpRequest) -> ReadinessMapOut:
    caller = require_roles(request)
    found = readiness_selectors.readiness_map(organization=caller.organization)
    return ReadinessMapOut(
        as_of=found.as_of,
        training=found.training,
        gated=found.gated,
        readiness_survey=found.readiness_survey,
        lines=[
            ReadinessMapLineOut(
                key=line.key,
                label=line.label,
                group_id=line.group_id,
                members=line.members,
                program_members=line.program_members,
                measures=[
                    ReadinessMapMeasureOut(
                        name=measure.name,
                        state=measure.state,
                        latest=measure.latest,
                        trend=measure.trend,
                        respondents=measure.respondents,
                        words=measure.words,
                    )
                    for measure in line.measures.values()
                ],
                knowledge=line.knowledge,
                quiz_takers=line.quiz_takers,
                certified=line.certified,
                participation_30=line.participation_30,
                participation_90=line.participation_90,
                half_shares_90=line.half_shares_90,
                verdict=line.verdict.key,
                verdict_text=line.verdict.text,
            )
            for line in found.lines
        ],
    )


@router.get(
    "/analytics/voluntariness",
    response={200: VoluntarinessOut, 422: Error},
    summary="Joins and leaves, leave reasons, pressure, nudges and the participation spread",
)
@api_roles(*ANALYSTS)
def analytics_voluntariness(request: HttpRequest, params: Query[FiltersIn]) -> VoluntarinessOut:
    caller, filters = _filters(request, params)
    activity = program_selectors.program_activity(
        organization=caller.organization, date_from=filters.date_from, date_to=filters.date_to
    )
    found = voluntariness_selectors.voluntariness(
        organization=caller.organization, activity=activity
    )
    spread = found.spread
    return VoluntarinessOut(
        period=_period(filters),
        months=[
            ProgramConsentMonthOut(month=m.month, joined=m.joined, left=m.left)
            for m in found.months
        ],
        joined=found.joined,
        left=found.left,
        leavers_with_reason=found.leavers_with_reason,
        reasons=None
        if found.reasons is None
        else [
            LeaveReasonCountOut(reason=r.reason, label=r.label, count=r.count)
            for r in found.reasons
        ],
        pressure=[
            VoluntarinessPressureOut(day=p.day, percent=float(p.percent), respondents=p.respondents)
            for p in found.pressure
        ],
        nudges=[
            HealthNudgeMonthOut(month=n.month, sent=n.sent, unsubscribed=n.unsubscribed)
            for n in found.nudges
        ],
        spread=ParticipationSpreadOut(
            members=spread.members,
            sharers=spread.sharers,
            shares=spread.shares,
            activity=spread.activity,
            half_shares=spread.half_shares,
            half_activity=spread.half_activity,
            broad=spread.broad,
            reading=spread.reading,
        ),
    )


def _side(side: pilot_selectors.Side | None) -> PilotComparisonSideOut | None:
    if side is None:
        return None
    return PilotComparisonSideOut(
        members=side.members,
        sharers=side.sharers,
        shares=side.shares,
        clicks=side.clicks,
        shared_percent=side.shared_percent,
        shares_per_member=side.shares_per_member,
        clicks_per_share=side.clicks_per_share,
    )


@router.get(
    "/analytics/pilot",
    response={200: PilotComparisonOut, 422: Error},
    summary="The pilot cohort against the rest of the program in the period",
)
@api_roles(*ANALYSTS)
def analytics_pilot(request: HttpRequest, params: Query[FiltersIn]) -> PilotComparisonOut:
    caller, filters = _filters(request, params)
    activity = program_selectors.program_activity(
        organization=caller.organization, date_from=filters.date_from, date_to=filters.date_to
    )
    found = pilot_selectors.pilot_comparison(organization=caller.organization, activity=activity)
    if found is None:
        return PilotComparisonOut(
            period=_period(filters),
            exists=False,
            group_id=None,
            name="",
            compared=False,
            pilot=None,
            rest=None,
        )
    return PilotComparisonOut(
        period=_period(filters),
        exists=True,
        group_id=found.group_id,
        name=found.name,
        compared=found.compared,
        pilot=_side(found.pilot),
        rest=_side(found.rest),
    )
