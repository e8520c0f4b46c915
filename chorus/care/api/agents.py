"""The care API: my care profile (opting in and out, duty, hours, languages, product
areas), and the team an admin oversees."""

from __future__ import annotations

from datetime import time

from django.http import HttpRequest
from ninja import Field, Router, Schema

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input
from chorus.care.models import CareAgent
from chorus.care.selectors import agents as selectors
from chorus.care.services import agents as services

router = Router(tags=["care"])


# Working hours are a wall-clock time in the agent's time zone, without an offset.
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class CareAgentOut(Schema):
    membership_id: int
    opted_in: bool
    on_duty: bool
    timezone: str
    work_days: list[int] = Field(description="Monday 0 ... Sunday 6")
    work_start: str = Field(description="From, local time HH:MM in `timezone`", pattern=CLOCK)
    work_end: str = Field(description="Until, local time HH:MM in `timezone`", pattern=CLOCK)
    languages: list[str]
    tag_ids: list[int]
    max_open: int
    cleared: bool = Field(description="May answer now: the care certification, or clearance")


class CareAgentIn(Input):
    opted_in: bool
    on_duty: bool = False
    timezone: str = Field(default="UTC", max_length=64)
    work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], max_length=7)
    work_start: str = Field(default="09:00", description="HH:MM, local", pattern=CLOCK)
    work_end: str = Field(default="17:00", description="HH:MM, local", pattern=CLOCK)
    languages: list[str] = Field(default_factory=list, max_length=20)
    tag_ids: list[Id] = Field(default_factory=list, max_length=100)
    max_open: int = Field(default=5, ge=1, le=50)


class CareTeamMemberOut(CareAgentOut):
    id: int
    name: str
    load: int
    at_work: bool
    certified: bool | None = Field(description="Holds the care certification (None: not required)")
    admin_cleared: bool


def _out(agent: CareAgent) -> CareAgentOut:
    return CareAgentOut(
        membership_id=agent.membership_id,
        opted_in=agent.opted_in,
        on_duty=agent.on_duty,
        timezone=agent.timezone,
        work_days=list(agent.work_days or []),
        work_start=_clock(agent.work_start),
        work_end=_clock(agent.work_end),
        languages=list(agent.languages or []),
        tag_ids=[tag.pk for tag in agent.tags.all()],
        max_open=agent.max_open,
        cleared=selectors.agent_cleared(agent=agent),
    )


@router.get(
    "/care/me",
    response={200: CareAgentOut},
    summary="My customer care profile",
    description="Any member: whether they answer customers, and when and what.",
)
@api_roles()
def care_agent_get(request: HttpRequest) -> CareAgentOut:
    caller = calling_member(request)
    return _out(services.agent_for(membership=caller))


@router.put(
    "/care/me",
    response={200: CareAgentOut, 422: Error},
    summary="Change my customer care profile",
    description=(
        "Voluntary: opting out hands open conversations back. 422 with the reason when a "
        "value is wrong (nothing changes)."
    ),
)
@api_roles()
def care_agent_update(request: HttpRequest, payload: CareAgentIn) -> CareAgentOut:
    caller = calling_member(request)
    if not payload.opted_in:
        services.agent_opt_out(membership=caller)
        return _out(services.agent_for(membership=caller))
    services.agent_update(
        membership=caller,
        timezone_name=payload.timezone,
        work_days=list(payload.work_days),
        work_start=_parse_clock(payload.work_start),
        work_end=_parse_clock(payload.work_end),
        languages=list(payload.languages),
        tag_ids=list(payload.tag_ids),
        max_open=payload.max_open,
    )
    services.agent_opt_in(membership=caller)
    agent = services.agent_duty_set(membership=caller, on_duty=payload.on_duty)
    return _out(agent)


@router.get(
    "/care/team",
    response={200: list[CareTeamMemberOut]},
    summary="The care team",
    description="Admins: every member who opted in, with duty, hours, load and clearance.",
)
@api_roles("admin")
def care_team_list(request: HttpRequest) -> list[CareTeamMemberOut]:
    caller = calling_member(request)
    rows = selectors.care_team(organization=caller.organization)
    return [
        CareTeamMemberOut(
            id=row.agent.pk,
            name=str(row.agent.membership),
            membership_id=row.agent.membership_id,
            opted_in=row.agent.opted_in,
            on_duty=row.agent.on_duty,
            timezone=row.agent.timezone,
            work_days=list(row.agent.work_days or []),
            work_start=_clock(row.agent.work_start),
            work_end=_clock(row.agent.work_end),
            languages=list(row.agent.languages or []),
            tag_ids=[tag.pk for tag in row.agent.tags.all()],
            max_open=row.agent.max_open,
            cleared=row.certified if row.certified is not None else row.agent.cleared,
            load=row.load,
            at_work=row.at_work,
            certified=row.certified,
            admin_cleared=row.agent.cleared,
        )
        for row in rows
    ]
