"""The admins' survey pages: list, create from a template, edit, send, close."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.surveys.forms import QuestionForm, SurveyCreateForm, SurveySettingsForm
from chorus.surveys.selectors.surveys import (
    question_get,
    questions_of,
    rounds_of,
    survey_get,
    surveys_for,
)
from chorus.surveys.services.surveys import (
    SurveyError,
    question_add,
    question_move,
    question_remove,
    round_open,
    survey_close,
    survey_create,
    survey_update,
)


@admin_required
def surveys_manage(request: MemberRequest) -> HttpResponse:
    form = SurveyCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        survey = survey_create(
            organization=request.organization,
            actor=request.membership,
            template=form.cleaned_data["template"],
        )
        return redirect("surveys_manage_survey", survey_id=survey.pk)
    return render(
        request,
        "surveys/manage_list.html",
        {"form": form, "surveys": surveys_for(organization=request.organization)},
        status=400 if request.method == "POST" else 200,
    )


def _survey_page(
    request: MemberRequest,
    survey_id: int,
    *,
    settings_form: SurveySettingsForm | None = None,
    question_form: QuestionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    rounds = rounds_of(survey=survey)
    settings_form = settings_form or SurveySettingsForm(
        organization=request.organization,
        initial={
            "title": survey.title,
            "intro": survey.intro,
            "everyone": survey.everyone,
            "groups": list(survey.groups.all()),
            "repeat_weeks": survey.repeat_weeks,
            "open_days": survey.open_days,
        },
    )
    return render(
        request,
        "surveys/manage_survey.html",
        {
            "survey": survey,
            "questions": questions_of(survey=survey),
            "rounds": rounds,
            "frozen": bool(rounds),
            "settings_form": settings_form,
            "question_form": question_form or QuestionForm(),
            "error": error,
        },
        status=status,
    )


@admin_required
def survey_manage(request: MemberRequest, survey_id: int) -> HttpResponse:
    if request.method != "POST":
        return _survey_page(request, survey_id)
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    form = SurveySettingsForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            survey_update(
                survey=survey,
                actor=request.membership,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
                everyone=form.cleaned_data["everyone"],
                groups=list(form.cleaned_data["groups"]),
                repeat_weeks=form.cleaned_data["repeat_weeks"],
                open_days=form.cleaned_data["open_days"],
            )
        except SurveyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Survey saved."))
            return redirect("surveys_manage_survey", survey_id=survey.pk)
    return _survey_page(request, survey_id, settings_form=form, status=400)


@admin_required
@require_POST
def question_create(request: MemberRequest, survey_id: int) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            question_add(
                survey=survey,
                actor=request.membership,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                choices=form.cleaned_data["choices"].splitlines(),
                required=form.cleaned_data["required"],
                attributed=form.cleaned_data["attributed"],
                purpose=form.cleaned_data["purpose"],
            )
        except SurveyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Question added."))
            return redirect("surveys_manage_survey", survey_id=survey.pk)
    return _survey_page(request, survey_id, question_form=form, status=400)


@admin_required
@require_POST
def question_change(request: MemberRequest, survey_question_id: int) -> HttpResponse:
    """Remove a question, or move it up or down (before the first round only)."""
    question = question_get(organization=request.organization, question_id=survey_question_id)
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            question_remove(question=question, actor=request.membership)
        elif action in ("up", "down"):
            question_move(question=question, actor=request.membership, up=action == "up")
        else:
            raise SurveyError(_("Choose what to do with the question."))
    except SurveyError as error:
        return _survey_page(request, question.survey_id, error=str(error), status=400)
    return redirect("surveys_manage_survey", survey_id=question.survey_id)


@admin_required
@require_POST
def survey_send(request: MemberRequest, survey_id: int) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    try:
        round_open(survey=survey, actor=request.membership)
    except SurveyError as error:
        return _survey_page(request, survey_id, error=str(error), status=400)
    messages.success(request, _("Survey sent: members are told it is waiting for them."))
    return redirect("surveys_manage_survey", survey_id=survey.pk)


@admin_required
@require_POST
def survey_close_view(request: MemberRequest, survey_id: int) -> HttpResponse:
    survey = survey_get(organization=request.organization, survey_id=survey_id)
    survey_close(survey=survey, actor=request.membership)
    messages.success(request, _("Survey closed."))
    return redirect("surveys_manage_survey", survey_id=survey.pk)
