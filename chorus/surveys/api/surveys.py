"""The surveys API: admins list, create, read and send surveys and read results (after
the same anonymity rules as the results page: a hidden group gets its reason and no
figures); members list the surveys waiting for them and answer them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.surveys.models import Question, Round, Survey, Template
from chorus.surveys.selectors.results import GroupShown, min_answers, round_results
from chorus.surveys.selectors.surveys import (
    open_round,
    pending_rounds,
    questions_of,
    round_get,
    rounds_of,
    survey_get,
    surveys_for,
)
from chorus.surveys.services.answers import AlreadyAnswered, Answer, answers_submit
from chorus.surveys.services.surveys import SurveyError, may_answer, round_open, survey_create

router = Router(tags=["surveys"])
# Free-text answers per question in a result (a random sample; the export has all).
TEXTS_SHOWN = 500

SurveyTemplate = Literal["readiness", "mood", "pressure", "custom"]


class SurveyQuestionOut(Schema):
    id: int
    kind: str = Field(description="scale5 | likelihood10 | single | multiple | text")
    text: str
    choices: list[str]
    required: bool
    measure: str
    attributed: bool = Field(description="Answered by name, for the stated purpose")
    purpose: str


class SurveyRoundOut(Schema):
    id: int
    number: int
    opened_on: date
    closes_at: datetime
    closed: bool
    respondents: int = Field(description="People whose answers count")


class SurveyOut(Schema):
    id: int
    title: str
    intro: str
    template: str
    status: str
    everyone: bool
    repeat_weeks: int
    next_round_on: date | None
    open_days: int


class SurveyDetailOut(SurveyOut):
    questions: list[SurveyQuestionOut]
    rounds: list[SurveyRoundOut]


class SurveyCreateIn(Input):
    template: SurveyTemplate = Field(description="A built-in template, or custom (blank)")


class SurveyResultsQuery(Input):
    group: Id | None = Field(default=None, description="One group id; none: everyone")


class SurveyGroupOut(Schema):
    group_id: int | None = Field(description="None: everyone")
    name: str
    respondents: int
    shown: bool
    reason: str = Field(description="Why a hidden group is hidden, in words")


class SurveyAnswerCountOut(Schema):
    label: str
    count: int


class SurveyQuestionResultOut(Schema):
    question_id: int
    text: str
    kind: str
    shown: bool = Field(description="False: too few answers to this question")
    answered: int | None = Field(description="Only when shown")
    counts: list[SurveyAnswerCountOut]
    average: float | None
    favourable_percent: float | None = Field(description="1-5 scales: % answering 4 or 5")
    texts: list[str] = Field(
        description=(
            "Free text, sorted by text; only when shown and only in everyone's results (never "
            f"a group's); at most {TEXTS_SHOWN}, picked at random"
        )
    )


class SurveyResultsOut(Schema):
    round_id: int
    minimum: int = Field(description="Fewest answers that are ever shown")
    group: SurveyGroupOut | None = Field(description="The group asked for (None: unknown)")
    groups: list[SurveyGroupOut] = Field(description="Every group with answers: shown or why not")
    questions: list[SurveyQuestionResultOut] = Field(description="Empty when the group is hidden")


class PendingSurveyOut(Schema):
    survey_id: int
    round_id: int
    title: str
    closes_at: datetime


class SurveyAnswerIn(Input):
    question: Id
    value: int | None = Field(
        default=None, ge=0, le=10, description="A scale value, 0-10, or a choice's index"
    )
    choices: list[int] = Field(
        default_factory=list, max_length=12, description="Several choices: indexes"
    )
    text: str = Field(default="", max_length=2000)


class SurveyAnswersIn(Input):
    answers: list[SurveyAnswerIn] = Field(max_length=100)


class SurveyAnsweredOut(Schema):
    round_id: int


def _survey_out(survey: Survey) -> SurveyOut:
    return SurveyOut(
        id=survey.pk,
        title=survey.title,
        intro=survey.intro,
        template=survey.template,
        status=survey.status,
        everyone=survey.everyone,
        repeat_weeks=survey.repeat_weeks,
        next_round_on=survey.next_round_on,
        open_days=survey.open_days,
    )


def _question_out(question: Question) -> SurveyQuestionOut:
    return SurveyQuestionOut(
        id=question.pk,
        kind=question.kind,
        text=question.text,
        choices=[str(choice) for choice in question.choices],
        required=question.required,
        measure=question.measure,
        attributed=question.attributed,
        purpose=question.purpose,
    )


def _detail(survey: Survey) -> SurveyDetailOut:
    return SurveyDetailOut(
        **_survey_out(survey).dict(),
        questions=[_question_out(question) for question in questions_of(survey=survey)],
        rounds=[
            SurveyRoundOut(
                id=row.round.pk,
                number=row.round.number,
                opened_on=row.round.opened_on,
                closes_at=row.round.closes_at,
                closed=row.round.closed,
                respondents=row.respondents,
            )
            for row in rounds_of(survey=survey)
        ],
    )


@router.get("/surveys", response=list[SurveyOut], summary="The organization's surveys")
@api_roles("admin")
def surveys_list(request: HttpRequest) -> list[SurveyOut]:
    caller = calling_member(request)
    return [_survey_out(survey) for survey in surveys_for(organization=caller.organization)]


@router.post(
    "/surveys",
    response={201: SurveyDetailOut, 422: Error},
    summary="Create a survey from a template",
    description="Readiness, mood and pressure come with their questions; custom is blank.",
)
@api_roles("admin")
def survey_create_api(request: HttpRequest, body: SurveyCreateIn) -> Status[SurveyDetailOut]:
    caller = calling_member(request)
    survey = survey_create(
        organization=caller.organization, actor=caller, template=Template(body.template)
    )
    return Status(201, _detail(survey))


@router.get(
    "/surveys/pending",
    response=list[PendingSurveyOut],
    summary="The surveys waiting for the caller's answer",
)
@api_roles()
def surveys_pending(request: HttpRequest) -> list[PendingSurveyOut]:
    caller = calling_member(request)
    return [
        PendingSurveyOut(
            survey_id=found.survey_id,
            round_id=found.pk,
            title=found.survey.title,
            closes_at=found.closes_at,
        )
        for found in pending_rounds(organization=caller.organization, membership=caller)
    ]


@router.get("/surveys/{survey_id}", response=SurveyDetailOut, summary="One survey")
@api_roles("admin")
def survey_get_api(request: HttpRequest, survey_id: PathId) -> SurveyDetailOut:
    caller = calling_member(request)
    return _detail(survey_get(organization=caller.organization, survey_id=survey_id))


@router.post(
    "/surveys/{survey_id}/rounds",
    response={201: SurveyRoundOut, 422: Error},
    summary="Send the survey now (a new round)",
    description="Members in its audience are told; the questions are frozen from now on.",
)
@api_roles("admin")
def survey_send_api(request: HttpRequest, survey_id: PathId) -> Status[SurveyRoundOut]:
    caller = calling_member(request)
    survey = survey_get(organization=caller.organization, survey_id=survey_id)
    try:
        opened = round_open(survey=survey, actor=caller)
    except SurveyError as error:
        raise HttpError(422, str(error)) from error
    return Status(
        201,
        SurveyRoundOut(
            id=opened.pk,
            number=opened.number,
            opened_on=opened.opened_on,
            closes_at=opened.closes_at,
            closed=opened.closed,
            respondents=0,
        ),
    )


@router.get(
    "/surveys/rounds/{round_id}/results",
    response=SurveyResultsOut,
    summary="A round's results, for everyone or one group",
    description=(
        "Only groups with enough answers, and that cannot be subtracted from another "
        "shown group to single anyone out; a hidden group says why."
    ),
)
@api_roles("admin")
def survey_results_api(
    request: HttpRequest, round_id: PathId, query: Query[SurveyResultsQuery]
) -> SurveyResultsOut:
    caller = calling_member(request)
    found: Round = round_get(organization=caller.organization, round_id=round_id)
    results = round_results(
        organization=caller.organization, round=found, group_id=query.group, text_limit=TEXTS_SHOWN
    )

    def group_out(group: GroupShown) -> SurveyGroupOut:
        return SurveyGroupOut(
            group_id=group.group_id,
            name=group.name,
            respondents=group.respondents,
            shown=group.shown,
            reason=group.reason_text,
        )

    return SurveyResultsOut(
        round_id=found.pk,
        minimum=min_answers(),
        group=group_out(results.group) if results.group is not None else None,
        groups=[group_out(group) for group in results.groups],
        questions=[
            SurveyQuestionResultOut(
                question_id=item.question.pk,
                text=item.question.text,
                kind=item.question.kind,
                shown=item.shown,
                answered=item.answered if item.shown else None,
                counts=[
                    SurveyAnswerCountOut(label=label, count=count) for label, count in item.counts
                ],
                average=item.average,
                favourable_percent=item.favourable,
                texts=item.texts,
            )
            for item in results.questions
        ],
    )


@router.post(
    "/surveys/{survey_id}/answers",
    response={201: SurveyAnsweredOut, 404: Error, 409: Error, 422: Error},
    summary="Answer the survey's open round",
    description=(
        "Anonymous: stored without the caller or the time, only counted; questions marked "
        "attributed are kept by name for their purpose. Once per round."
    ),
)
@api_roles()
def survey_answer_api(
    request: HttpRequest, survey_id: PathId, body: SurveyAnswersIn
) -> Status[SurveyAnsweredOut]:
    caller = calling_member(request)
    survey = survey_get(organization=caller.organization, survey_id=survey_id)
    if not may_answer(survey=survey, membership=caller):
        raise HttpError(404, _("Not found."))
    current = open_round(survey=survey)
    if current is None:
        raise HttpError(422, _("This survey is closed."))
    answers = {
        item.question: Answer(value=item.value, choices=tuple(item.choices), text=item.text)
        for item in body.answers
    }
    try:
        answers_submit(round=current, membership=caller, answers=answers)
    except AlreadyAnswered as error:
        raise HttpError(409, str(error)) from error
    except SurveyError as error:
        raise HttpError(422, str(error)) from error
    return Status(201, SurveyAnsweredOut(round_id=current.pk))
