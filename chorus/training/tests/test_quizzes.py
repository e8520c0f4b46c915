"""Quizzes: the question bank's rules, drawing and shuffling, grading on the server without
revealing answers, attempts and their cool-down, and completion once passed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from chorus.factories import MembershipFactory
from chorus.training.models import (
    Choice,
    Course,
    CourseCompletion,
    Question,
    QuestionKind,
    QuizAttempt,
)
from chorus.training.services.courses import CourseFields, course_create, course_publish
from chorus.training.services.lessons import LessonFields, lesson_create, lesson_mark_read
from chorus.training.services.quizzes import (
    QuestionFields,
    attempt_answer,
    attempt_start,
    question_create,
    question_delete,
    question_update,
)

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def trainer(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_trainer=True)


def single(number: int) -> QuestionFields:
    return QuestionFields(
        kind=QuestionKind.SINGLE,
        text=f"Question {number}?",
        explanation=f"Because of rule {number}.",
        choices=[
            (f"Disclose {number}", True),
            (f"Hide {number}a", False),
            (f"Hide {number}b", False),
        ],
    )


def quiz_course(trainer: Any, *, questions: int = 3, **fields: Any) -> Course:
    course = course_create(membership=trainer, fields=CourseFields(title="Disclosure", **fields))
    lesson_create(membership=trainer, course=course, fields=LessonFields(title="Read me"))
    for number in range(questions):
        question_create(membership=trainer, course=course, fields=single(number + 1))
    course_publish(membership=trainer, course=course)
    course.refresh_from_db()
    return course


def right_ids(question_id: int) -> list[int]:
    return list(
        Choice.objects.filter(question_id=question_id, is_correct=True).values_list("pk", flat=True)
    )


def wrong_id(question_id: int) -> int:
    return Choice.objects.filter(question_id=question_id, is_correct=False).values_list(
        "pk", flat=True
    )[0]


def answer_all(member: Any, attempt: QuizAttempt, *, wrong: int = 0) -> None:
    for index, item in enumerate(attempt.drawn):
        question = item["question"]
        chosen = [wrong_id(question)] if index < wrong else right_ids(question)
        attempt_answer(membership=member, attempt=attempt, question_id=question, choice_ids=chosen)


def test_question_rules_per_kind(trainer: Any) -> None:
    course = course_create(membership=trainer, fields=CourseFields(title="Quiz"))
    bad = [
        QuestionFields(kind="single", text="Q", choices=[("A", True), ("B", True)]),
        QuestionFields(kind="single", text="Q", choices=[("A", False), ("B", False)]),
        QuestionFields(kind="multiple", text="Q", choices=[("A", False), ("B", False)]),
        QuestionFields(kind="multiple", text="Q", choices=[("A", True)]),
        QuestionFields(kind="single", text=" ", choices=[("A", True), ("B", False)]),
        QuestionFields(kind="essay", text="Q", choices=[("A", True), ("B", False)]),
    ]
    for fields in bad:
        with pytest.raises(ValidationError):
            question_create(membership=trainer, course=course, fields=fields)
    assert not Question.objects.exists()
    several = question_create(
        membership=trainer,
        course=course,
        fields=QuestionFields(
            kind="multiple", text="Q", choices=[("A", True), ("B", True), ("", True)]
        ),
    )
    assert [c.text for c in several.choices.all()] == ["A", "B"]
    true_false = question_create(
        membership=trainer,
        course=course,
        fields=QuestionFields(kind="true_false", text="The sky is green.", true_is_correct=False),
    )
    assert [(c.text, c.is_correct) for c in true_false.choices.all()] == [
        ("True", False),
        ("False", True),
    ]


def test_members_do_not_write_questions(trainer: Any, employee: Any) -> None:
    course = quiz_course(trainer, questions=1)
    with pytest.raises(PermissionDenied):
        question_create(membership=employee, course=course, fields=single(9))
    question = course.questions.get()
    with pytest.raises(PermissionDenied):
        question_update(membership=employee, question=question, fields=single(9))


def test_question_page_shows_the_validation_error(trainer: Any, client: Client) -> None:
    course = quiz_course(trainer, questions=0)
    client.force_login(trainer.user)
    response = client.post(
        reverse("training_question_new", args=[course.pk]),
        {"kind": "single", "text": "Q?", "choice_0": "A", "choice_1": "B", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "Mark exactly one answer as right." in response.content.decode()
    response = client.post(
        reverse("training_question_new", args=[course.pk]),
        {
            "kind": "single",
            "text": "Q?",
            "choice_0": "A",
            "correct_0": "on",
            "choice_1": "B",
            "explanation": "A it is.",
        },
    )
    assert response.status_code == 302
    assert Question.objects.get().explanation == "A it is."


def test_attempts_draw_the_configured_number_of_active_questions(
    trainer: Any, employee: Any
) -> None:
    course = quiz_course(trainer, questions=6, questions_per_attempt=4)
    Question.objects.filter(pk=course.questions.first().pk).update(is_active=False)  # type: ignore[union-attr]
    attempt = attempt_start(membership=employee, course=course)
    drawn = [item["question"] for item in attempt.drawn]
    assert len(drawn) == 4 == len(set(drawn))
    active = set(course.questions.filter(is_active=True).values_list("pk", flat=True))
    assert set(drawn) <= active
    for item in attempt.drawn:
        assert sorted(item["choices"]) == sorted(
            Choice.objects.filter(question_id=item["question"]).values_list("pk", flat=True)
        )
    # An open attempt is taken up again, not drawn anew.
    assert attempt_start(membership=employee, course=course).pk == attempt.pk


def test_zero_draws_every_active_question(trainer: Any, employee: Any) -> None:
    course = quiz_course(trainer, questions=5, questions_per_attempt=0)
    assert len(attempt_start(membership=employee, course=course).drawn) == 5


def test_the_question_page_reveals_no_right_answer(
    trainer: Any, employee: Any, client: Client
) -> None:
    course = quiz_course(trainer, questions=2)
    client.force_login(employee.user)
    response = client.post(reverse("quiz_start", args=[course.pk]))
    attempt = QuizAttempt.objects.get()
    assert response["Location"] == reverse("quiz_attempt", args=[attempt.pk])
    html = client.get(response["Location"]).content.decode()
    question_id = attempt.drawn[0]["question"]
    question = Question.objects.get(pk=question_id)
    assert question.text in html
    assert question.explanation not in html
    # Every answer is there, with nothing that tells the right one apart.
    inputs = re.findall(r'<input type="radio" name="choice" value="(\d+)"[^>]*>', html)
    assert sorted(map(int, inputs)) == sorted(attempt.drawn[0]["choices"])
    form = html[html.index('action="' + reverse("quiz_answer", args=[attempt.pk])) :]
    form = form[: form.index("</form>")]
    for marker in ("correct", "right", "is_correct", "data-", "checked"):
        assert marker not in form.lower()
    right = Choice.objects.get(question_id=question_id, is_correct=True)
    wrong = Choice.objects.filter(question_id=question_id, is_correct=False).first()
    assert wrong is not None
    assert form.count(f'name="choice" value="{right.pk}"') == 1
    assert form.count(f'name="choice" value="{wrong.pk}"') == 1


def test_answering_shows_right_or_wrong_and_the_explanation(
    trainer: Any, employee: Any, client: Client
) -> None:
    course = quiz_course(trainer, questions=2)
    client.force_login(employee.user)
    client.post(reverse("quiz_start", args=[course.pk]))
    attempt = QuizAttempt.objects.get()
    question_id = attempt.drawn[0]["question"]
    response = client.post(
        reverse("quiz_answer", args=[attempt.pk]),
        {"question": question_id, "choice": [wrong_id(question_id)]},
    )
    page = client.get(response["Location"]).content.decode()
    assert "Not quite." in page
    assert Question.objects.get(pk=question_id).explanation in page
    # The same question cannot be answered twice.
    client.post(
        reverse("quiz_answer", args=[attempt.pk]),
        {"question": question_id, "choice": right_ids(question_id)},
    )
    assert attempt.answers.get().correct is False
    second = attempt.drawn[1]["question"]
    response = client.post(
        reverse("quiz_answer", args=[attempt.pk]),
        {"question": second, "choice": right_ids(second)},
    )
    assert "Right!" in client.get(response["Location"]).content.decode()
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (50, False)
    result = client.get(reverse("quiz_attempt", args=[attempt.pk])).content.decode()
    assert "50%" in result


def test_answers_are_checked_on_the_server(trainer: Any, employee: Any) -> None:
    course = quiz_course(trainer, questions=2)
    other_course = quiz_course(trainer, questions=1)
    attempt = attempt_start(membership=employee, course=course)
    question = attempt.drawn[0]["question"]
    foreign_choice = Choice.objects.filter(question__course=other_course).first()
    assert foreign_choice is not None
    every = list(Choice.objects.filter(question_id=question).values_list("pk", flat=True))
    for choice_ids in ([], [foreign_choice.pk], every):
        with pytest.raises(ValidationError):
            attempt_answer(
                membership=employee, attempt=attempt, question_id=question, choice_ids=choice_ids
            )
    with pytest.raises(ValidationError):
        attempt_answer(
            membership=employee,
            attempt=attempt,
            question_id=other_course.questions.get().pk,
            choice_ids=[foreign_choice.pk],
        )
    someone: Any = MembershipFactory(organization=employee.organization)
    with pytest.raises(ValidationError):
        attempt_answer(
            membership=someone,
            attempt=attempt,
            question_id=question,
            choice_ids=right_ids(question),
        )
    assert not attempt.answers.exists()


def test_multiple_choice_is_right_only_with_every_right_answer(trainer: Any, employee: Any) -> None:
    course = quiz_course(trainer, questions=0)
    question = question_create(
        membership=trainer,
        course=course,
        fields=QuestionFields(
            kind="multiple", text="Which?", choices=[("A", True), ("B", True), ("C", False)]
        ),
    )
    a, b, _c = question.choices.all()
    attempt = attempt_start(membership=employee, course=course)
    result = attempt_answer(
        membership=employee, attempt=attempt, question_id=question.pk, choice_ids=[a.pk]
    )
    assert result.correct is False and result.finished
    second = attempt_start(membership=employee, course=course)
    result = attempt_answer(
        membership=employee, attempt=second, question_id=question.pk, choice_ids=[a.pk, b.pk]
    )
    assert result.correct is True
    assert CourseCompletion.objects.filter(membership=employee).exists() is False  # lesson unread


def test_passing_after_reading_completes_the_course_once(trainer: Any, employee: Any) -> None:
    course = quiz_course(trainer, questions=4, pass_mark=75)
    lesson_mark_read(membership=employee, lesson=course.lessons.get())
    attempt = attempt_start(membership=employee, course=course)
    answer_all(employee, attempt, wrong=2)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (50, False)
    assert not CourseCompletion.objects.exists()
    attempt = attempt_start(membership=employee, course=course)
    answer_all(employee, attempt, wrong=1)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (75, True)
    completion = CourseCompletion.objects.get()
    assert (completion.score, completion.major_version) == (75, 1)
    attempt = attempt_start(membership=employee, course=course)
    answer_all(employee, attempt)
    assert CourseCompletion.objects.count() == 1


def test_reading_the_last_lesson_after_passing_completes_the_course(
    trainer: Any, employee: Any
) -> None:
    course = quiz_course(trainer, questions=1)
    answer_all(employee, attempt_start(membership=employee, course=course))
    assert not CourseCompletion.objects.exists()
    lesson_mark_read(membership=employee, lesson=course.lessons.get())
    assert CourseCompletion.objects.get().score == 100


def test_attempts_run_out_until_the_cool_down_is_over(
    trainer: Any, employee: Any, client: Client
) -> None:
    course = quiz_course(trainer, questions=1, attempts_allowed=2, cooldown_hours=24)
    with time_machine.travel(START, tick=False) as clock:
        answer_all(employee, attempt_start(membership=employee, course=course), wrong=1)
        clock.shift(timedelta(hours=1))
        answer_all(employee, attempt_start(membership=employee, course=course), wrong=1)
        with pytest.raises(ValidationError) as refused:
            attempt_start(membership=employee, course=course)
        assert "try again after" in refused.value.messages[0]
        client.force_login(employee.user)
        page = client.get(reverse("course_detail", args=[course.pk])).content.decode()
        assert "try again after" in page
        client.post(reverse("quiz_start", args=[course.pk]))
        assert QuizAttempt.objects.count() == 2
        clock.shift(timedelta(hours=23, minutes=59))
        with pytest.raises(ValidationError):
            attempt_start(membership=employee, course=course)
        clock.shift(timedelta(minutes=2))
        assert attempt_start(membership=employee, course=course).pk
        assert QuizAttempt.objects.count() == 3


def test_no_quiz_on_a_draft_or_for_another_member(
    trainer: Any, employee: Any, client: Client
) -> None:
    draft = course_create(membership=trainer, fields=CourseFields(title="Draft"))
    question_create(membership=trainer, course=draft, fields=single(1))
    with pytest.raises(ValidationError):
        attempt_start(membership=trainer, course=draft)
    course = quiz_course(trainer, questions=1)
    attempt = attempt_start(membership=trainer, course=course)
    client.force_login(employee.user)
    assert client.get(reverse("quiz_attempt", args=[attempt.pk])).status_code == 404
    assert (
        client.post(reverse("quiz_answer", args=[attempt.pk]), {"question": 1}).status_code == 404
    )


def test_an_attempt_still_finishes_when_a_drawn_question_is_deleted(
    trainer: Any, employee: Any
) -> None:
    course = quiz_course(trainer, questions=2)
    attempt = attempt_start(membership=employee, course=course)
    first, second = (item["question"] for item in attempt.drawn)
    attempt_answer(
        membership=employee, attempt=attempt, question_id=first, choice_ids=right_ids(first)
    )
    question_delete(membership=trainer, question=Question.objects.get(pk=second))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)
    assert attempt.submitted_at is not None
