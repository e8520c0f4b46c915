"""Emitting events: `webhook_emit` queues one delivery per subscribed endpoint once the
caller's transaction commits.

An organization without endpoints costs one cached lookup (the event types its enabled
endpoints receive, kept CACHE_SECONDS and forgotten whenever an endpoint changes).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from chorus.core.tenancy import in_organization
from chorus.webhooks.catalog import EVENT_NAMES, PAYLOAD_VERSION, TEST_EVENT
from chorus.webhooks.models import WebhookDelivery, WebhookEndpoint

CACHE_SECONDS = 30


def _cache_key(organization_id: int) -> str:
    return f"webhooks:types:{organization_id}"


def subscribed_types(organization_id: int) -> frozenset[str]:
    """The event types the organization's enabled endpoints receive (cached)."""
    key = _cache_key(organization_id)
    found = cache.get(key)
    if found is None:
        with in_organization(organization_id):
            lists = WebhookEndpoint.objects.filter(
                organization_id=organization_id, enabled=True
            ).values_list("event_types", flat=True)
            found = sorted({name for names in lists for name in names})
        cache.set(key, found, CACHE_SECONDS)
    return frozenset(found)


def subscriptions_changed(organization_id: int) -> None:
    cache.delete(_cache_key(organization_id))


def member_data(membership: Any) -> dict[str, Any]:
    """How a member appears in a payload: their membership id and display name only."""
    user = membership.user
    return {"id": membership.pk, "name": user.get_full_name() or user.email.split("@")[0]}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def payload_build(*, event_type: str, data: Mapping[str, Any], moment: datetime) -> dict[str, Any]:
    return {
        "type": event_type,
        "version": PAYLOAD_VERSION,
        "timestamp": moment.isoformat().replace("+00:00", "Z"),
        "data": dict(data),
    }


def webhook_emit(*, organization: Any, event_type: str, data: Mapping[str, Any]) -> None:
    """Send `event_type` with `data` to the organization's endpoints that subscribed to it,
    once the current transaction commits (nothing is sent for a rolled-back change).

    `organization` is an Organization or its id. `data` must be JSON-serialisable.
    """
    if event_type not in EVENT_NAMES:
        raise ValueError(f"Unknown webhook event type: {event_type}")
    organization_id = organization if isinstance(organization, int) else organization.pk
    if event_type not in subscribed_types(organization_id):
        return
    moment = timezone.now()
    payload = payload_build(event_type=event_type, data=data, moment=moment)
    transaction.on_commit(
        lambda: deliveries_queue(
            organization_id=organization_id, event_type=event_type, payload=payload
        )
    )


def deliveries_queue(
    *,
    organization_id: int,
    event_type: str,
    payload: dict[str, Any],
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookDelivery]:
    """One delivery per enabled endpoint subscribed to the type, each sent by a task."""
    with in_organization(organization_id):
        if endpoints is None:
            endpoints = [
                endpoint
                for endpoint in WebhookEndpoint.objects.filter(
                    organization_id=organization_id, enabled=True
                )
                if event_type in endpoint.event_types or event_type == TEST_EVENT
            ]
        now = timezone.now()
        message_id = new_message_id()
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    organization_id=organization_id,
                    endpoint=endpoint,
                    message_id=message_id,
                    event_type=event_type,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
                for endpoint in endpoints
            ]
        )
    from chorus.webhooks.tasks import webhook_deliver

    for delivery in deliveries:
        webhook_deliver.enqueue(delivery_id=delivery.pk)
    return deliveries
