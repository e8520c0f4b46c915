"""Answering customers: a member's own choice (opt in, out, duty, hours, languages,
product areas), and the team an admin oversees (who is cleared)."""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.care.models import CareAgent, CareTag
from chorus.care.selectors import agents as selectors
from chorus.care.services import agents as services
from chorus.care.services.routing import care_gates
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_check

WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]


def _zones() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(available_timezones())]


class AgentForm(forms.Form):
    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    work_days = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Work days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    work_start = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    work_end = forms.TimeField(
        label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Language codes, separated by commas (en, de). Empty: any."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Product areas"),
        queryset=CareTag.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None chosen: any."),
    )
    max_open = forms.IntegerField(
        label=gettext_lazy("At most open at once"), min_value=1, max_value=50
    )

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["timezone"]).choices = _zones()
        self.fields["tags"].queryset = CareTag.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id
        )


def _initial(agent: CareAgent | None) -> dict[str, Any]:
    if agent is None or agent.pk is None:
        agent = CareAgent()
        return {
            "timezone": agent.timezone,
            "work_days": agent.work_days,
            "work_start": agent.work_start,
            "work_end": agent.work_end,
            "languages": "",
            "max_open": agent.max_open,
        }
    return {
        "timezone": agent.timezone,
        "work_days": agent.work_days,
        "work_start": agent.work_start,
        "work_end": agent.work_end,
        "languages": ", ".join(agent.languages or []),
        "tags": list(agent.tags.all()),
        "max_open": agent.max_open,
    }


@role_required()
@require_http_methods(["GET", "POST"])
def care_me(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    agent = selectors.agent_of(membership=membership)
    form = AgentForm(
        request.POST or None, initial=_initial(agent), organization_id=membership.organization_id
    )
    status = 200
    if request.method == "POST":
        if agent is None or not agent.opted_in:
            messages.error(request, _("Choose to answer customers first."))
            return redirect("care_me")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.agent_update(
                    membership=membership,
                    timezone_name=data["timezone"],
                    work_days=data["work_days"],
                    work_start=data["work_start"],
                    work_end=data["work_end"],
                    languages=data["languages"].split(","),
                    tag_ids=[tag.pk for tag in data["tags"]],
                    max_open=data["max_open"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Your customer care profile is saved."))
                return redirect("care_me")
        status = 400
    gated = bool(care_gates(membership.organization_id))
    context = {
        "agent": agent,
        "form": form,
        "gated": gated,
        "verdict": gate_check(membership=membership, action=GateAction.CARE) if gated else None,
        "cleared": selectors.agent_cleared(agent=agent) if agent is not None else False,
    }
    return render(request, "care/me.html", context, status=status)


@role_required()
@require_POST
def care_opt_in(request: MemberRequest) -> HttpResponse:
    services.agent_opt_in(membership=request.membership)
    messages.success(request, _("Thank you: you answer customers now. Set your hours below."))
    return redirect("care_me")


@role_required()
@require_POST
def care_opt_out(request: MemberRequest) -> HttpResponse:
    handed_back = services.agent_opt_out(membership=request.membership)
    if handed_back:
        messages.success(
            request,
            _("You no longer answer customers; %(count)s open conversations went back.")
            % {"count": handed_back},
        )
    else:
        messages.success(request, _("You no longer answer customers."))
    return redirect("care_me")


@role_required()
@require_POST
def care_duty(request: MemberRequest) -> HttpResponse:
    on_duty = request.POST.get("on_duty") == "1"
    try:
        services.agent_duty_set(membership=request.membership, on_duty=on_duty)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are on duty.") if on_duty else _("You are off duty."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("care_me")


@role_required("admin")
@require_http_methods(["GET"])
def care_team(request: MemberRequest) -> HttpResponse:
    rows = selectors.care_team(organization=request.organization)
    return render(
        request,
        "care/team.html",
        {"rows": rows, "gated": bool(care_gates(request.organization.pk))},
    )


@role_required("admin")
@require_POST
def care_team_clear(request: MemberRequest, agent_id: int) -> HttpResponse:
    try:
        agent = selectors.agent_get(organization=request.organization, agent_id=agent_id)
    except CareAgent.DoesNotExist:
        raise Http404 from None
    cleared = request.POST.get("cleared") == "1"
    services.agent_clear_set(agent=agent, cleared=cleared, actor=request.membership)
    messages.success(
        request,
        _("%(name)s is cleared to answer customers.") % {"name": agent.membership}
        if cleared
        else _("%(name)s is no longer cleared to answer customers.") % {"name": agent.membership},
    )
    return redirect("care_team")
