"""The admin's page of networks: sharing on/off, publishing with app credentials, caps."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.access import MemberRequest, admin_required
from chorus.networks.registry import CHANNEL_CHOICES, CHANNELS
from chorus.sharing.services.connections import callback_url
from chorus.sharing.services.settings import (
    MAX_DAILY_CAP,
    network_settings_all,
    network_settings_update,
)


class NetworkSettingsForm(forms.Form):
    network = forms.ChoiceField(choices=CHANNEL_CHOICES, widget=forms.HiddenInput)
    sharing_enabled = forms.BooleanField(
        required=False, label=gettext_lazy("Members can share here")
    )
    publishing_enabled = forms.BooleanField(
        required=False,
        label=gettext_lazy("Members can connect accounts and Chorus publishes for them"),
    )
    client_id = forms.CharField(required=False, max_length=300, label=gettext_lazy("App client id"))
    # Write-only: never rendered back (render_value=False), empty keeps the stored one.
    client_secret = forms.CharField(
        required=False,
        max_length=2000,
        label=gettext_lazy("App client secret"),
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the secret already saved."),
    )
    daily_cap = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DAILY_CAP,
        label=gettext_lazy("Shares per member per day"),
        help_text=gettext_lazy("Empty: no cap."),
    )


@admin_required
def network_settings(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    failed: NetworkSettingsForm | None = None
    if request.method == "POST":
        network = str(request.POST.get("network", ""))
        form = NetworkSettingsForm(request.POST, auto_id=f"id_{network[:10]}_%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                network_settings_update(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                    network=data["network"],
                    sharing_enabled=data["sharing_enabled"],
                    publishing_enabled=data["publishing_enabled"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"] or None,
                    daily_cap=data["daily_cap"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Network settings saved."))
                return redirect("network_settings")
        failed = form
    rows = []
    for row in network_settings_all(organization=organization):
        saved = row.settings
        if failed is not None and failed.data.get("network") == row.network:
            form = failed
        else:
            form = NetworkSettingsForm(
                initial={
                    "network": row.network,
                    "sharing_enabled": saved.sharing_enabled,
                    "publishing_enabled": saved.publishing_enabled,
                    "client_id": saved.client_id,
                    "daily_cap": saved.daily_cap,
                },
                auto_id=f"id_{row.network}_%s",
            )
        rows.append({"row": row, "form": form, "has_secret": bool(saved.client_secret)})
    if failed is not None and failed.data.get("network") not in CHANNELS:
        # No section shows this form: say it at the top.
        messages.error(request, _("Choose one of the networks listed."))
    status = 422 if failed is not None else 200
    return render(
        request,
        "sharing/settings/networks.html",
        {"rows": rows, "callback_url": callback_url()},
        status=status,
    )
