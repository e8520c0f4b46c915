"""The webhooks API (admins): endpoints, their secret (returned once), the delivery log,
redelivery and a test event."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.webhooks.catalog import EVENT_NAMES
from chorus.webhooks.models import WebhookDelivery, WebhookEndpoint
from chorus.webhooks.selectors import webhooks as selectors
from chorus.webhooks.services import endpoints as services
from chorus.webhooks.services.delivery import delivery_redeliver
from chorus.webhooks.services.endpoints import EndpointFields

router = Router(tags=["webhooks"])

EventName = Literal[EVENT_NAMES]  # type: ignore[valid-type]


class WebhookEndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str = Field(description="failures (switched off by Chorus), admin, or empty")
    consecutive_failures: int
    created_at: datetime


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret: str = Field(description="The signing secret (whsec_...), returned this once")


class WebhookEndpointIn(Input):
    url: str = Field(max_length=2000, description="An https:// address on the internet")
    description: str = Field(default="", max_length=200)
    event_types: list[EventName] = Field(max_length=20)  # type: ignore[valid-type]


class WebhookEndpointEnabledIn(Input):
    enabled: bool


class WebhookDeliveryOut(Schema):
    id: int
    endpoint_id: int
    message_id: str = Field(description="The webhook-id header, the same on every attempt")
    event_type: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None
    response_excerpt: str
    error: str
    duration_ms: int | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]


class WebhookDeliveryFilters(Schema):
    status: Literal["pending", "delivered", "failed"] | None = None


def _endpoint_out(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.pk,
        url=endpoint.url,
        description=endpoint.description,
        event_types=list(endpoint.event_types),
        enabled=endpoint.enabled,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        consecutive_failures=endpoint.consecutive_failures,
        created_at=endpoint.created_at,
    )


def _with_secret(endpoint: WebhookEndpoint) -> WebhookEndpointCreatedOut:
    return WebhookEndpointCreatedOut(**_endpoint_out(endpoint).dict(), secret=endpoint.secret)


def _delivery_out(delivery: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.pk,
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        response_status=delivery.response_status,
        response_excerpt=delivery.response_excerpt,
        error=delivery.error,
        duration_ms=delivery.duration_ms,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        payload=delivery.payload,
    )


def _endpoint(request: HttpRequest, webhook_endpoint_id: int) -> WebhookEndpoint:
    found = selectors.endpoint_of(
        organization=calling_member(request).organization, endpoint_id=webhook_endpoint_id
    )
    if found is None:
        raise Http404(_("Unknown webhook endpoint."))
    return found


def _fields(body: WebhookEndpointIn) -> EndpointFields:
    return EndpointFields(
        url=body.url, description=body.description, event_types=list(body.event_types)
    )


@router.get("/webhooks", response=list[WebhookEndpointOut], summary="Webhook endpoints")
@api_roles("admin")
def webhook_endpoint_list(request: HttpRequest) -> list[WebhookEndpointOut]:
    organization = calling_member(request).organization
    return [_endpoint_out(e) for e in selectors.endpoints_of(organization=organization)]


@router.post(
    "/webhooks",
    response={201: WebhookEndpointCreatedOut, 422: Error},
    summary="Subscribe an endpoint",
    description="Returns the signing secret this once. Private and local addresses are "
    "refused. Audited.",
)
@api_roles("admin")
def webhook_endpoint_create(
    request: HttpRequest, body: WebhookEndpointIn
) -> Status[WebhookEndpointCreatedOut]:
    caller = calling_member(request)
    endpoint = services.endpoint_create(
        organization=caller.organization, actor=caller.user, fields=_fields(body)
    )
    return Status(201, _with_secret(endpoint))


@router.get(
    "/webhooks/{webhook_endpoint_id}",
    response={200: WebhookEndpointOut, 404: Error},
    summary="One endpoint",
)
@api_roles("admin")
def webhook_endpoint_get(request: HttpRequest, webhook_endpoint_id: PathId) -> WebhookEndpointOut:
    return _endpoint_out(_endpoint(request, webhook_endpoint_id))


@router.put(
    "/webhooks/{webhook_endpoint_id}",
    response={200: WebhookEndpointOut, 404: Error, 422: Error},
    summary="Change an endpoint's address, description or events",
)
@api_roles("admin")
def webhook_endpoint_update(
    request: HttpRequest, webhook_endpoint_id: PathId, body: WebhookEndpointIn
) -> WebhookEndpointOut:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_update(
        endpoint=endpoint, actor=calling_member(request).user, fields=_fields(body)
    )
    return _endpoint_out(endpoint)


@router.put(
    "/webhooks/{webhook_endpoint_id}/enabled",
    response={200: WebhookEndpointOut, 404: Error, 422: Error},
    summary="Switch an endpoint on or off",
)
@api_roles("admin")
def webhook_endpoint_enable(
    request: HttpRequest, webhook_endpoint_id: PathId, body: WebhookEndpointEnabledIn
) -> WebhookEndpointOut:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_set_enabled(
        endpoint=endpoint, actor=calling_member(request).user, enabled=body.enabled
    )
    return _endpoint_out(endpoint)


@router.post(
    "/webhooks/{webhook_endpoint_id}/rotate",
    response={200: WebhookEndpointCreatedOut, 404: Error},
    summary="A new signing secret",
    description="Returns it this once; the previous secret signs too (a second signature) "
    "for 24 hours.",
)
@api_roles("admin")
def webhook_endpoint_rotate(
    request: HttpRequest, webhook_endpoint_id: PathId
) -> WebhookEndpointCreatedOut:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_rotate_secret(endpoint=endpoint, actor=calling_member(request).user)
    return _with_secret(endpoint)


@router.delete(
    "/webhooks/{webhook_endpoint_id}",
    response={204: None, 404: Error},
    summary="Delete an endpoint and its delivery log",
)
@api_roles("admin")
def webhook_endpoint_delete(request: HttpRequest, webhook_endpoint_id: PathId) -> Status[None]:
    endpoint = _endpoint(request, webhook_endpoint_id)
    services.endpoint_delete(endpoint=endpoint, actor=calling_member(request).user)
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_endpoint_id}/test",
    response={202: WebhookDeliveryOut, 404: Error},
    summary="Send a webhook.test event",
)
@api_roles("admin")
def webhook_endpoint_test(
    request: HttpRequest, webhook_endpoint_id: PathId
) -> Status[WebhookDeliveryOut]:
    endpoint = _endpoint(request, webhook_endpoint_id)
    delivery = services.endpoint_send_test(endpoint=endpoint, actor=calling_member(request).user)
    return Status(202, _delivery_out(delivery))


@router.get(
    "/webhooks/{webhook_endpoint_id}/deliveries",
    response={200: list[WebhookDeliveryOut], 404: Error},
    summary="An endpoint's delivery log",
    description="The latest 50, newest first.",
)
@api_roles("admin")
def webhook_delivery_list(
    request: HttpRequest, webhook_endpoint_id: PathId, filters: Query[WebhookDeliveryFilters]
) -> list[WebhookDeliveryOut]:
    endpoint = _endpoint(request, webhook_endpoint_id)
    return [
        _delivery_out(delivery)
        for delivery in selectors.deliveries_of(endpoint=endpoint, status=filters.status or "")
    ]


@router.post(
    "/webhooks/{webhook_endpoint_id}/deliveries/{webhook_delivery_id}/redeliver",
    response={202: WebhookDeliveryOut, 404: Error},
    summary="Send a message again",
    description="The same webhook-id, with a fresh set of attempts. Audited.",
)
@api_roles("admin")
def webhook_delivery_redeliver(
    request: HttpRequest, webhook_endpoint_id: PathId, webhook_delivery_id: PathId
) -> Status[WebhookDeliveryOut]:
    caller = calling_member(request)
    delivery = selectors.delivery_of(
        organization=caller.organization,
        endpoint_id=webhook_endpoint_id,
        delivery_id=webhook_delivery_id,
    )
    if delivery is None:
        raise Http404(_("Unknown delivery."))
    return Status(202, _delivery_out(delivery_redeliver(delivery=delivery, actor=caller.user)))
