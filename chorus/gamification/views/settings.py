"""The admin's gamification page: the switch, points and daily caps per rule."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chorus.accounts.access import MemberRequest, admin_required
from chorus.gamification.forms import GamificationSettingsForm
from chorus.gamification.services.items import grouped
from chorus.gamification.services.points import gamification_enabled
from chorus.gamification.services.settings import (
    MAX_RULE_VALUE,
    gamification_settings_update,
    rule_settings,
)


@admin_required
def gamification_settings(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    rules = rule_settings(organization=organization)
    enabled = gamification_enabled(organization_id=organization.pk)
    initial: dict[str, object] = {"enabled": enabled}
    for setting in rules:
        initial[f"{setting.rule}_points"] = setting.points
        initial[f"{setting.rule}_daily_cap"] = setting.daily_cap
    form = GamificationSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial, rules=rules
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                gamification_settings_update(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                    enabled=form.cleaned_data["enabled"],
                    rules=form.rule_values(),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The gamification settings were saved."))
                return redirect("gamification_settings")
        status = 400
    return render(
        request,
        "gamification/settings.html",
        {"form": form, "enabled": enabled, "max_value_text": grouped(MAX_RULE_VALUE)},
        status=status,
    )
