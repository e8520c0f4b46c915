"""Practice scenarios: trainers write them and review answers; members answer them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.accounts.models import Group
from chorus.content.models import Network
from chorus.training.markdown import render_markdown
from chorus.training.models import (
    Course,
    ResponseState,
    Scenario,
    ScenarioResponse,
    ScenarioState,
)
from chorus.training.selectors import scenarios as selectors
from chorus.training.services import scenarios as services


class ScenarioForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.MAX_TITLE)
    situation = forms.CharField(
        label=gettext_lazy("Situation"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=services.MAX_SITUATION,
        help_text=gettext_lazy(
            "What members answer: a customer complaint, a hostile comment, a journalist's "
            "question. Markdown."
        ),
    )
    network = forms.ChoiceField(
        label=gettext_lazy("Network"),
        required=False,
        help_text=gettext_lazy("The answer is checked against this network's length limit."),
    )
    course = forms.ModelChoiceField(
        label=gettext_lazy("Course"),
        queryset=Course.objects.none(),
        required=False,
        empty_label=gettext_lazy("No course"),
    )
    target = forms.ChoiceField(
        label=gettext_lazy("Audience"),
        choices=[("all", gettext_lazy("Everyone")), ("groups", gettext_lazy("Chosen groups"))],
        widget=forms.RadioSelect,
        initial="all",
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"), choices=ScenarioState.choices, initial=ScenarioState.DRAFT
    )

    def __init__(self, *args: Any, request: MemberRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        network_field: Any = self.fields["network"]
        network_field.choices = [("", _("Any (no network)")), *Network.choices]
        course_field: Any = self.fields["course"]
        course_field.queryset = Course.objects.filter(organization=request.organization)
        groups_field: Any = self.fields["target_groups"]
        groups_field.queryset = Group.objects.filter(organization=request.organization)


def _labelled(scenarios: Iterable[Scenario]) -> list[Scenario]:
    """The scenarios, each with its network's name for the templates (`network_label`)."""
    found = list(scenarios)
    for scenario in found:
        setattr(scenario, "network_label", services.network_label(scenario.network))  # noqa: B010
    return found


def _initial(scenario: Scenario) -> dict[str, Any]:
    return {
        "title": scenario.title,
        "situation": scenario.situation,
        "network": scenario.network,
        "course": scenario.course_id,
        "target": "all" if scenario.target_all else "groups",
        "target_groups": list(scenario.target_groups.all()),
        "state": scenario.state,
    }


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _save_scenario(
    request: MemberRequest, form: ScenarioForm, scenario: Scenario | None
) -> Scenario | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    values: dict[str, Any] = {
        "title": data["title"],
        "situation": data["situation"],
        "network": data["network"],
        "state": data["state"],
        "target_all": data["target"] != "groups",
        "groups": list(data["target_groups"]),
        "course": data["course"],
    }
    try:
        if scenario is None:
            return services.scenario_create(membership=request.membership, **values)
        return services.scenario_update(membership=request.membership, scenario=scenario, **values)
    except ValidationError as error:
        _apply_errors(form, error)
        return None


@role_required("trainer")
def training_scenarios(request: MemberRequest) -> HttpResponse:
    """The trainers' list of scenarios, with how many answers wait for feedback."""
    scenarios = _labelled(selectors.scenarios_for_trainers(organization=request.organization))
    # A trainer's own answers wait for another trainer: not counted as theirs to review.
    waiting = (
        selectors.responses_for_review(organization=request.organization)
        .exclude(membership=request.membership)
        .count()
    )
    return render(
        request, "training/scenarios_manage.html", {"scenarios": scenarios, "waiting": waiting}
    )


@role_required("trainer")
def training_scenario_new(request: MemberRequest) -> HttpResponse:
    form = ScenarioForm(request.POST or None, request=request)
    if request.method == "POST":
        scenario = _save_scenario(request, form, None)
        if scenario is not None:
            messages.success(request, _("Scenario saved."))
            return redirect("training_scenario_edit", scenario_id=scenario.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "training/scenario_form.html", {"form": form, "scenario": None}, status=status
    )


@role_required("trainer")
def training_scenario_edit(request: MemberRequest, scenario_id: int) -> HttpResponse:
    scenario = selectors.scenario_of_organization(
        organization=request.organization, scenario_id=scenario_id
    )
    if scenario is None:
        raise Http404
    form = ScenarioForm(request.POST or None, request=request, initial=_initial(scenario))
    if request.method == "POST":
        saved = _save_scenario(request, form, scenario)
        if saved is not None:
            messages.success(request, _("Scenario saved."))
            return redirect("training_scenario_edit", scenario_id=saved.pk)
        scenario.refresh_from_db()
    status = 400 if form.is_bound else 200
    return render(
        request,
        "training/scenario_form.html",
        {
            "form": form,
            "scenario": scenario,
            "situation_html": render_markdown(scenario.situation),
        },
        status=status,
    )


