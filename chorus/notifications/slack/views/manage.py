"""The admin's Slack page: add Chorus to the organization's workspace, choose the channels
it posts to and what each receives, disconnect.

The install's state waits in the admin's session between the redirect to Slack and the
callback; a callback whose state does not match stores nothing.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.notifications.slack.models import ROUTE_CATEGORIES, SlackChannelRoute
from chorus.notifications.slack.selectors.workspaces import route_get, routes_of, workspace_of
from chorus.notifications.slack.services import routes as route_services
from chorus.notifications.slack.services import workspaces as services

SESSION_KEY = "slack_install"


class RouteForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Posts here"),
        choices=[(category.value, category.label) for category in ROUTE_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    crisis_alerts = forms.BooleanField(
        label=gettext_lazy(
            "Post crisis alerts here (a private channel of the communications team)"
        ),
        required=False,
    )


class RouteAddForm(RouteForm):
    channel_id = forms.CharField(max_length=32, widget=forms.HiddenInput)


def _form_errors(request: MemberRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _route_forms(routes: list[SlackChannelRoute]) -> list[tuple[SlackChannelRoute, RouteForm]]:
    return [
        (
            route,
            RouteForm(
                prefix=f"route-{route.pk}",
                initial={"categories": route.categories, "crisis_alerts": route.crisis_alerts},
            ),
        )
        for route in routes
    ]


def _urls() -> dict[str, str]:
    """The addresses the operator enters in the Slack app's settings."""
    return {
        "redirect_url": services.install_callback_url(),
        "events_url": settings.SITE_URL + reverse("slack_events"),
        "interactivity_url": settings.SITE_URL + reverse("slack_interactivity"),
    }


@admin_required
def slack_manage(request: MemberRequest) -> HttpResponse:
    workspace = workspace_of(organization=request.organization)
    routes = routes_of(organization=request.organization) if workspace is not None else []
    return render(
        request,
        "notifications_slack/manage.html",
        {
            "missing": services.slack_missing_settings(),
            "workspace": workspace,
            "route_forms": _route_forms(routes),
            "revoked_reasons": {
                services.REVOKED_DISCONNECTED: _("An admin disconnected it."),
                services.REVOKED_UNINSTALLED: _("Chorus was removed from the workspace in Slack."),
                services.REVOKED_TOKEN: _("Its access was revoked in Slack."),
                services.REVOKED_REFUSED: _("Slack refused Chorus's access."),
            },
            **_urls(),
        },
    )


@require_POST
@admin_required
def slack_install(request: MemberRequest) -> HttpResponse:
    try:
        start = services.install_start()
    except ValidationError as error:
        _form_errors(request, error)
        return redirect("slack_manage")
    request.session[SESSION_KEY] = {"organization": request.organization.pk, "state": start.state}
    # A page that moves on by itself, not a redirect: the CSP's form-action 'self' makes
    # browsers block a form whose answer redirects to another site.
    return render(request, "notifications_slack/opening.html", {"url": start.url})


@admin_required
def slack_install_callback(request: MemberRequest) -> HttpResponse:
    # The pending install is used once, whatever the outcome.
    pending = request.session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict) or pending.get("organization") != request.organization.pk:
        messages.error(
            request, _("This install did not start here or has expired; nothing was connected.")
        )
        return redirect("slack_manage")
    if request.GET.get("error"):
        messages.error(request, _("Slack did not grant access; nothing was connected."))
        return redirect("slack_manage")
    try:
        workspace = services.install_complete(
            membership=request.membership,
            expected_state=str(pending.get("state") or ""),
            state=str(request.GET.get("state", "")),
            code=str(request.GET.get("code", "")),
        )
    except ValidationError as error:
        _form_errors(request, error)
        return redirect("slack_manage")
    messages.success(
        request,
        _("Chorus is in the Slack workspace %(team)s. Choose the channels it posts to.")
        % {"team": str(workspace)},
    )
    return redirect("slack_manage")


