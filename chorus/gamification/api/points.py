"""The points API: a member's own points and ledger; the admins' gamification settings.

When the organization has turned gamification off, /points/me is a 404 (the settings stay
readable and writable by admins, so it can be turned on again).
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input
from chorus.gamification.selectors.points import (
    HISTORY_PAGE_SIZE,
    history_rows,
    points_history,
    points_totals,
)
from chorus.gamification.services.points import gamification_enabled
from chorus.gamification.services.settings import (
    MAX_RULE_VALUE,
    gamification_settings_update,
    rule_settings,
)

router = Router(tags=["gamification"])


class PeriodTotalOut(Schema):
    period: str = Field(description="week, month, quarter or all")
    label: str
    starts: date = Field(description="The period's first day (weeks start on Monday)")
    points: int


class EntryOut(Schema):
    id: int
    created_at: datetime
    day: date = Field(description="The day the points count for")
    rule: str
    rule_label: str
    description: str = Field(description='In words, e.g. "Share of <post title>"')
    points: int = Field(description="Positive for an award, negative for a reversal or a spend")
    source: str
    source_id: int
    reverses: int | None = Field(description="The entry this one cancels, for a reversal")
    reversal: str = Field(description='e.g. "Reversed: counted as a bot"; empty otherwise')


class MyPointsOut(Schema):
    totals: list[PeriodTotalOut]
    entries: list[EntryOut] = Field(description=f"The last {HISTORY_PAGE_SIZE}, newest first")


class RuleSettingOut(Schema):
    rule: str
    label: str
    points: int
    daily_cap: int = Field(description="Points a day at most; 0: no cap")
    default_points: int
    default_daily_cap: int
    is_default: bool


class SettingsOut(Schema):
    enabled: bool = Field(description="Points, rankings and badges")
    rules: list[RuleSettingOut]


class RuleSettingIn(Input):
    rule: str = Field(description="share, click, engagement, suggestion, course or care_reply")
    points: int = Field(description=f"0 to {MAX_RULE_VALUE}")
    daily_cap: int = Field(description=f"0 to {MAX_RULE_VALUE}; 0: no cap")


class SettingsIn(Input):
    enabled: bool
    rules: list[RuleSettingIn] = Field(
        default_factory=list, description="Rules not listed keep their values"
    )


def _settings_out(request: HttpRequest) -> SettingsOut:
    organization = calling_member(request).organization
    return SettingsOut(
        enabled=gamification_enabled(organization_id=organization.pk),
        rules=[
            RuleSettingOut(
                rule=s.rule,
                label=s.label,
                points=s.points,
                daily_cap=s.daily_cap,
                default_points=s.default_points,
                default_daily_cap=s.default_daily_cap,
                is_default=s.is_default,
            )
            for s in rule_settings(organization=organization)
        ],
    )


@router.get(
    "/points/me",
    response={200: MyPointsOut, 404: Error},
    summary="My points this week, month, quarter and all time, and my last entries",
)
@api_roles()
def points_me(request: HttpRequest) -> MyPointsOut:
    member = calling_member(request)
    if not gamification_enabled(organization_id=member.organization_id):
        raise Http404("Points are turned off in this organization.")
    entries = points_history(membership=member)[:HISTORY_PAGE_SIZE]
    return MyPointsOut(
        totals=[
            PeriodTotalOut(period=t.period, label=t.label, starts=t.starts, points=t.points)
            for t in points_totals(membership=member)
        ],
        entries=[
            EntryOut(
                id=row.id,
                created_at=row.created_at,
                day=row.day,
                rule=row.rule,
                rule_label=row.rule_label,
                description=row.description,
                points=row.points,
                source=row.source,
                source_id=row.source_id,
                reverses=row.reverses_id,
                reversal=row.reversal,
            )
            for row in history_rows(entries=entries, organization_id=member.organization_id)
        ],
    )


@router.get(
    "/gamification/settings",
    response=SettingsOut,
    summary="Whether points are on, and each rule's points and daily cap",
)
@api_roles("admin")
def gamification_settings_get(request: HttpRequest) -> SettingsOut:
    return _settings_out(request)


@router.put(
    "/gamification/settings",
    response={200: SettingsOut, 422: Error},
    summary="Turn points on or off; set rules' points and daily caps",
    description="Whole numbers from 0 to 10,000; nothing is saved when one is not. Audited.",
)
@api_roles("admin")
def gamification_settings_put(request: HttpRequest, body: SettingsIn) -> SettingsOut:
    member = calling_member(request)
    rules: dict[str, tuple[int, int]] = {}
    for item in body.rules:
        if item.rule in rules:
            raise ValidationError(
                _("The rule %(rule)s is listed twice.") % {"rule": repr(item.rule)}
            )
        rules[item.rule] = (item.points, item.daily_cap)
    gamification_settings_update(
        organization=member.organization,
        actor=member.user,
        enabled=body.enabled,
        rules=rules,
    )
    return _settings_out(request)
