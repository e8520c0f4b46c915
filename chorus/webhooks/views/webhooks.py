"""The admin's webhook pages: endpoints, their secret (shown once), the delivery log,
redelivery and a test event."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.models import User
from chorus.webhooks.catalog import EVENT_TYPES, PAYLOAD_VERSION, event_label
from chorus.webhooks.models import DeliveryStatus, WebhookEndpoint
from chorus.webhooks.selectors import webhooks as selectors
from chorus.webhooks.services import endpoints as services
from chorus.webhooks.services.delivery import delivery_redeliver
from chorus.webhooks.services.endpoints import EndpointFields


def _actor(request: MemberRequest) -> User:
    return request.user  # type: ignore[return-value]


def _endpoint(request: MemberRequest, webhook_endpoint_id: int) -> WebhookEndpoint:
    endpoint = selectors.endpoint_of(
        organization=request.organization, endpoint_id=webhook_endpoint_id
    )
    if endpoint is None:
        raise Http404(_("Unknown webhook endpoint."))
    return endpoint


def _fields(request: MemberRequest) -> EndpointFields:
    return EndpointFields(
        url=request.POST.get("url", "").replace("\x00", "")[:3000],
        description=request.POST.get("description", "").replace("\x00", "")[:1000],
        event_types=[value[:60] for value in request.POST.getlist("event_types")[:50]],
    )


def _errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {field: " ".join(error.message_dict[field]) for field in error.error_dict}
    return {"form": " ".join(error.messages)}


def _form_context(fields: EndpointFields | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "event_types": EVENT_TYPES,
        "values": fields or EndpointFields(url="", description="", event_types=[]),
        "errors": {},
    }
    context.update(extra)
    return context


@admin_required
def webhooks(request: MemberRequest) -> HttpResponse:
    endpoints = list(selectors.endpoints_of(organization=request.organization))
    return render(
        request,
        "webhooks/list.html",
        {"endpoints": endpoints, "event_types": EVENT_TYPES, "version": PAYLOAD_VERSION},
    )


@admin_required
def webhook_new(request: MemberRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "webhooks/form.html", _form_context(None))
    fields = _fields(request)
    try:
        endpoint = services.endpoint_create(
            organization=request.organization, actor=_actor(request), fields=fields
        )
    except ValidationError as error:
        return render(
            request, "webhooks/form.html", _form_context(fields, errors=_errors(error)), status=400
        )
    messages.success(request, _("The endpoint is subscribed."))
    return _endpoint_page(request, endpoint, new_secret=endpoint.secret)


def _endpoint_page(
    request: MemberRequest, endpoint: WebhookEndpoint, *, new_secret: str = ""
) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in DeliveryStatus.values:
        status = ""
    deliveries = selectors.deliveries_of(endpoint=endpoint, status=status)
    for delivery in deliveries:
        delivery.type_label = event_label(delivery.event_type)  # type: ignore[attr-defined]
    return render(
        request,
        "webhooks/endpoint.html",
        {
            "endpoint": endpoint,
            "new_secret": new_secret,
            "deliveries": deliveries,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "type_labels": [event_label(name) for name in endpoint.event_types],
        },
    )


@admin_required
def webhook_endpoint(request: MemberRequest, webhook_endpoint_id: int) -> HttpResponse:
    return _endpoint_page(request, _endpoint(request, webhook_endpoint_id))


@admin_required
def webhook_edit(request: MemberRequest, webhook_endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_endpoint_id)
    if request.method != "POST":
        fields = EndpointFields(
            url=endpoint.url, description=endpoint.description, event_types=endpoint.event_types
        )
        return render(request, "webhooks/form.html", _form_context(fields, endpoint=endpoint))
    fields = _fields(request)
    try:
        services.endpoint_update(endpoint=endpoint, actor=_actor(request), fields=fields)
    except ValidationError as error:
        endpoint.refresh_from_db()
        return render(
            request,
            "webhooks/form.html",
            _form_context(fields, endpoint=endpoint, errors=_errors(error)),
            status=400,
        )
    messages.success(request, _("The endpoint is saved."))
    return redirect("webhook_endpoint", endpoint.pk)


@admin_required
@require_POST
def webhook_enabled(request: MemberRequest, webhook_endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_endpoint_id)
    enabled = request.POST.get("enabled") == "on"
    services.endpoint_set_enabled(endpoint=endpoint, actor=_actor(request), enabled=enabled)
    messages.success(
        request,
        _("The endpoint is switched on.") if enabled else _("The endpoint is switched off."),
    )
    return redirect("webhook_endpoint", endpoint.pk)


@admin_required
@require_POST
def webhook_rotate(request: MemberRequest, webhook_endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_rotate_secret(endpoint=endpoint, actor=_actor(request))
    messages.success(
        request,
        _("A new secret signs every message; the old one signs them too for 24 hours."),
    )
    return _endpoint_page(request, endpoint, new_secret=endpoint.secret)


@admin_required
@require_POST
def webhook_delete(request: MemberRequest, webhook_endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_delete(endpoint=endpoint, actor=_actor(request))
    messages.success(request, _("The endpoint and its delivery log are deleted."))
    return redirect("webhooks")


@admin_required
@require_POST
def webhook_test(request: MemberRequest, webhook_endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_send_test(endpoint=endpoint, actor=_actor(request))
    messages.success(request, _("A test event is on its way: its outcome appears in the log."))
    return redirect("webhook_endpoint", endpoint.pk)


@admin_required
@require_POST
def webhook_redeliver(
    request: MemberRequest, webhook_endpoint_id: int, webhook_delivery_id: int
) -> HttpResponse:
    delivery = selectors.delivery_of(
        organization=request.organization,
        endpoint_id=webhook_endpoint_id,
        delivery_id=webhook_delivery_id,
    )
    if delivery is None:
        raise Http404(_("Unknown delivery."))
    delivery_redeliver(delivery=delivery, actor=_actor(request))
    messages.success(request, _("The message is sent again, with the same webhook-id."))
    return redirect("webhook_endpoint", webhook_endpoint_id)
