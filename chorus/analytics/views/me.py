"""A member's own figures: every member sees theirs, ranked publicly or not."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from chorus.accounts.access import MemberRequest, member_required
from chorus.analytics import exports
from chorus.analytics.selectors import filters as filter_selectors
from chorus.analytics.selectors import me as member_selectors
from chorus.analytics.selectors.filters import PRESET_DAYS


@member_required
def my_stats(request: MemberRequest) -> HttpResponse:
    context: dict[str, object] = {"presets": PRESET_DAYS}
    try:
        filters = filter_selectors.filters_parse(
            organization=request.organization, params=request.GET
        )
    except ValidationError as error:
        context["filter_error"] = " ".join(error.messages)
        return render(request, "analytics/me.html", context, status=400)
    stats = member_selectors.member_stats(
        organization=request.organization, membership=request.membership, filters=filters
    )
    context.update(
        filters=filters,
        query=filters.query(),
        stats=stats,
        export_url=reverse("analytics_me_export"),
    )
    return render(request, "analytics/me.html", context)


@member_required
def my_stats_export(request: MemberRequest) -> HttpResponse:
    try:
        filters = filter_selectors.filters_parse(
            organization=request.organization, params=request.GET
        )
        table = exports.member_table(
            organization=request.organization, membership=request.membership, filters=filters
        )
        return exports.response(
            table,
            name=f"my-stats-{filters.date_from}-{filters.date_to}",
            format=request.GET.get("format", "csv"),
        )
    except ValidationError as error:
        return HttpResponse(
            " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
        )
