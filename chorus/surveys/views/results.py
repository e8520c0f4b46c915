"""A round's results for admins: one group at a time, after the anonymity rules; the
trend over rounds; the CSV/XLSX export."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render

from chorus.accounts.access import MemberRequest, admin_required
from chorus.core import exports
from chorus.surveys.exports import results_table
from chorus.surveys.selectors.results import min_answers, round_results
from chorus.surveys.selectors.surveys import attributed_answers, round_get, trend

# Free-text answers shown per question on the page (a random sample); the export has all.
TEXTS_SHOWN = 100


def group_param(raw: str | None) -> int | None:
    """``?group=`` as a group id, None for everyone; anything else is a 404."""
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as error:
        raise Http404 from error


@admin_required
def round_results_view(request: MemberRequest, round_id: int) -> HttpResponse:
    found = round_get(organization=request.organization, round_id=round_id)
    group_id = group_param(request.GET.get("group"))
    results = round_results(
        organization=request.organization, round=found, group_id=group_id, text_limit=TEXTS_SHOWN
    )
    questions, rows = trend(
        organization=request.organization, survey=found.survey, group_id=group_id
    )
    return render(
        request,
        "surveys/results.html",
        {
            "round": found,
            "survey": found.survey,
            "results": results,
            "group_id": group_id,
            "minimum": min_answers(),
            "named": attributed_answers(round=found),
            "trend_questions": questions,
            "trend_rows": [
                (row, [row.values.get(question.pk) for question in questions]) for row in rows
            ],
        },
        status=200,
    )


@admin_required
def round_results_export(request: MemberRequest, round_id: int) -> HttpResponse:
    """``?format=csv`` (the default) or ``xlsx``; ``?group=`` as on the page."""
    found = round_get(organization=request.organization, round_id=round_id)
    format = request.GET.get("format", "csv")
    group_id = group_param(request.GET.get("group"))
    table = results_table(organization=request.organization, round=found, group_id=group_id)
    try:
        return exports.response(
            table, name=f"survey-{found.survey_id}-round-{found.number}", format=format
        )
    except ValidationError as error:
        raise Http404 from error
