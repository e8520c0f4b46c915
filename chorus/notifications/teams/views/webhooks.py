"""The Teams page of the administration: the channels Chorus posts to, each through a
Workflows webhook; adding, changing and removing them, and "Send a test"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.notifications.models import DeliveryStatus
from chorus.notifications.teams.forms import TeamsWebhookForm
from chorus.notifications.teams.models import TeamsWebhook
from chorus.notifications.teams.selectors.webhooks import webhook_get, webhooks_for
from chorus.notifications.teams.services import webhooks as services


def _webhook(request: MemberRequest, webhook_id: int) -> TeamsWebhook:
    found = webhook_get(organization=request.organization, webhook_id=webhook_id)
    if found is None:
        raise Http404
    return found


def _fields(form: TeamsWebhookForm) -> services.WebhookFields:
    data = form.cleaned_data
    return services.WebhookFields(
        name=data["name"],
        url=data["url"] or None,
        categories=list(data["categories"]),
        crisis_alerts=data["crisis_alerts"],
    )


def _apply_errors(form: TeamsWebhookForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@admin_required
def teams_webhooks(request: MemberRequest) -> HttpResponse:
    """Each channel with what it receives and how its last post went, and how to make a
    webhook in Teams."""
    return render(
        request,
        "notifications_teams/webhooks.html",
        {"webhooks": webhooks_for(organization=request.organization)},
    )


@admin_required
def teams_webhook_new(request: MemberRequest) -> HttpResponse:
    form = TeamsWebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.webhook_create(membership=request.membership, fields=_fields(form))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Added “%(name)s”. Send a test to check that the card arrives.")
                % {"name": webhook.name},
            )
            return redirect("teams_webhooks")
    return render(
        request,
        "notifications_teams/webhook_form.html",
        {"form": form, "webhook": None},
        status=400 if form.is_bound else 200,
    )


@admin_required
def teams_webhook_edit(request: MemberRequest, teams_webhook_id: int) -> HttpResponse:
    webhook = _webhook(request, teams_webhook_id)
    initial = {
        "name": webhook.name,
        "categories": list(webhook.categories),
        "crisis_alerts": webhook.crisis_alerts,
    }
    form = TeamsWebhookForm(request.POST or None, initial=initial, host=webhook.host or "?")
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(
                membership=request.membership, webhook=webhook, fields=_fields(form)
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Saved “%(name)s”.") % {"name": webhook.name})
            return redirect("teams_webhooks")
    return render(
        request,
        "notifications_teams/webhook_form.html",
        {"form": form, "webhook": webhook},
        status=400 if form.is_bound else 200,
    )


@require_POST
@admin_required
def teams_webhook_delete(request: MemberRequest, teams_webhook_id: int) -> HttpResponse:
    webhook = _webhook(request, teams_webhook_id)
    name = webhook.name
    services.webhook_delete(membership=request.membership, webhook=webhook)
    messages.success(
        request,
        _("Removed “%(name)s”. Delete its workflow in Teams too.") % {"name": name},
    )
    return redirect("teams_webhooks")


@require_POST
@admin_required
def teams_webhook_test(request: MemberRequest, teams_webhook_id: int) -> HttpResponse:
    """Post a test card now and say what happened, in words."""
    webhook = _webhook(request, teams_webhook_id)
    was_stopped = webhook.is_stopped
    delivery = services.webhook_test(membership=request.membership, webhook=webhook)
    values = {"name": webhook.name, "error": delivery.error}
    if delivery.status == DeliveryStatus.SENT:
        if was_stopped:
            text = _(
                "The test card was posted in “%(name)s”: Chorus posts there again. Look for "
                "the card in the channel."
            )
        else:
            text = _("The test card was posted in “%(name)s”. Look for it in the channel.")
        messages.success(request, text % values)
    elif delivery.status == DeliveryStatus.QUEUED:
        messages.error(
            request,
            _(
                "The test card could not be posted in “%(name)s” for now: %(error)s "
                "Chorus tries again in a few minutes."
            )
            % values,
        )
    elif webhook.is_stopped:
        messages.error(
            request,
            _(
                "The test card was not posted in “%(name)s”: %(error)s Chorus stopped "
                "posting there until it has a new address or a test gets through."
            )
            % values,
        )
    else:
        messages.error(request, _("The test card was not posted in “%(name)s”: %(error)s") % values)
    return redirect("teams_webhooks")
