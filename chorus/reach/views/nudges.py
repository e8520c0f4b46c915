"""The admin's nudges page: on or off, after how many days, and what nudging does."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.access import MemberRequest, admin_required
from chorus.reach.models import NUDGE_MINIMUM_DAYS
from chorus.reach.selectors.nudges import nudge_months
from chorus.reach.services.settings import nudge_settings_update, reach_settings_for


class NudgeSettingsForm(forms.Form):
    nudges_enabled = forms.BooleanField(
        label=gettext_lazy("Invite members who have not shared lately"), required=False
    )
    nudge_after_days = forms.IntegerField(
        label=gettext_lazy("After this many days without a share"),
        min_value=NUDGE_MINIMUM_DAYS,
        max_value=365,
        help_text=gettext_lazy("At least 30. A member gets at most one invitation a month."),
    )


@admin_required
def nudges_manage(request: MemberRequest) -> HttpResponse:
    found = reach_settings_for(organization=request.organization)
    form = NudgeSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "nudges_enabled": found.nudges_enabled,
            "nudge_after_days": found.nudge_after_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            nudge_settings_update(
                organization=request.organization,
                actor=request.user,  # type: ignore[arg-type]
                enabled=form.cleaned_data["nudges_enabled"],
                days=form.cleaned_data["nudge_after_days"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Nudge settings saved."))
            return redirect("reach_nudges")
    return render(
        request,
        "reach/nudges.html",
        {
            "form": form,
            "settings": found,
            "months": nudge_months(organization=request.organization),
        },
        status=400 if request.method == "POST" else 200,
    )
