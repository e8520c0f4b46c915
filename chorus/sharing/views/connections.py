"""A member's connected accounts: connect (OAuth or Bluesky's app password), reconnect,
disconnect, and the auto-share opt-in.

The OAuth state and PKCE verifier wait in the session between the redirect to the
network and its callback; a callback whose state does not match stores nothing.
"""

from __future__ import annotations

import zoneinfo
from datetime import time
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.networks.base import Authorization
from chorus.networks.registry import CHANNELS, adapter
from chorus.sharing.models import AutoShare, NetworkConnection
from chorus.sharing.services.connections import (
    PASSWORD_NETWORKS,
    callback_url,
    connection_complete,
    connection_disconnect,
    connection_password_login,
    connection_start,
)
from chorus.sharing.services.schedule import (
    autoshare_disable,
    autoshare_enable,
    autoshare_networks_available,
)
from chorus.sharing.services.settings import network_settings_all
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_check

SESSION_KEY = "sharing_oauth"


class AutoShareForm(forms.Form):
    networks = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Networks")
    )
    time_of_day = forms.TimeField(
        # Translators: the time of day auto-share posts ("At 09:00").
        label=gettext_lazy("At"),
        initial=time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    timezone = forms.ChoiceField(choices=[], label=gettext_lazy("Time zone"))
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that Chorus publishes the post of the day in my name on these "
            "networks, every day, for one year (I can stop it at any time)."
        )
    )

    def __init__(self, *args: Any, networks: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["networks"].choices = [(n, adapter(n).label) for n in networks]  # type: ignore[attr-defined]
        zones = sorted(zoneinfo.available_timezones()) or ["UTC"]
        self.fields["timezone"].choices = [(zone, zone) for zone in zones]  # type: ignore[attr-defined]


def _page_context(
    request: MemberRequest, autoshare_form: AutoShareForm | None = None
) -> dict[str, Any]:
    membership = request.membership
    connections = {
        connection.network: connection
        for connection in NetworkConnection.objects.filter(membership=membership)
    }
    rows = [
        {
            "network": row.network,
            "label": row.label,
            "connection": connections.get(row.network),
            "password": row.network in PASSWORD_NETWORKS,
            "instance": row.network == "mastodon",
        }
        for row in network_settings_all(organization=request.organization)
        if row.can_publish and row.settings.sharing_enabled and row.settings.publishing_enabled
    ]
    available = autoshare_networks_available(membership=membership)
    auto = AutoShare.objects.filter(membership=membership).first()
    if autoshare_form is None:
        initial: dict[str, Any] = {"timezone": "UTC"}
        if auto is not None:
            initial = {
                "networks": auto.networks,
                "time_of_day": auto.time_of_day,
                "timezone": auto.timezone,
            }
        autoshare_form = AutoShareForm(networks=available, initial=initial)
    return {
        "rows": rows,
        "auto": auto,
        "autoshare_form": autoshare_form,
        "autoshare_available": bool(available),
        # Auto-share may need a certification (or the policy): why, and the course to take.
        "autoshare_gate": gate_check(membership=membership, action=GateAction.AUTO_SHARE),
    }


@member_required
def connections(request: MemberRequest) -> HttpResponse:
    return render(request, "sharing/connections/index.html", _page_context(request))


@require_POST
@member_required
def connection_connect(request: MemberRequest) -> HttpResponse:
    network = str(request.POST.get("network", ""))
    if network not in CHANNELS:
        messages.error(request, _("Choose a network to connect."))
        return redirect("connections")
    try:
        authorization = connection_start(
            membership=request.membership,
            network=network,
            redirect_uri=callback_url(),
            instance=str(request.POST.get("instance", ""))[:300],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("connections")
    request.session[SESSION_KEY] = {
        "network": network,
        "organization": request.organization.pk,
        "state": authorization.state,
        "code_verifier": authorization.code_verifier,
        "extra": authorization.extra,
    }
    # A page that moves on by itself, not a redirect: the CSP's form-action 'self' makes
    # browsers block a form whose answer redirects to another site.
    return render(
        request,
        "sharing/share_opening.html",
        {"intent_url": authorization.url, "label": adapter(network).label},
    )


@member_required
def connection_callback(request: MemberRequest) -> HttpResponse:
    # The pending sign-in is used once, whatever the outcome.
    pending = request.session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict) or pending.get("organization") != request.organization.pk:
        messages.error(
            request, _("This sign-in did not start here or has expired; nothing was connected.")
        )
        return redirect("connections")
    network = str(pending.get("network", ""))
    if request.GET.get("error"):
        messages.error(
            request,
            _("%(network)s did not grant access; nothing was connected.")
            % {"network": adapter(network).label},
        )
        return redirect("connections")
    authorization = Authorization(
        url="",
        state=str(pending.get("state", "")),
        code_verifier=str(pending.get("code_verifier", "")),
        extra={str(k): str(v) for k, v in dict(pending.get("extra") or {}).items()},
    )
    try:
        connection = connection_complete(
            membership=request.membership,
            network=network,
            authorization=authorization,
            state=str(request.GET.get("state", "")),
            code=str(request.GET.get("code", "")),
            redirect_uri=callback_url(),
            instance=authorization.extra.get("instance", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("connections")
    messages.success(
        request,
        _("Your %(network)s account %(handle)s is connected.")
        % {"network": adapter(network).label, "handle": connection.handle},
    )
    return redirect("connections")


@require_POST
@member_required
def connection_password(request: MemberRequest) -> HttpResponse:
    network = str(request.POST.get("network", "bluesky"))
    try:
        connection = connection_password_login(
            membership=request.membership,
            network=network if network in CHANNELS else "",
            handle=str(request.POST.get("handle", ""))[:300],
            app_password=str(request.POST.get("app_password", ""))[:300],
            server=str(request.POST.get("server", ""))[:253],
        )
    except (ValidationError, ValueError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("connections")
    messages.success(
        request,
        _("Your %(network)s account %(handle)s is connected.")
        % {"network": adapter(network).label, "handle": connection.handle},
    )
    return redirect("connections")


@require_POST
@member_required
def connection_disconnect_view(request: MemberRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(
        NetworkConnection, pk=connection_id, membership=request.membership
    )
    label = adapter(connection.network).label
    connection_disconnect(connection=connection, actor=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        _("Your %(network)s account is disconnected; Chorus deleted its tokens.")
        % {"network": label},
    )
    return redirect("connections")


@require_POST
@member_required
def autoshare_update(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    if request.POST.get("action") == "disable":
        autoshare_disable(membership=membership, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Auto-share is off."))
        return redirect("connections")
    form = AutoShareForm(request.POST, networks=autoshare_networks_available(membership=membership))
    if form.is_valid():
        data = form.cleaned_data
        try:
            auto = autoshare_enable(
                membership=membership,
                actor=request.user,  # type: ignore[arg-type]
                networks=list(data["networks"]),
                time_of_day=data["time_of_day"],
                tz=data["timezone"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Auto-share is on until %(date)s; you can stop it any time.")
                % {"date": date_format(auto.expires_at, "DATE_FORMAT")},
            )
            return redirect("connections")
    return render(
        request,
        "sharing/connections/index.html",
        _page_context(request, autoshare_form=form),
        status=422,
    )
