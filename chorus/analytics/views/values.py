"""The admin's page of value settings: what a click, reaction, repost and reply are worth."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django_stubs_ext import StrOrPromise

from chorus.accounts.access import MemberRequest, admin_required
from chorus.analytics.selectors import values as value_selectors
from chorus.analytics.services.values import MAX_VALUE, value_settings_update


def _amount(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=MAX_VALUE,
        max_digits=10,
        decimal_places=2,
        help_text=help_text,
    )


class ValueSettingsForm(forms.Form):
    currency = forms.CharField(
        max_length=3,
        min_length=3,
        label=gettext_lazy("Currency"),
        help_text=gettext_lazy("An ISO 4217 code, such as EUR, USD or GBP."),
    )
    per_click = _amount(gettext_lazy("Value of a click"))
    per_reaction = _amount(gettext_lazy("Value of a reaction (like, favourite)"))
    per_repost = _amount(gettext_lazy("Value of a repost (boost, reshare)"))
    per_reply = _amount(gettext_lazy("Value of a reply"))
    cpm = _amount(
        gettext_lazy("Value of 1,000 people of potential reach (CPM)"),
        required=False,
        help_text=gettext_lazy("Empty: potential reach adds nothing to the value."),
    )


@admin_required
def value_settings(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    current = value_selectors.value_settings(organization=organization)
    initial = {
        "currency": current.currency,
        "per_click": current.per_click,
        "per_reaction": current.per_reaction,
        "per_repost": current.per_repost,
        "per_reply": current.per_reply,
        "cpm": current.cpm,
    }
    form = ValueSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            value_settings_update(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, gettext("The value settings were saved."))
            return redirect("value_settings")
    return render(request, "analytics/values.html", {"form": form, "settings": current})
