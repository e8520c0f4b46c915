"""The program dashboard and its exports (curators, approvers and admins)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Group
from chorus.analytics import exports
from chorus.analytics.selectors import dashboard as dashboard_selectors
from chorus.analytics.selectors import filters as filter_selectors
from chorus.analytics.selectors import pilot as pilot_selectors
from chorus.analytics.selectors import program as program_selectors
from chorus.analytics.selectors import rankings as ranking_selectors
from chorus.analytics.selectors import voluntariness as voluntariness_selectors
from chorus.analytics.selectors import words as word_selectors
from chorus.analytics.selectors.filters import PRESET_DAYS, Filters
from chorus.content.models import Post

ANALYSTS = ("curator", "approver")


def chart_data(
    filters: Filters, series: list[dashboard_selectors.Day], networks: list[Any]
) -> dict[str, Any]:
    return {
        "labels": [day.day.isoformat() for day in series],
        "shares": [day.shares for day in series],
        "clicks": [day.clicks for day in series],
        "engagement": [day.engagement for day in series],
        "networks": {
            "labels": [row.label for row in networks],
            "shares": [row.shares for row in networks],
            "clicks": [row.clicks for row in networks],
        },
    }


def filter_choices(request: MemberRequest) -> dict[str, Any]:
    organization = request.organization
    return {
        "groups": Group.objects.filter(organization=organization).order_by("name"),
        "campaigns": Post.objects.filter(organization=organization)
        .exclude(campaign="")
        .values_list("campaign", flat=True)
        .order_by("campaign")
        .distinct(),
        "presets": PRESET_DAYS,
    }


@role_required(*ANALYSTS)
def dashboard(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    context = filter_choices(request)
    try:
        filters = filter_selectors.filters_parse(organization=organization, params=request.GET)
    except ValidationError as error:
        context["filter_error"] = " ".join(error.messages)
        return render(request, "analytics/dashboard.html", context, status=400)
    # One scan of the range for the totals, the series and the network mix.
    grid = dashboard_selectors.stats_grid(organization=organization, filters=filters)
    series = dashboard_selectors.daily_series(organization=organization, filters=filters, grid=grid)
    networks = dashboard_selectors.network_mix(
        organization=organization, filters=filters, grid=grid
    )
    posts = ranking_selectors.top_posts(organization=organization, filters=filters)
    own_words = word_selectors.own_words_by_post(
        organization=organization,
        post_ids=[row.id for row in posts if row.id is not None],
        filters=filters,
    )
    for row in posts:
        row.extra["own_words"] = own_words.get(row.id or 0)
    # The program's members and their figures of the period, read once for the
    # voluntariness card's spread and the pilot comparison.
    activity = program_selectors.program_activity(
        organization=organization, date_from=filters.date_from, date_to=filters.date_to
    )
    context.update(
        filters=filters,
        query=filters.query(),
        export_url=reverse("analytics_export"),
        totals=dashboard_selectors.totals(organization=organization, filters=filters, grid=grid),
        series=series,
        networks=networks,
        posts=posts,
        campaign_words=word_selectors.own_words_by_campaign(
            organization=organization, filters=filters
        ),
        members=ranking_selectors.top_members(organization=organization, filters=filters),
        group_rows=dashboard_selectors.group_comparison(organization=organization, filters=filters),
        adoption=dashboard_selectors.adoption(organization=organization, filters=filters),
        knowledge=dashboard_selectors.knowledge(organization=organization, filters=filters),
        voluntariness=voluntariness_selectors.voluntariness(
            organization=organization, activity=activity
        ),
        pilot=pilot_selectors.pilot_comparison(organization=organization, activity=activity),
        chart=chart_data(filters, series, networks),
        tables=exports.TABLES,
    )
    return render(request, "analytics/dashboard.html", context)


@role_required(*ANALYSTS)
def dashboard_export(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    try:
        filters = filter_selectors.filters_parse(organization=organization, params=request.GET)
        name = request.GET.get("table", "")
        format = request.GET.get("format", "csv")
        table = exports.dashboard_table(
            organization=organization, filters=filters, name=name, format=format
        )
        return exports.response(
            table, name=f"analytics-{name}-{filters.date_from}-{filters.date_to}", format=format
        )
    except ValidationError as error:
        return HttpResponse(
            " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
        )
