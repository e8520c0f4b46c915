"""The leaderboard page: this week, month, quarter or all time; the organization or a group.

Members taking part in the program see it, and curators and admins; a member who has not
joined is invited to join. With points switched off the page does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required
from chorus.accounts.models import Group
from chorus.gamification.models import Period
from chorus.gamification.selectors import leaderboard as selectors
from chorus.gamification.services.points import gamification_enabled


def may_see_leaderboard(request: MemberRequest) -> bool:
    return request.membership.is_advocate or request.membership.has_role("curator")


@require_GET
@member_required
def leaderboard(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    if not gamification_enabled(organization_id=organization.pk):
        raise Http404("Points are switched off in this organization.")
    if not may_see_leaderboard(request):
        return render(request, "gamification/leaderboard_join.html")
    groups = selectors.visible_groups(organization=organization, viewer=request.membership)
    context: dict[str, Any] = {
        "periods": Period.choices,
        "groups": groups,
        "gamification_on": True,
        "period": selectors.DEFAULT_PERIOD,
        "group": None,
    }
    try:
        period = selectors.period_parse(request.GET.get("period"))
        group_id = selectors.group_id_parse(request.GET.get("group"))
    except ValidationError as error:
        context["filter_error"] = " ".join(error.messages)
        return render(request, "gamification/leaderboard.html", context, status=400)
    group: Group | None = None
    if group_id is not None:
        # A group of another organization, or one the viewer may not see: no such page.
        group = groups.filter(pk=group_id).first()
        if group is None:
            raise Http404("No such group.")
    context.update(
        period=period,
        period_label=Period(period).label,
        period_phrase=selectors.PERIOD_PHRASES[period],
        starts=selectors.period_start(period),
        group=group,
        lines=selectors.leaderboard(
            organization=organization, period=period, group_id=group_id, viewer=request.membership
        ),
        me=selectors.my_rank(
            organization=organization,
            membership=request.membership,
            period=period,
            group_id=group_id,
        ),
        top=selectors.TOP,
    )
    if getattr(request, "htmx", False):
        return render(request, "gamification/leaderboard_board.html", context)
    return render(request, "gamification/leaderboard.html", context)
