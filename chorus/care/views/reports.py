"""Care reports for the care staff (approvers, curators, admins): volume, response and
resolution times against the targets, outcomes, per network, group and member, the
reactions to published replies, and the conversations and members as CSV or XLSX (written
by `chorus.core.exports`, which keeps formula-like text from running in a spreadsheet)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Organization
from chorus.care.models import ConversationStatus, Priority
from chorus.care.selectors import reports as selectors
from chorus.core import exports

CARE_STAFF = ("approver", "curator")  # admins pass every role check


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


def _minutes(start: datetime | None, end: datetime | None) -> float | str:
    if start is None or end is None:
        return ""
    return round(max(0.0, (end - start).total_seconds() / 60), 1)


def conversations_table(
    organization: Organization, filters: selectors.ReportFilters
) -> exports.Table:
    """One row per conversation opened in the period (streamed from the database)."""
    found = (
        selectors.report_conversations(organization=organization, filters=filters)
        .select_related("assignee__user")
        .prefetch_related("tags")
        .order_by("opened_at", "pk")
    )
    statuses = dict(ConversationStatus.choices)
    priorities = dict(Priority.choices)
    # Translated now: the rows are read as the response streams, after the request.
    yes, no = _("yes"), _("no")

    def within(done: Any, due: Any) -> str:
        if due is None or done is None:
            return ""
        return yes if done <= due else no

    def rows() -> Iterator[Sequence[Any]]:
        for item in found.iterator(chunk_size=2000):
            yield (
                item.pk,
                timezone.localtime(item.opened_at).isoformat(timespec="minutes"),
                item.network,
                item.customer_handle,
                str(statuses.get(item.status, item.status)),
                str(priorities.get(item.priority, item.priority)),
                ", ".join(tag.name for tag in item.tags.all()),
                str(item.assignee) if item.assignee else "",
                _minutes(item.opened_at, item.first_response_at),
                _minutes(item.opened_at, item.resolved_at),
                within(item.first_response_at, item.first_response_due),
                within(item.resolved_at, item.resolution_due),
            )

    return exports.Table(
        [
            pgettext("export column", "id"),
            pgettext("export column", "opened"),
            pgettext("export column", "network"),
            pgettext("export column", "customer"),
            pgettext("export column", "status"),
            pgettext("export column", "priority"),
            pgettext("export column", "tags"),
            pgettext("export column", "assignee"),
            pgettext("export column", "first response (minutes)"),
            pgettext("export column", "resolution (minutes)"),
            pgettext("export column", "first response within target"),
            pgettext("export column", "resolution within target"),
        ],
        rows(),
    )


def members_table(report: selectors.CareReport) -> exports.Table:
    return exports.Table(
        [
            pgettext("export column", "member"),
            pgettext("export column", "conversations"),
            pgettext("export column", "answered"),
            pgettext("export column", "closed"),
            pgettext("export column", "escalated"),
            pgettext("export column", "replies published"),
            pgettext("export column", "median first response (minutes)"),
            pgettext("export column", "90th percentile first response (minutes)"),
            pgettext("export column", "first response within target %"),
            pgettext("export column", "reactions"),
        ],
        [
            (
                line.label,
                line.tally.opened,
                line.tally.answered,
                line.tally.closed,
                line.tally.escalated,
                line.replies_published,
                _blank(line.tally.first_response.median),
                _blank(line.tally.first_response.p90),
                _blank(line.tally.first_target.percent),
                line.reactions,
            )
            for line in report.members
        ],
    )


def chart_data(report: selectors.CareReport) -> dict[str, list[Any]]:
    return {
        "labels": [day.day.isoformat() for day in report.days],
        "opened": [day.opened for day in report.days],
        "answered": [day.answered for day in report.days],
    }


@role_required(*CARE_STAFF)
def care_reports(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    filters = selectors.report_filters_parse(organization=organization, params=request.GET)
    report = selectors.care_report(organization=organization, filters=filters)
    return render(
        request,
        "care/reports.html",
        {
            "filters": filters,
            "query": filters.query(),
            "report": report,
            "choices": selectors.report_choices(organization=organization),
            "chart": chart_data(report),
            "export_url": reverse("care_reports_export"),
        },
    )


@role_required(*CARE_STAFF)
def care_reports_export(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    filters = selectors.report_filters_parse(organization=organization, params=request.GET)
    table_name = request.GET.get("table", "conversations")
    period = f"{filters.start:%Y-%m-%d}-{filters.end:%Y-%m-%d}"
    try:
        if table_name == "conversations":
            table = conversations_table(organization, filters)
        elif table_name == "members":
            report = selectors.care_report(organization=organization, filters=filters)
            table = members_table(report)
        else:
            raise ValidationError(_("Unknown table: choose conversations or members."))
        return exports.response(
            table,
            name=f"care-{table_name}-{period}",
            format=request.GET.get("format", "csv"),
        )
    except ValidationError as error:
        return HttpResponse(
            " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
        )
