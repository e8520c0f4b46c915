"""Training reports for trainers and admins: completion and certification per group, the
knowledge score over time, quiz item analysis, and their CSV and XLSX exports (written by
analytics' exports, which keep formula-like text from running in a spreadsheet)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import GroupKind
from chorus.analytics import exports
from chorus.training.selectors import reports as selectors
from chorus.training.services import reports as report_services


def _figure(value: float | None) -> float | str:
    return "" if value is None else value


def overview_table(overview: selectors.Overview) -> exports.Table:
    """One row per group and course, then per group and certification."""

    def rows() -> Iterator[Sequence[Any]]:
        for course in overview.courses:
            for line in overview.lines:
                cell = line.courses[course.pk]
                yield (
                    line.label,
                    line.members,
                    _("Course"),
                    course.title,
                    cell.count,
                    cell.of,
                    _figure(cell.percent),
                    "",
                )
        for certification in overview.certifications:
            for line in overview.lines:
                cell = line.certifications[certification.pk]
                yield (
                    line.label,
                    line.members,
                    _("Certification"),
                    certification.name,
                    cell.count,
                    cell.of,
                    _figure(cell.percent),
                    cell.expiring,
                )

    return exports.Table(
        [
            pgettext("export column", "group"),
            pgettext("export column", "members"),
            pgettext("export column", "kind"),
            pgettext("export column", "course or certification"),
            pgettext("export column", "completed or certified"),
            pgettext("export column", "of members"),
            pgettext("export column", "percent"),
            pgettext("export column", "expiring within 30 days"),
        ],
        list(rows()),
    )


def questions_table(figures: list[selectors.QuestionFigures]) -> exports.Table:
    too_few = _("too few answers")
    return exports.Table(
        [
            pgettext("export column", "question"),
            pgettext("export column", "answered"),
            pgettext("export column", "wrong"),
            pgettext("export column", "percent wrong"),
            pgettext("export column", "most chosen wrong answer"),
            pgettext("export column", "times chosen"),
        ],
        [
            (
                item.question.text,
                item.answered,
                item.wrong if item.enough else "",
                item.percent_wrong if item.enough else too_few,
                item.common_wrong,
                item.common_wrong_count if item.enough else "",
            )
            for item in figures
        ],
    )


def _bad_request(error: ValidationError) -> HttpResponse:
    return HttpResponse(
        " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
    )


@role_required("trainer")
def training_reports(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    filters = selectors.report_filters_parse(organization=organization, params=request.GET)
    report = report_services.training_report(organization=organization, filters=filters)
    return render(
        request,
        "training/reports.html",
        {
            "filters": filters,
            "query": filters.query(),
            "overview": report.overview,
            "knowledge": report.knowledge,
            "taken_at": report.taken_at,
            "all_courses": selectors.report_courses(organization=organization),
            "all_certifications": selectors.report_certifications(organization=organization),
            "kinds": GroupKind.choices,
            "question_courses": selectors.report_courses_with_quizzes(organization=organization),
            "export_url": reverse("training_reports_export"),
        },
    )


@role_required("trainer")
def training_reports_export(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    filters = selectors.report_filters_parse(organization=organization, params=request.GET)
    overview = report_services.training_report(organization=organization, filters=filters).overview
    try:
        return exports.response(
            overview_table(overview),
            name=f"training-overview-{overview.as_of:%Y-%m-%d}",
            format=request.GET.get("format", "csv"),
        )
    except ValidationError as error:
        return _bad_request(error)


@role_required("trainer")
def training_report_questions(request: MemberRequest, course_id: int) -> HttpResponse:
    course = selectors.report_course_get(organization=request.organization, course_id=course_id)
    figures = selectors.question_analysis(organization=request.organization, course=course)
    return render(
        request,
        "training/report_questions.html",
        {
            "course": course,
            "figures": figures,
            "fewest": selectors.FEWEST_ANSWERS,
            "export_url": reverse("training_report_questions_export", args=[course.pk]),
            "query": {},
        },
    )


@role_required("trainer")
def training_report_questions_export(request: MemberRequest, course_id: int) -> HttpResponse:
    course = selectors.report_course_get(organization=request.organization, course_id=course_id)
    figures = selectors.question_analysis(organization=request.organization, course=course)
    try:
        return exports.response(
            questions_table(figures),
            name=f"training-questions-{course.pk}",
            format=request.GET.get("format", "csv"),
        )
    except ValidationError as error:
        return _bad_request(error)