# Review -------------------------------------------------------------------------------


@role_required("trainer")
def training_scenario_reviews(request: MemberRequest) -> HttpResponse:
    """The answers waiting for feedback, oldest first."""
    queue = selectors.responses_for_review(organization=request.organization)
    return render(
        request,
        "training/scenario_reviews.html",
        {"queue": queue, "me": request.membership.pk},
    )


def _review_context(request: MemberRequest, response: ScenarioResponse) -> dict[str, Any]:
    scenario = response.scenario
    return {
        "response": response,
        "scenario": scenario,
        "situation_html": render_markdown(scenario.situation),
        "result": services.scenario_check(
            membership=request.membership, scenario=scenario, text=response.text
        ),
        "earlier": [
            item
            for item in selectors.responses_of_member(
                membership=response.membership, scenario=scenario
            )
            if item.pk != response.pk and item.state != ResponseState.DRAFT
        ],
        "own": response.membership_id == request.membership.pk,
        "waiting": response.state == ResponseState.SUBMITTED,
    }


@role_required("trainer")
def training_scenario_review(request: MemberRequest, response_id: int) -> HttpResponse:
    """One answer: the situation, what the member wrote and its verdict; pass or retry."""
    response = selectors.response_for_review(
        organization=request.organization, response_id=response_id
    )
    if response is None:
        raise Http404
    context = _review_context(request, response)
    status = 200
    if request.method == "POST":
        feedback = request.POST.get("feedback", "")
        try:
            services.response_review(
                reviewer=request.membership,
                response=response,
                decision=request.POST.get("decision", ""),
                feedback=feedback,
            )
        except ValidationError as error:
            context["errors"] = error.messages
            context["feedback"] = feedback
            status = 400
        else:
            messages.success(request, _("Feedback sent; the member is told."))
            return redirect("training_scenario_reviews")
    return render(request, "training/scenario_review.html", context, status=status)


# Members ------------------------------------------------------------------------------


@member_required
def practice(request: MemberRequest) -> HttpResponse:
    """The scenarios aimed at the member, with where they stand on each."""
    states = selectors.states_of_member(membership=request.membership)
    rows = [
        {"scenario": scenario, "state": states.get(scenario.pk, "")}
        for scenario in _labelled(selectors.scenarios_for_member(membership=request.membership))
    ]
    return render(
        request,
        "training/scenario_practice.html",
        {"rows": rows, "state_labels": dict(ResponseState.choices)},
    )


def _member_scenario(request: MemberRequest, scenario_id: int) -> Scenario:
    scenario = selectors.scenario_for_member(membership=request.membership, scenario_id=scenario_id)
    if scenario is None:
        raise Http404
    _labelled([scenario])
    return scenario


@member_required
def practice_scenario(request: MemberRequest, scenario_id: int) -> HttpResponse:
    """The situation, the member's answer (a draft, or the one waiting) and past feedback."""
    scenario = _member_scenario(request, scenario_id)
    status = 200
    errors: list[str] = []
    text: str | None = None
    if request.method == "POST":
        text = request.POST.get("text", "")
        submit = request.POST.get("action") == "submit"
        try:
            if submit:
                services.response_submit(
                    membership=request.membership, scenario=scenario, text=text
                )
            else:
                services.response_save_draft(
                    membership=request.membership, scenario=scenario, text=text
                )
        except ValidationError as error:
            errors = error.messages
            status = 400
        else:
            if submit:
                messages.success(request, _("Answer sent. A trainer will give you feedback."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("practice_scenario", scenario_id=scenario.pk)
    history = list(selectors.responses_of_member(membership=request.membership, scenario=scenario))
    current = history[0] if history else None
    editable = current is None or current.state in (ResponseState.DRAFT, ResponseState.RETRY)
    if text is None:
        # After "another try", the new answer starts from the last one.
        text = current.text if current is not None and editable else ""
    past = [item for item in history if item.state != ResponseState.DRAFT]
    context = {
        "scenario": scenario,
        "situation_html": render_markdown(scenario.situation),
        "current": current,
        "editable": editable,
        "text": text,
        "errors": errors,
        "past": past,
        "max_answer": services.MAX_ANSWER,
        "result": services.scenario_check(
            membership=request.membership, scenario=scenario, text=text
        )
        if text
        else None,
    }
    return render(request, "training/scenario_answer.html", context, status=status)


@require_POST
@member_required
def practice_scenario_check(request: MemberRequest, scenario_id: int) -> HttpResponse:
    """The compliance verdict of the answer as it is typed (htmx)."""
    scenario = _member_scenario(request, scenario_id)
    text = request.POST.get("text", "").replace("\x00", "")[: services.MAX_ANSWER * 2]
    result = services.scenario_check(membership=request.membership, scenario=scenario, text=text)
    return render(request, "training/scenario_check.html", {"result": result})
