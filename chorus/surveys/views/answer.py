"""Members answer a survey on their phone: the promise first, then the questions."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chorus.accounts.access import MemberRequest, member_required
from chorus.surveys.models import Kind, Question
from chorus.surveys.selectors.results import min_answers
from chorus.surveys.selectors.surveys import (
    has_answered,
    open_round,
    pending_rounds,
    questions_of,
    survey_get,
)
from chorus.surveys.services.answers import Answer, answers_submit, survey_decline
from chorus.surveys.services.surveys import SurveyError, may_answer

INPUT_TYPES: dict[str, str] = {Kind.TEXT: "text", Kind.MULTIPLE: "checkbox"}


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    checked: bool


@dataclass(frozen=True)
class FormQuestion:
    question: Question
    name: str
    input_type: str  # radio | checkbox | text
    options: list[Option]
    text: str


def _labels(question: Question) -> list[tuple[int, str]]:
    if question.kind == Kind.SCALE5:
        return [(value, str(value)) for value in range(1, 6)]
    if question.kind == Kind.LIKELIHOOD10:
        return [(value, str(value)) for value in range(0, 11)]
    return list(enumerate(str(label) for label in question.choices))


def form_questions(questions: list[Question], posted: QueryDict | None) -> list[FormQuestion]:
    """The questions as the form shows them, with what the member sent kept."""
    shown = []
    for question in questions:
        name = f"q{question.pk}"
        sent = posted.getlist(name) if posted is not None else []
        input_type = INPUT_TYPES.get(question.kind, "radio")
        options = (
            []
            if question.kind == Kind.TEXT
            else [
                Option(value=value, label=label, checked=str(value) in sent)
                for value, label in _labels(question)
            ]
        )
        shown.append(
            FormQuestion(
                question=question,
                name=name,
                input_type=input_type,
                options=options,
                text=sent[0] if sent and question.kind == Kind.TEXT else "",
            )
        )
    return shown


def _number(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


def answers_from(post: QueryDict, questions: list[Question]) -> dict[int, Answer | None]:
    """What the member sent, per question; a value that is not a number counts as none
    given (the service then says which question needs an answer)."""
    found: dict[int, Answer | None] = {}
    for question in questions:
        name = f"q{question.pk}"
        if question.kind == Kind.TEXT:
            found[question.pk] = Answer(text=post.get(name, ""))
        elif question.kind == Kind.MULTIPLE:
            chosen = [_number(raw) for raw in post.getlist(name)]
            found[question.pk] = Answer(choices=tuple(c for c in chosen if c is not None))
        else:
            raw = post.get(name, "")
            found[question.pk] = Answer(value=_number(raw)) if raw else None
    return found


@member_required
def surveys_mine(request: MemberRequest) -> HttpResponse:
    rounds = pending_rounds(organization=request.organization, membership=request.membership)
    return render(request, "surveys/mine.html", {"rounds": list(rounds)})


@member_required
def survey_answer(request: MemberRequest, survey_id: int) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    if not may_answer(survey=survey, membership=request.membership):
        raise Http404
    current = open_round(survey=survey)
    questions = questions_of(survey=survey)
    context = {
        "survey": survey,
        "round": current,
        "questions": form_questions(questions, None),
        "minimum": min_answers(),
        "answered": current is not None
        and has_answered(round=current, membership=request.membership),
        "error": "",
    }
    if request.method != "POST":
        return render(request, "surveys/answer.html", context)
    if current is None:
        context["error"] = _("This survey is closed.")
        return render(request, "surveys/answer.html", context, status=400)
    try:
        if request.POST.get("decline"):
            survey_decline(round=current, membership=request.membership)
            messages.success(request, _("Understood: we will not ask you about this survey again."))
        else:
            answers_submit(
                round=current,
                membership=request.membership,
                answers=answers_from(request.POST, questions),
            )
            messages.success(request, _("Thank you: your answers were saved."))
    except SurveyError as error:
        context["error"] = str(error)
        context["questions"] = form_questions(questions, request.POST)
        return render(request, "surveys/answer.html", context, status=400)
    return redirect("surveys_answer", survey_id=survey.pk)
