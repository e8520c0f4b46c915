"""A member's own Slack page: link their Slack account (found by their email, confirmed on
the page), see it, unlink it at any time.

Whom Chorus found waits in the member's session until they confirm, so the account linked
is always the one Slack gave for their own email, never one sent in the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.notifications.slack.selectors.workspaces import link_of, workspace_connected
from chorus.notifications.slack.services import links as services

SESSION_KEY = "slack_link_candidate"


def _candidate(request: MemberRequest) -> services.SlackAccount | None:
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("membership") != request.membership.pk:
        return None
    return services.SlackAccount(
        workspace_id=int(pending.get("workspace") or 0),
        user_id=str(pending.get("user_id") or ""),
        name=str(pending.get("name") or ""),
    )


@member_required
def slack_me(request: MemberRequest) -> HttpResponse:
    workspace = workspace_connected(organization=request.organization)
    link = link_of(membership=request.membership)
    candidate = _candidate(request) if workspace is not None else None
    if candidate is not None and (workspace is None or candidate.workspace_id != workspace.pk):
        candidate = None
    return render(
        request,
        "notifications_slack/me.html",
        {
            "workspace": workspace,
            "link": link if link is not None and link.workspace.is_connected else None,
            "candidate": candidate,
            "email": request.membership.user.email,
        },
    )


@require_POST
@member_required
def slack_me_find(request: MemberRequest) -> HttpResponse:
    workspace = workspace_connected(organization=request.organization)
    if workspace is None:
        messages.error(request, _("Slack is not connected in your organization."))
        return redirect("slack_me")
    try:
        account = services.link_find(membership=request.membership, workspace=workspace)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("slack_me")
    request.session[SESSION_KEY] = {
        "membership": request.membership.pk,
        "workspace": account.workspace_id,
        "user_id": account.user_id,
        "name": account.name,
    }
    return redirect("slack_me")


@require_POST
@member_required
def slack_me_confirm(request: MemberRequest) -> HttpResponse:
    candidate = _candidate(request)
    request.session.pop(SESSION_KEY, None)
    if request.POST.get("action") == "cancel":
        messages.info(request, _("Nothing was linked."))
        return redirect("slack_me")
    workspace = workspace_connected(organization=request.organization)
    if candidate is None or workspace is None:
        messages.error(request, _("Look for your Slack account first."))
        return redirect("slack_me")
    try:
        link = services.link_confirm(
            membership=request.membership, workspace=workspace, account=candidate
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("slack_me")
    messages.success(
        request,
        _(
            "Your Slack account %(name)s is linked. Choose what comes to you in Slack in "
            "your notification settings."
        )
        % {"name": str(link)},
    )
    return redirect("slack_me")


@require_POST
@member_required
def slack_me_unlink(request: MemberRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    if services.link_remove(membership=request.membership):
        messages.success(
            request, _("Your Slack account is unlinked: Chorus sends you nothing in Slack.")
        )
    return redirect("slack_me")
