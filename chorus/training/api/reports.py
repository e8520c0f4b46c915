"""The training API: reports for trainers and admins (completion and certification per
group, and quiz item analysis)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.training.selectors import reports as selectors
from chorus.training.services import reports as report_services

router = Router(tags=["training"])


class TrainingReportFilters(Input):
    course: int | None = Field(None, ge=1, description="Only this required course")
    certification: int | None = Field(None, ge=1, description="Only this certification")
    kind: str = Field("", max_length=16, description="Only groups of this kind")


class TrainingReportCellOut(Schema):
    id: int = Field(description="The course's or certification's id")
    count: int = Field(description="Members who completed it (course) or hold it (certification)")
    of: int = Field(description="Members it is meant for (course) or members (certification)")
    percent: float | None
    expiring: int = Field(description="Certified members whose certificate ends within 30 days")


class TrainingReportLineOut(Schema):
    key: str = Field(description='A group\'s id, "other" (groups under 5 members) or "all"')
    label: str
    members: int
    courses: list[TrainingReportCellOut]
    certifications: list[TrainingReportCellOut]


class TrainingReportItemOut(Schema):
    id: int
    name: str


class TrainingOverviewOut(Schema):
    courses: list[TrainingReportItemOut]
    certifications: list[TrainingReportItemOut]
    lines: list[TrainingReportLineOut]


class QuestionAnalysisOut(Schema):
    question_id: int
    text: str
    is_active: bool
    answered: int
    enough_answers: bool = Field(description="Figures are given from 5 answers on")
    wrong: int | None
    percent_wrong: float | None
    most_chosen_wrong_answer: str
    most_chosen_wrong_count: int | None


@router.get(
    "/training/reports/overview",
    response={200: TrainingOverviewOut},
    summary="Completion and certification per group",
    description=(
        "Trainers and admins: per group of 5 or more active members, one line for the "
        'smaller groups ("other") and one for everyone: required published courses '
        "completed at their current major version (of the members they are meant for), and "
        "active certifications held now (and ending within 30 days). Unknown filters are "
        "ignored."
    ),
)
@api_roles("trainer")
def training_report_overview(
    request: HttpRequest, filters: Query[TrainingReportFilters]
) -> TrainingOverviewOut:
    caller = calling_member(request)
    parsed = selectors.report_filters_parse(
        organization=caller.organization,
        params={
            "course": filters.course,
            "certification": filters.certification,
            "kind": filters.kind,
        },
    )
    overview = report_services.training_report(
        organization=caller.organization, filters=parsed
    ).overview

    def cells(
        items: list[tuple[int, selectors.Cell]],
    ) -> list[TrainingReportCellOut]:
        return [
            TrainingReportCellOut(
                id=pk, count=cell.count, of=cell.of, percent=cell.percent, expiring=cell.expiring
            )
            for pk, cell in items
        ]

    return TrainingOverviewOut(
        courses=[
            TrainingReportItemOut(id=course.pk, name=course.title) for course in overview.courses
        ],
        certifications=[
            TrainingReportItemOut(id=item.pk, name=item.name) for item in overview.certifications
        ],
        lines=[
            TrainingReportLineOut(
                key=line.key,
                label=line.label,
                members=line.members,
                courses=cells(
                    list(zip([c.pk for c in overview.courses], line.course_cells, strict=True))
                ),
                certifications=cells(
                    list(
                        zip(
                            [item.pk for item in overview.certifications],
                            line.certification_cells,
                            strict=True,
                        )
                    )
                ),
            )
            for line in overview.lines
        ],
    )


@router.get(
    "/training/reports/courses/{course_id}/questions",
    response={200: list[QuestionAnalysisOut], 404: Error},
    summary="Quiz item analysis of a course",
    description=(
        "Trainers and admins: each question with how often it was answered and answered "
        "wrong, and the wrong answer chosen most, worst first. Questions with fewer than 5 "
        "answers come last, without figures."
    ),
)
@api_roles("trainer")
def training_report_questions(request: HttpRequest, course_id: PathId) -> list[QuestionAnalysisOut]:
    caller = calling_member(request)
    course = selectors.report_course_get(organization=caller.organization, course_id=course_id)
    return [
        QuestionAnalysisOut(
            question_id=item.question.pk,
            text=item.question.text,
            is_active=item.question.is_active,
            answered=item.answered,
            enough_answers=item.enough,
            wrong=item.wrong if item.enough else None,
            percent_wrong=item.percent_wrong,
            most_chosen_wrong_answer=item.common_wrong,
            most_chosen_wrong_count=item.common_wrong_count if item.enough else None,
        )
        for item in selectors.question_analysis(organization=caller.organization, course=course)
    ]
