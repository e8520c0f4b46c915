"""Members' quiz pages: one question a page, checked on the server, then its explanation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.training.models import Choice, Question, QuestionKind, QuizAttempt
from chorus.training.selectors import learning as selectors
from chorus.training.services import quizzes as services


def _attempt(request: MemberRequest, attempt_id: int) -> QuizAttempt:
    """The member's own attempt (404 for anyone else's)."""
    return get_object_or_404(
        QuizAttempt.objects.select_related("course"),
        pk=attempt_id,
        organization=request.organization,
        membership=request.membership,
    )


@require_POST
@role_required()
def quiz_start(request: MemberRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_member(membership=request.membership, course_id=course_id)
    try:
        attempt = services.attempt_start(membership=request.membership, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("course_detail", course.pk)
    return redirect("quiz_attempt", attempt.pk)


def _question_with_choices(attempt: QuizAttempt, question_id: int) -> tuple[Question, list[Choice]]:
    item = next(d for d in attempt.drawn if d["question"] == question_id)
    question = get_object_or_404(Question, pk=question_id, course=attempt.course)
    by_id = {choice.pk: choice for choice in question.choices.all()}
    return question, [by_id[pk] for pk in item["choices"] if pk in by_id]


@require_GET
@role_required()
def quiz_attempt(request: MemberRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    drawn_ids = [int(item["question"]) for item in attempt.drawn]
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    context: dict[str, Any] = {
        "attempt": attempt,
        "course": attempt.course,
        "total": len(drawn_ids),
        "answered_count": len(answers),
    }
    answered = request.GET.get("answered", "")
    if answered.isdigit() and int(answered) in answers:
        # The answer just given: right or wrong, the right answers and the explanation.
        answer = answers[int(answered)]
        question, choices = _question_with_choices(attempt, answer.question_id)
        context.update(
            feedback=answer,
            question=question,
            choices=[(choice, choice.pk in answer.chosen, choice.is_correct) for choice in choices],
            number=drawn_ids.index(question.pk) + 1,
            next_url=reverse("quiz_attempt", args=[attempt.pk]),
        )
        return render(request, "training/quiz_feedback.html", context)
    next_id = services.attempt_next_question(attempt)
    if attempt.submitted_at is not None or next_id is None:
        context["blocked_until"] = services.attempts_blocked_until(
            membership=request.membership, course=attempt.course
        )
        return render(request, "training/quiz_result.html", context)
    question, choices = _question_with_choices(attempt, next_id)
    context.update(
        question=question,
        choices=choices,
        multiple=question.kind == QuestionKind.MULTIPLE,
        number=drawn_ids.index(question.pk) + 1,
    )
    return render(request, "training/quiz_question.html", context)


@require_POST
@role_required()
def quiz_answer(request: MemberRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    question = request.POST.get("question", "")
    chosen = [value for value in request.POST.getlist("choice") if value.isdigit()]
    if not question.isdigit() or len(question) > 18:
        messages.error(request, gettext("Choose an answer."))
        return redirect("quiz_attempt", attempt.pk)
    try:
        services.attempt_answer(
            membership=request.membership,
            attempt=attempt,
            question_id=int(question),
            choice_ids=[int(value) for value in chosen if len(value) <= 18],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("quiz_attempt", attempt.pk)
    return redirect(f"{reverse('quiz_attempt', args=[attempt.pk])}?answered={int(question)}")
