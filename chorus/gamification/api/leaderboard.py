"""The leaderboard API: the top of a board and the caller's own place.

Members taking part in the program read it, and curators and admins. A bad period is a 422;
a group of another organization, or one the caller may not see, a 404; so is every call
when points are switched off in the organization.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input
from chorus.gamification.selectors import leaderboard as selectors
from chorus.gamification.services.points import gamification_enabled

router = Router(tags=["gamification"])


class LeaderboardIn(Input):
    period: str | None = Field(None, description="week, month (the default), quarter or all")
    group: str | None = Field(None, description="A group's id: its members only")


class StandingOut(Schema):
    rank: int = Field(description="Ties share a rank: 1, 2, 2, 4")
    member_id: int | None = Field(description="null for a member who chose not to be ranked")
    label: str
    points: int
    is_me: bool


class MyStandingOut(Schema):
    points: int = Field(description="The caller's points in the period")
    rank: int | None = Field(
        description="null without points, outside the program or outside the group"
    )
    ranked_publicly: bool = Field(description="false: others see the caller anonymously")
    above: list[StandingOut] = Field(description="Up to 2 members just above, best first")
    below: list[StandingOut] = Field(description="Up to 2 members just below, best first")


class LeaderboardOut(Schema):
    period: str
    starts: date = Field(description="The period's first day (2000-01-01 for all time)")
    group_id: int | None
    top: list[StandingOut] = Field(description="The first 50 members with points, best first")
    me: MyStandingOut


@router.get(
    "/leaderboard",
    response={200: LeaderboardOut, 403: Error, 404: Error, 422: Error},
    summary="The leaderboard's top 50 and my own place",
    description="Members who chose not to be ranked keep their place, without name or id.",
)
@api_roles()
def leaderboard_read(request: HttpRequest, params: Query[LeaderboardIn]) -> LeaderboardOut:
    caller = calling_member(request)
    organization = caller.organization
    if not gamification_enabled(organization_id=organization.pk):
        raise Http404("Points are switched off in this organization.")
    if not (caller.is_advocate or caller.has_role("curator")):
        raise HttpError(403, _("Join the advocacy program to see the leaderboard."))
    period = selectors.period_parse(params.period)
    group_id = selectors.group_id_parse(params.group)
    groups = selectors.visible_groups(organization=organization, viewer=caller)
    if group_id is not None and not groups.filter(pk=group_id).exists():
        raise Http404("No such group.")
    top = selectors.leaderboard(
        organization=organization, period=period, group_id=group_id, viewer=caller
    )
    me = selectors.my_rank(
        organization=organization, membership=caller, period=period, group_id=group_id
    )
    return LeaderboardOut(
        period=period,
        starts=selectors.period_start(period),
        group_id=group_id,
        top=[StandingOut(**vars(line)) for line in top],
        me=MyStandingOut(
            points=me.points,
            rank=me.rank,
            ranked_publicly=me.ranked_publicly,
            above=[StandingOut(**vars(line)) for line in me.above],
            below=[StandingOut(**vars(line)) for line in me.below],
        ),
    )
