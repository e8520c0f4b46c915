"""A member's own points: this week, month, quarter, all time, and how they were earned."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from chorus.accounts.access import MemberRequest, member_required
from chorus.gamification.selectors.points import (
    HISTORY_PAGE_SIZE,
    history_rows,
    points_history,
    points_totals,
)
from chorus.gamification.services.points import gamification_enabled


@member_required
def my_points(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    if not gamification_enabled(organization_id=membership.organization_id):
        raise Http404("Points are turned off in this organization.")
    page = Paginator(points_history(membership=membership), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = history_rows(entries=page.object_list, organization_id=membership.organization_id)
    return render(
        request,
        "gamification/points.html",
        {"totals": points_totals(membership=membership), "page": page, "rows": rows},
    )
