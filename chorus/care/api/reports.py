"""The care API: reports (care staff: approvers, curators, admins), the same figures as
the reports page."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Id, Input
from chorus.care.selectors import reports as selectors

router = Router(tags=["care"])


class CareReportFilters(Input):
    days: int | None = Field(None, description="The last 7, 30 or 90 days (30 by default)")
    date_from: date | None = Field(None, alias="from", description="A chosen period's first day")
    date_to: date | None = Field(None, alias="to", description="Its last day (today if left out)")
    network: str = Field("", max_length=20)
    group: Id | None = Field(None, description="Conversations assigned to members of this group")
    member: Id | None = Field(None, description="Conversations assigned to this member")
    priority: str = Field("", max_length=10)
    tag: Id | None = None


class CareDurationOut(Schema):
    count: int = Field(description="Conversations measured")
    median: float | None = Field(description="Minutes")
    p90: float | None = Field(description="Minutes (90th percentile, nearest rank)")


class CareWithinTargetOut(Schema):
    counted: int = Field(description="Decided: met, or missed (late, or open past due)")
    within: int
    percent: float | None


class CareTallyOut(Schema):
    opened: int
    answered: int
    closed: int
    escalated: int
    closed_without_answer: int
    first_response: CareDurationOut
    resolution: CareDurationOut
    first_response_within_target: CareWithinTargetOut
    resolution_within_target: CareWithinTargetOut


class CarePriorityOut(Schema):
    priority: str
    first_response_target_minutes: int
    resolution_target_minutes: int
    figures: CareTallyOut


class CareLineOut(Schema):
    key: str = Field(description="A network's name (\"-\": none), a group's or member's id")
    label: str
    figures: CareTallyOut
    replies_published: int
    reactions: int


class CareReactionsOut(Schema):
    replies_published: int
    measured: int = Field(description="Published replies whose reactions were read back")
    reactions: int
    reposts: int
    replies: int


class CareDayOut(Schema):
    day: date
    opened: int
    answered: int


class CareReportOut(Schema):
    start: date
    end: date
    errors: list[str] = Field(description="What in the filters was refused (defaults used)")
    totals: CareTallyOut
    breaches: int
    priorities: list[CarePriorityOut]
    networks: list[CareLineOut]
    groups: list[CareLineOut]
    members: list[CareLineOut]
    reactions: CareReactionsOut
    days: list[CareDayOut]


def _tally(tally: selectors.Tally) -> CareTallyOut:
    def duration(value: selectors.Duration) -> CareDurationOut:
        return CareDurationOut(count=value.count, median=value.median, p90=value.p90)

    def target(value: selectors.WithinTarget) -> CareWithinTargetOut:
        return CareWithinTargetOut(
            counted=value.counted, within=value.within, percent=value.percent
        )

    return CareTallyOut(
        opened=tally.opened,
        answered=tally.answered,
        closed=tally.closed,
        escalated=tally.escalated,
        closed_without_answer=tally.closed_unanswered,
        first_response=duration(tally.first_response),
        resolution=duration(tally.resolution),
        first_response_within_target=target(tally.first_target),
        resolution_within_target=target(tally.resolution_target),
    )


def _lines(lines: list[selectors.Line]) -> list[CareLineOut]:
    return [
        CareLineOut(
            key=line.key,
            label=line.label,
            figures=_tally(line.tally),
            replies_published=line.replies_published,
            reactions=line.reactions,
        )
        for line in lines
    ]


@router.get(
    "/care/reports",
    response={200: CareReportOut},
    summary="Customer care figures for a period",
    description=(
        "Care staff (approvers, curators, admins): conversations opened in the period "
        "(the last 30 days by default), narrowed by network, group or member (of the "
        "assignee), priority and tag: volume, first response and resolution times (median, "
        "90th percentile), within target per priority, breaches, per network, group and "
        "member, outcomes, and the reactions to published replies. Unknown or foreign ids "
        "are ignored."
    ),
)
@api_roles("approver", "curator")
def care_report_get(request: HttpRequest, filters: Query[CareReportFilters]) -> CareReportOut:
    organization = calling_member(request).organization
    parsed = selectors.report_filters_parse(
        organization=organization,
        params={
            "days": filters.days,
            "from": filters.date_from.isoformat() if filters.date_from else "",
            "to": filters.date_to.isoformat() if filters.date_to else "",
            "network": filters.network,
            "group": filters.group,
            "member": filters.member,
            "priority": filters.priority,
            "tag": filters.tag,
        },
    )
    report = selectors.care_report(organization=organization, filters=parsed)
    return CareReportOut(
        start=parsed.start,
        end=parsed.end,
        errors=list(parsed.errors),
        totals=_tally(report.total),
        breaches=report.breaches,
        priorities=[
            CarePriorityOut(
                priority=line.priority,
                first_response_target_minutes=line.first_target_minutes,
                resolution_target_minutes=line.resolution_target_minutes,
                figures=_tally(line.tally),
            )
            for line in report.priorities
        ],
        networks=_lines(report.networks),
        groups=_lines(report.groups),
        members=_lines(report.members),
        reactions=CareReactionsOut(
            replies_published=report.reactions.replies_published,
            measured=report.reactions.measured,
            reactions=report.reactions.reactions,
            reposts=report.reactions.reposts,
            replies=report.reactions.replies,
        ),
        days=[
            CareDayOut(day=day.day, opened=day.opened, answered=day.answered) for day in report.days
        ],
    )
