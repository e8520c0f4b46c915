"""Quizzes: the question bank, and members' attempts checked on the server."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.training.models import (
    Choice,
    Course,
    Question,
    QuestionKind,
    QuizAnswer,
    QuizAttempt,
)
from chorus.training.selectors.learning import course_open_to
from chorus.training.services.courses import (
    course_complete_if_done,
    require_published,
    require_trainer,
)

MAX_CHOICES = 10
MAX_TEXT = 2000


@dataclass
class QuestionFields:
    """A question; `choices` are (text, correct) pairs. True/false questions take
    `true_is_correct` instead, and their two choices are made for the trainer."""

    kind: str
    text: str
    explanation: str = ""
    choices: list[tuple[str, bool]] = field(default_factory=list)
    true_is_correct: bool = True
    is_active: bool = True


def _clean(fields: QuestionFields) -> list[tuple[str, bool]]:
    errors: dict[str, list[str]] = {}
    fields.text = fields.text.strip()
    fields.explanation = fields.explanation.strip()
    if fields.kind not in QuestionKind.values:
        errors["kind"] = [_("Choose the kind of question.")]
    if not fields.text:
        errors["text"] = [_("Write the question.")]
    elif len(fields.text) > MAX_TEXT:
        errors["text"] = [_("A question has at most %(max)s characters.") % {"max": MAX_TEXT}]
    if len(fields.explanation) > MAX_TEXT:
        errors["explanation"] = [
            _("An explanation has at most %(max)s characters.") % {"max": MAX_TEXT}
        ]
    if fields.kind == QuestionKind.TRUE_FALSE:
        choices = [(_("True"), fields.true_is_correct), (_("False"), not fields.true_is_correct)]
    else:
        choices = [(text.strip(), correct) for text, correct in fields.choices if text.strip()]
        correct = sum(1 for _text, is_correct in choices if is_correct)
        if any(len(text) > 500 for text, _correct in choices):
            errors.setdefault("choices", []).append(_("An answer has at most 500 characters."))
        if len(choices) < 2:
            errors.setdefault("choices", []).append(_("Give at least two answers."))
        elif len(choices) > MAX_CHOICES:
            errors.setdefault("choices", []).append(
                _("Give at most %(max)s answers.") % {"max": MAX_CHOICES}
            )
        if fields.kind == QuestionKind.SINGLE and correct != 1:
            errors.setdefault("choices", []).append(_("Mark exactly one answer as right."))
        if fields.kind == QuestionKind.MULTIPLE and correct < 1:
            errors.setdefault("choices", []).append(_("Mark at least one answer as right."))
    if errors:
        raise ValidationError(errors)
    return choices


def _set_choices(question: Question, choices: list[tuple[str, bool]]) -> None:
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(question=question, text=text, is_correct=correct, position=position)
        for position, (text, correct) in enumerate(choices)
    )


def _audit(membership: Membership, action: str, course: Course, question_id: int) -> None:
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action=action,
        target=course,
        data={"question_id": question_id},
    )


@transaction.atomic
def question_create(*, membership: Membership, course: Course, fields: QuestionFields) -> Question:
    require_trainer(membership)
    choices = _clean(fields)
    last = course.questions.order_by("-position").first()
    question = Question.objects.create(
        course=course,
        kind=fields.kind,
        text=fields.text,
        explanation=fields.explanation,
        is_active=fields.is_active,
        position=last.position + 1 if last else 0,
    )
    _set_choices(question, choices)
    _audit(membership, "question.created", course, question.pk)
    return question


@transaction.atomic
def question_update(
    *, membership: Membership, question: Question, fields: QuestionFields
) -> Question:
    require_trainer(membership)
    choices = _clean(fields)
    question.kind = fields.kind
    question.text = fields.text
    question.explanation = fields.explanation
    question.is_active = fields.is_active
    question.save(update_fields=["kind", "text", "explanation", "is_active"])
    _set_choices(question, choices)
    _audit(membership, "question.updated", question.course, question.pk)
    return question


@transaction.atomic
def question_delete(*, membership: Membership, question: Question) -> None:
    """Delete the question; open attempts that drew it are scored without it, and those
    left with every remaining question answered are finished."""
    require_trainer(membership)
    course, question_id = question.course, question.pk
    question.delete()
    open_attempts = QuizAttempt.objects.filter(
        organization=course.organization, course=course, submitted_at__isnull=True
    ).select_related("membership__user", "course")
    for attempt in open_attempts:
        drew_it = any(int(item["question"]) == question_id for item in attempt.drawn)
        if drew_it and attempt_next_question(attempt) is None:
            _finish(attempt)
    _audit(membership, "question.deleted", course, question_id)


# Attempts -----------------------------------------------------------------------------


def attempts_blocked_until(*, membership: Membership, course: Course) -> datetime | None:
    """When the member may try again after failing every attempt allowed: the cool-down runs
    from the last of them, then the count starts again. None when they may try now."""
    if course.attempts_allowed == 0:
        return None
    failures = QuizAttempt.objects.filter(
        organization=membership.organization,
        membership=membership,
        course=course,
        major_version=course.major_version,
        passed=False,
        submitted_at__isnull=False,
    ).order_by("submitted_at")
    cooldown = timedelta(hours=course.cooldown_hours)
    count = 0
    blocked_until: datetime | None = None
    for submitted_at in failures.values_list("submitted_at", flat=True):
        if submitted_at is None:
            continue
        if blocked_until is not None and submitted_at < blocked_until:
            continue  # cannot happen through the services; ignore rather than extend
        count += 1
        if count == course.attempts_allowed:
            blocked_until, count = submitted_at + cooldown, 0
    if blocked_until is not None and timezone.now() < blocked_until:
        return blocked_until
    return None


def attempt_open(*, membership: Membership, course: Course) -> QuizAttempt | None:
    return (
        QuizAttempt.objects.filter(
            organization=membership.organization,
            membership=membership,
            course=course,
            major_version=course.major_version,
            submitted_at__isnull=True,
        )
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def attempt_start(*, membership: Membership, course: Course) -> QuizAttempt:
    """Draw the questions (questions_per_attempt of the active ones, 0: all), shuffled, with
    their answers shuffled; an attempt still open is taken up again instead."""
    if not course_open_to(course, membership):
        raise ValidationError(_("This course is not open to you."))
    require_published(course)
    open_attempt = attempt_open(membership=membership, course=course)
    if open_attempt is not None:
        return open_attempt
    until = attempts_blocked_until(membership=membership, course=course)
    if until is not None:
        raise ValidationError(
            _("You have used every attempt for now: try again after %(time)s.")
            % {"time": date_format(timezone.localtime(until), "DATETIME_FORMAT")}
        )
    questions = list(course.questions.filter(is_active=True).prefetch_related("choices"))
    if not questions:
        raise ValidationError(_("This course has no quiz."))
    count = course.questions_per_attempt or len(questions)
    drawn_questions = random.sample(questions, min(count, len(questions)))
    drawn = []
    for question in drawn_questions:
        choice_ids = [choice.pk for choice in question.choices.all()]
        random.shuffle(choice_ids)
        drawn.append({"question": question.pk, "choices": choice_ids})
    attempt = QuizAttempt.objects.create(
        organization=membership.organization,
        membership=membership,
        course=course,
        major_version=course.major_version,
        drawn=drawn,
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="quiz.started",
        target=course,
        data={"attempt_id": attempt.pk, "questions": len(drawn)},
    )
    return attempt


def attempt_next_question(attempt: QuizAttempt) -> int | None:
    """The first drawn question not answered yet (None when all are)."""
    answered = set(attempt.answers.values_list("question_id", flat=True))
    for question_id in _drawn_still_there(attempt):
        if question_id not in answered:
            return question_id
    return None


def _drawn_still_there(attempt: QuizAttempt) -> list[int]:
    """The drawn questions in order, less any a trainer deleted since (so the attempt can
    still finish; their answers went with them)."""
    drawn = [int(item["question"]) for item in attempt.drawn]
    existing = set(Question.objects.filter(pk__in=drawn).values_list("pk", flat=True))
    return [question_id for question_id in drawn if question_id in existing]


@dataclass
class AnswerResult:
    answer: QuizAnswer
    correct: bool
    explanation: str
    right_choices: list[int]
    finished: bool
    attempt: QuizAttempt


def _finish(attempt: QuizAttempt) -> None:
    answers = list(attempt.answers.values_list("correct", flat=True))
    asked = len(_drawn_still_there(attempt))
    attempt.score = round(100 * sum(answers) / asked) if asked else 0
    attempt.passed = attempt.score >= attempt.course.pass_mark
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    membership = attempt.membership
    audit_record(
        organization=attempt.organization,
        actor=membership.user,
        action="quiz.finished",
        target=attempt.course,
        data={"attempt_id": attempt.pk, "score": attempt.score, "passed": attempt.passed},
    )
    if attempt.passed and attempt.major_version == attempt.course.major_version:
        course_complete_if_done(membership=membership, course=attempt.course)


@transaction.atomic
def attempt_answer(
    *, membership: Membership, attempt: QuizAttempt, question_id: int, choice_ids: list[int]
) -> AnswerResult:
    """Check one answer on the server: right only when exactly the right answers are chosen."""
    attempt = QuizAttempt.objects.select_for_update().select_related("course").get(pk=attempt.pk)
    if attempt.membership_id != membership.pk:
        raise ValidationError(_("This is not your attempt."))
    if attempt.submitted_at is not None:
        raise ValidationError(_("This attempt is finished."))
    item = next((d for d in attempt.drawn if d["question"] == question_id), None)
    if item is None:
        raise ValidationError(_("This question is not part of the attempt."))
    question = Question.objects.filter(pk=question_id, course=attempt.course).first()
    if question is None:
        raise ValidationError(_("This question no longer exists."))
    if attempt.answers.filter(question=question).exists():
        raise ValidationError(_("You already answered this question."))
    chosen = sorted(set(choice_ids))
    if not chosen:
        raise ValidationError(_("Choose an answer."))
    if not set(chosen) <= set(item["choices"]):
        raise ValidationError(_("Choose among the answers shown."))
    if question.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
        raise ValidationError(_("Choose one answer."))
    right = sorted(question.choices.filter(is_correct=True).values_list("pk", flat=True))
    correct = chosen == right
    try:
        with transaction.atomic():
            answer = QuizAnswer.objects.create(
                attempt=attempt, question=question, chosen=chosen, correct=correct
            )
    except IntegrityError as error:
        raise ValidationError(_("You already answered this question.")) from error
    finished = attempt_next_question(attempt) is None
    if finished:
        _finish(attempt)
    return AnswerResult(
        answer=answer,
        correct=correct,
        explanation=question.explanation,
        right_choices=right,
        finished=finished,
        attempt=attempt,
    )
