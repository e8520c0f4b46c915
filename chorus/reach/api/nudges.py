"""The reach API: nudges (admins): on or off, after how many days without a share, and what
nudging does (members nudged per month, and those who turned something off after it)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router, Schema

from chorus.accounts.models import Organization
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input
from chorus.reach.models import NUDGE_MINIMUM_DAYS
from chorus.reach.selectors.nudges import nudge_months
from chorus.reach.services.settings import nudge_settings_update, reach_settings_for

router = Router(tags=["reach"])


class NudgeMonthOut(Schema):
    month: date = Field(description="The month's first day")
    nudged: int = Field(description="Members nudged that month")
    unsubscribed: int = Field(
        description="Of them, members who turned something off within 7 days of their nudge"
    )


class NudgeSettingsOut(Schema):
    enabled: bool = Field(description="Invite members who have not shared lately")
    days: int = Field(description="After this many days without a share")
    months: list[NudgeMonthOut] = Field(
        description="The last 6 months that had nudges, newest first"
    )


class NudgeSettingsIn(Input):
    enabled: bool
    days: int = Field(
        description=f"{NUDGE_MINIMUM_DAYS} to 365; a member gets at most one nudge a month"
    )


def _out(organization: Organization) -> NudgeSettingsOut:
    found = reach_settings_for(organization=organization)
    return NudgeSettingsOut(
        enabled=found.nudges_enabled,
        days=found.nudge_after_days,
        months=[
            NudgeMonthOut(month=row.month, nudged=row.sent, unsubscribed=row.unsubscribed)
            for row in nudge_months(organization=organization, months=6)
        ],
    )


@router.get("/reach/nudges", response={200: NudgeSettingsOut}, summary="The nudge settings")
@api_roles("admin")
def nudge_settings_get(request: HttpRequest) -> NudgeSettingsOut:
    return _out(calling_member(request).organization)


@router.put(
    "/reach/nudges",
    response={200: NudgeSettingsOut, 422: Error},
    summary="Change the nudge settings",
    description="Nothing is saved when the days are refused. Audited.",
)
@api_roles("admin")
def nudge_settings_put(request: HttpRequest, body: NudgeSettingsIn) -> NudgeSettingsOut:
    caller = calling_member(request)
    nudge_settings_update(
        organization=caller.organization, actor=caller.user, enabled=body.enabled, days=body.days
    )
    return _out(caller.organization)