@require_POST
@admin_required
def slack_disconnect(request: MemberRequest) -> HttpResponse:
    workspace = workspace_of(organization=request.organization)
    if workspace is None or workspace.revoked_at is not None:
        return redirect("slack_manage")
    if services.workspace_disconnect(workspace=workspace, membership=request.membership):
        messages.success(request, _("Slack is disconnected; Chorus deleted its token."))
    else:
        messages.warning(
            request,
            _(
                "Slack is disconnected here and Chorus deleted its token, but Slack could not "
                "be reached to revoke it: remove Chorus from the workspace in Slack's settings."
            ),
        )
    return redirect("slack_manage")


@admin_required
def slack_channels(request: MemberRequest) -> HttpResponse:
    """One page of the channels Chorus can see, to choose from."""
    workspace = workspace_of(organization=request.organization)
    if workspace is None or not workspace.is_connected:
        return redirect("slack_manage")
    cursor = str(request.GET.get("cursor", ""))[:500]
    try:
        page = route_services.channels_page(workspace=workspace, cursor=cursor)
    except ValidationError as error:
        _form_errors(request, error)
        return redirect("slack_manage")
    added = {route.channel_id for route in routes_of(organization=request.organization)}
    rows = [
        (channel, RouteAddForm(prefix=f"add-{channel.id}", initial={"channel_id": channel.id}))
        for channel in page.channels
    ]
    return render(
        request,
        "notifications_slack/channels.html",
        {
            "workspace": workspace,
            "rows": rows,
            "added": added,
            "next_cursor": page.next_cursor,
            "paged": bool(cursor),
        },
    )


@require_POST
@admin_required
def slack_route_add(request: MemberRequest) -> HttpResponse:
    workspace = workspace_of(organization=request.organization)
    if workspace is None or not workspace.is_connected:
        return redirect("slack_manage")
    prefix = str(request.POST.get("prefix", ""))[:50]
    form = RouteAddForm(request.POST, prefix=prefix or None)
    if not form.is_valid():
        messages.error(request, _("Choose a channel and what it receives."))
        return redirect("slack_channels")
    try:
        route = route_services.route_add(
            membership=request.membership,
            workspace=workspace,
            channel_id=form.cleaned_data["channel_id"],
            categories=list(form.cleaned_data["categories"]),
            crisis_alerts=form.cleaned_data["crisis_alerts"],
        )
    except ValidationError as error:
        _form_errors(request, error)
        return redirect("slack_channels")
    messages.success(request, _("Chorus posts to %(channel)s.") % {"channel": str(route)})
    return redirect("slack_manage")


@require_POST
@admin_required
def slack_route_update(request: MemberRequest, slack_route_id: int) -> HttpResponse:
    route = route_get(organization=request.organization, route_id=slack_route_id)
    form = RouteForm(request.POST, prefix=f"route-{route.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose what the channel receives among the choices shown."))
        return redirect("slack_manage")
    try:
        route_services.route_update(
            membership=request.membership,
            route=route,
            categories=list(form.cleaned_data["categories"]),
            crisis_alerts=form.cleaned_data["crisis_alerts"],
        )
    except ValidationError as error:
        _form_errors(request, error)
        return redirect("slack_manage")
    messages.success(request, _("Saved what %(channel)s receives.") % {"channel": str(route)})
    return redirect("slack_manage")


@require_POST
@admin_required
def slack_route_resume(request: MemberRequest, slack_route_id: int) -> HttpResponse:
    route = route_get(organization=request.organization, route_id=slack_route_id)
    route_services.route_resume(membership=request.membership, route=route)
    messages.success(request, _("Chorus posts to %(channel)s again.") % {"channel": str(route)})
    return redirect("slack_manage")


@require_POST
@admin_required
def slack_route_remove(request: MemberRequest, slack_route_id: int) -> HttpResponse:
    route = route_get(organization=request.organization, route_id=slack_route_id)
    label = str(route)
    route_services.route_remove(membership=request.membership, route=route)
    messages.success(request, _("Chorus no longer posts to %(channel)s.") % {"channel": label})
    return redirect("slack_manage")
