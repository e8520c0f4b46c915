"""The admin's writing-help page: on or off, the endpoint, the model, the key."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chorus.accounts.access import MemberRequest, admin_required
from chorus.writing.forms import WritingSettingsForm
from chorus.writing.selectors.settings import writing_settings_for
from chorus.writing.services.settings import writing_settings_update
from chorus.writing.services.suggestions import sent_summary


@admin_required
def writing_settings(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    current = writing_settings_for(organization=organization)
    initial = {"enabled": current.enabled, "base_url": current.base_url, "model": current.model}
    form = WritingSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            key = "" if data["remove_key"] else (data["api_key"] or None)
            try:
                writing_settings_update(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                    enabled=data["enabled"],
                    base_url=data["base_url"],
                    model=data["model"],
                    api_key=key,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The writing help settings were saved."))
                return redirect("writing_settings")
        status = 400
    context = {
        "form": form,
        "current": current,
        "has_key": bool(current.api_key),
        "sent": sent_summary(organization=organization),
    }
    return render(request, "writing/settings.html", context, status=status)
