"""The training API: members' courses, lessons read, quiz attempts; trainers' course list.

The same services as the pages: a course that is not open to the caller (another
organization's, a draft, meant for other groups) is a 404; answers are checked on the
server and nothing about the right answer is sent before the caller answers.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Group
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.training.markdown import render_markdown
from chorus.training.models import Course, CourseState, Question, QuestionKind, QuizAttempt
from chorus.training.selectors import courses as course_selectors
from chorus.training.selectors import learning as selectors
from chorus.training.selectors.learning import CourseStatus
from chorus.training.services import courses as course_services
from chorus.training.services import lessons as lesson_services
from chorus.training.services import quizzes as quiz_services

router = Router(tags=["training"])


class TrainingCourseOut(Schema):
    id: int
    title: str
    summary: str
    required: bool
    minutes: int = Field(description="Estimated time")
    version: str = Field(description="The published version, major.minor")
    lessons_total: int
    lessons_read: int
    done: bool = Field(description="Finished at the course's current major version")
    completed_at: datetime | None = Field(description="The latest completion, current or not")
    completed_version: str = Field(description="The version of that completion (empty: none)")
    update_available: bool = Field(description="Done, and a minor version came out since")
    retake_needed: bool = Field(description="Done at an older major version only")


def _course_out(status: CourseStatus) -> TrainingCourseOut:
    course = status.course
    return TrainingCourseOut(
        id=course.pk,
        title=course.title,
        summary=course.summary,
        required=course.required,
        minutes=course.minutes,
        version=course.version_label,
        lessons_total=status.lessons_total,
        lessons_read=status.lessons_read,
        done=status.done,
        completed_at=status.completed_at,
        completed_version=status.completed_version,
        update_available=status.update_available,
        retake_needed=status.retake_needed,
    )


class TrainingLessonOut(Schema):
    id: int
    title: str
    minutes: int
    body: str = Field(description="Markdown")
    html: str = Field(description="The Markdown rendered as sanitised HTML")
    video_url: str = Field(description="A link to the video (empty: none)")
    read: bool


class TrainingCourseDetailOut(TrainingCourseOut):
    lessons: list[TrainingLessonOut]
    has_quiz: bool
    pass_mark: int = Field(description="Percent")
    open_attempt_id: int | None = Field(description="An attempt still open, to continue")
    attempts_blocked_until: datetime | None = Field(
        description="Every attempt used: the next may start then"
    )


class TrainingLessonReadOut(Schema):
    course_completed: bool = Field(description="True when this finished the course")


class TrainingChoiceOut(Schema):
    id: int
    text: str


class TrainingQuestionOut(Schema):
    id: int
    kind: QuestionKind
    text: str
    choices: list[TrainingChoiceOut] = Field(description="In the order to show them")
    answered: bool


class TrainingAttemptOut(Schema):
    id: int
    course_id: int
    started_at: datetime
    submitted_at: datetime | None
    score: int | None = Field(description="Percent, once every question is answered")
    passed: bool | None
    questions: list[TrainingQuestionOut]


class TrainingAnswerIn(Input):
    question: Id
    choices: list[Id] = Field(max_length=20, description="The chosen answers' ids")


class TrainingAnswerOut(Schema):
    correct: bool
    explanation: str
    right_choices: list[int] = Field(description="The right answers, now that it is answered")
    finished: bool = Field(description="Every question of the attempt is answered")
    score: int | None
    passed: bool | None


class TrainingManagedCourseOut(Schema):
    id: int
    title: str
    state: CourseState
    version: str
    required: bool
    target_all: bool
    target_group_ids: list[int]
    completion_count: int = Field(description="Members done at the current major version")


def _attempt_out(attempt: QuizAttempt) -> TrainingAttemptOut:
    drawn_ids = [int(item["question"]) for item in attempt.drawn]
    questions = {
        question.pk: question
        for question in Question.objects.filter(pk__in=drawn_ids).prefetch_related("choices")
    }
    answered = set(attempt.answers.values_list("question_id", flat=True))
    out = []
    for item in attempt.drawn:
        question = questions.get(int(item["question"]))
        if question is None:
            continue
        choices = {choice.pk: choice for choice in question.choices.all()}
        out.append(
            TrainingQuestionOut(
                id=question.pk,
                kind=QuestionKind(question.kind),
                text=question.text,
                choices=[
                    TrainingChoiceOut(id=pk, text=choices[pk].text)
                    for pk in item["choices"]
                    if pk in choices
                ],
                answered=question.pk in answered,
            )
        )
    return TrainingAttemptOut(
        id=attempt.pk,
        course_id=attempt.course_id,
        started_at=attempt.started_at,
        submitted_at=attempt.submitted_at,
        score=attempt.score,
        passed=attempt.passed,
        questions=out,
    )


@router.get(
    "/training/courses",
    response={200: list[TrainingCourseOut]},
    summary="My courses",
    description="Published courses meant for the caller, required first, with progress.",
)
@api_roles()
def training_course_list(request: HttpRequest) -> list[TrainingCourseOut]:
    caller = calling_member(request)
    return [_course_out(status) for status in selectors.my_learning(membership=caller)]


@router.get(
    "/training/courses/{course_id}",
    response={200: TrainingCourseDetailOut, 404: Error},
    summary="A course, its lessons and my progress",
    description="404 for a course not open to the caller (trainers may preview drafts).",
)
@api_roles()
def training_course_detail(request: HttpRequest, course_id: PathId) -> TrainingCourseDetailOut:
    caller = calling_member(request)
    course = selectors.course_for_member(membership=caller, course_id=course_id)
    status = selectors.member_course_status(membership=caller, course=course)
    read = selectors.read_lesson_ids(membership=caller, course=course)
    open_attempt = quiz_services.attempt_open(membership=caller, course=course)
    return TrainingCourseDetailOut(
        **_course_out(status).model_dump(),
        lessons=[
            TrainingLessonOut(
                id=lesson.pk,
                title=lesson.title,
                minutes=lesson.minutes,
                body=lesson.body,
                html=str(render_markdown(lesson.body)),
                video_url=lesson.video_url,
                read=lesson.pk in read,
            )
            for lesson in selectors.course_lessons(course=course)
        ],
        has_quiz=course.questions.filter(is_active=True).exists(),
        pass_mark=course.pass_mark,
        open_attempt_id=open_attempt.pk if open_attempt else None,
        attempts_blocked_until=quiz_services.attempts_blocked_until(
            membership=caller, course=course
        ),
    )


@router.post(
    "/training/lessons/{lesson_id}/read",
    response={200: TrainingLessonReadOut, 404: Error, 422: Error},
    summary="Mark a lesson as read",
    description="Idempotent. 422 for a course that is not published (a trainer's preview).",
)
@api_roles()
def training_lesson_read(request: HttpRequest, lesson_id: PathId) -> TrainingLessonReadOut:
    caller = calling_member(request)
    lesson = selectors.lesson_for_member(membership=caller, lesson_id=lesson_id)
    finished = lesson_services.lesson_mark_read(membership=caller, lesson=lesson)
    return TrainingLessonReadOut(course_completed=finished)


@router.post(
    "/training/courses/{course_id}/attempts",
    response={201: TrainingAttemptOut, 404: Error, 422: Error},
    summary="Start a quiz attempt",
    description=(
        "Draws the questions, shuffled, with their answers shuffled; an attempt still open is "
        "returned instead. 422 when every attempt is used (the message says when to try "
        "again), the course has no quiz or is not published."
    ),
)
@api_roles()
def training_attempt_start(request: HttpRequest, course_id: PathId) -> Status[TrainingAttemptOut]:
    caller = calling_member(request)
    course = selectors.course_for_member(membership=caller, course_id=course_id)
    attempt = quiz_services.attempt_start(membership=caller, course=course)
    return Status(201, _attempt_out(attempt))


def _own_attempt(request: HttpRequest, attempt_id: int) -> QuizAttempt:
    caller = calling_member(request)
    return get_object_or_404(
        QuizAttempt.objects.select_related("course"),
        pk=attempt_id,
        organization=caller.organization,
        membership=caller,
    )


@router.get(
    "/training/attempts/{attempt_id}",
    response={200: TrainingAttemptOut, 404: Error},
    summary="A quiz attempt of mine",
    description="Its questions in order, which are answered, and the score once finished.",
)
@api_roles()
def training_attempt_detail(request: HttpRequest, attempt_id: PathId) -> TrainingAttemptOut:
    return _attempt_out(_own_attempt(request, attempt_id))


@router.post(
    "/training/attempts/{attempt_id}/answers",
    response={200: TrainingAnswerOut, 404: Error, 422: Error},
    summary="Answer a question of my attempt",
    description=(
        "Checked on the server: right only with exactly the right answers. Then the "
        "explanation and the right answers. 422 for a question answered already, not in the "
        "attempt, answers not shown with it, or a finished attempt."
    ),
)
@api_roles()
def training_attempt_answer(
    request: HttpRequest, attempt_id: PathId, payload: TrainingAnswerIn
) -> TrainingAnswerOut:
    caller = calling_member(request)
    attempt = _own_attempt(request, attempt_id)
    result = quiz_services.attempt_answer(
        membership=caller,
        attempt=attempt,
        question_id=payload.question,
        choice_ids=list(payload.choices),
    )
    return TrainingAnswerOut(
        correct=result.correct,
        explanation=result.explanation,
        right_choices=result.right_choices,
        finished=result.finished,
        score=result.attempt.score,
        passed=result.attempt.passed,
    )


@router.get(
    "/training/manage/courses",
    response={200: list[TrainingManagedCourseOut], 403: Error},
    summary="Every course (trainers)",
    description="Drafts, published and archived courses with their completion counts.",
)
@api_roles("trainer")
def training_manage_course_list(request: HttpRequest) -> list[TrainingManagedCourseOut]:
    caller = calling_member(request)
    return [
        TrainingManagedCourseOut(
            id=course.pk,
            title=course.title,
            state=CourseState(course.state),
            version=course.version_label,
            required=course.required,
            target_all=course.target_all,
            target_group_ids=[group.pk for group in course.target_groups.all()],
            completion_count=course.completion_count,  # type: ignore[attr-defined]
        )
        for course in course_selectors.course_list(organization=caller.organization)
    ]


class TrainingCourseIn(Input):
    title: str = Field(max_length=200)
    summary: str = Field("", max_length=2000)
    required: bool = False
    minutes: int = Field(15, ge=1, le=course_services.MAX_MINUTES)
    target_group_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="Empty: every member"
    )
    pass_mark: int = Field(80, ge=1, le=100)
    questions_per_attempt: int = Field(10, ge=0, le=course_services.MAX_QUESTIONS_PER_ATTEMPT)
    attempts_allowed: int = Field(3, ge=0, le=course_services.MAX_ATTEMPTS)
    cooldown_hours: int = Field(24, ge=0, le=course_services.MAX_COOLDOWN_HOURS)


@router.post(
    "/training/manage/courses",
    response={201: TrainingManagedCourseOut, 403: Error, 422: Error},
    summary="Create a course (trainers)",
    description="A draft; add lessons and questions on its page, then publish it.",
)
@api_roles("trainer")
def training_manage_course_create(
    request: HttpRequest, payload: TrainingCourseIn
) -> Status[TrainingManagedCourseOut]:
    caller = calling_member(request)
    groups = list(
        Group.objects.filter(organization=caller.organization, pk__in=payload.target_group_ids)
    )
    if len(groups) != len(set(payload.target_group_ids)):
        raise ValidationError(_("Choose groups of this organization."))
    course = course_services.course_create(
        membership=caller,
        fields=course_services.CourseFields(
            title=payload.title,
            summary=payload.summary,
            required=payload.required,
            minutes=payload.minutes,
            target_all=not groups,
            target_groups=groups,
            pass_mark=payload.pass_mark,
            questions_per_attempt=payload.questions_per_attempt,
            attempts_allowed=payload.attempts_allowed,
            cooldown_hours=payload.cooldown_hours,
        ),
    )
    return Status(
        201,
        TrainingManagedCourseOut(
            id=course.pk,
            title=course.title,
            state=CourseState(course.state),
            version=course.version_label,
            required=course.required,
            target_all=course.target_all,
            target_group_ids=[group.pk for group in groups],
            completion_count=0,
        ),
    )


class TrainingPublishIn(Input):
    retake: bool = Field(
        False, description="Members must retake it: a new major version (else a minor one)"
    )
    note: str = Field("", max_length=300, description="What changed")


def _managed_out(course: Course) -> TrainingManagedCourseOut:
    return TrainingManagedCourseOut(
        id=course.pk,
        title=course.title,
        state=CourseState(course.state),
        version=course.version_label,
        required=course.required,
        target_all=course.target_all,
        target_group_ids=[group.pk for group in course.target_groups.all()],
        completion_count=course_selectors.completion_count(course=course),
    )


@router.post(
    "/training/manage/courses/{course_id}/publish",
    response={200: TrainingManagedCourseOut, 403: Error, 404: Error, 422: Error},
    summary="Publish a course version (trainers)",
    description=(
        "The first publication is 1.0; then retake=false makes a minor version (whoever "
        "finished stays done), retake=true a major one (they take it again). 422 without lessons."
    ),
)
@api_roles("trainer")
def training_manage_course_publish(
    request: HttpRequest, course_id: PathId, payload: TrainingPublishIn
) -> TrainingManagedCourseOut:
    caller = calling_member(request)
    course = course_selectors.course_get(organization=caller.organization, course_id=course_id)
    course_services.course_publish(
        membership=caller, course=course, retake=payload.retake, note=payload.note
    )
    course.refresh_from_db()
    return _managed_out(course)


@router.post(
    "/training/manage/courses/{course_id}/archive",
    response={200: TrainingManagedCourseOut, 403: Error, 404: Error, 422: Error},
    summary="Archive a course (trainers)",
    description="Members no longer see it; completions are kept. 422 if already archived.",
)
@api_roles("trainer")
def training_manage_course_archive(
    request: HttpRequest, course_id: PathId
) -> TrainingManagedCourseOut:
    caller = calling_member(request)
    course = course_selectors.course_get(organization=caller.organization, course_id=course_id)
    return _managed_out(course_services.course_archive(membership=caller, course=course))
