"""Endpoints: an admin subscribes an https address to event types; its signing secret is
shown once, rotated with a day's grace for the old one."""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.core.http import address_allowed
from chorus.core.validators import web_url_clean
from chorus.webhooks.catalog import EVENT_NAMES, TEST_EVENT
from chorus.webhooks.models import WebhookDelivery, WebhookEndpoint
from chorus.webhooks.services.events import new_message_id, payload_build, subscriptions_changed

# After a rotation, receivers still holding the old secret verify for this long.
ROTATION_GRACE = timedelta(hours=24)
MAX_ENDPOINTS = 20
MAX_DESCRIPTION = 200


@dataclass
class EndpointFields:
    url: str
    description: str
    event_types: list[str]


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def endpoint_url_clean(value: str) -> str:
    """An https address whose host is on the public internet (http and loopback only
    where HTTP_ALLOW_LOOPBACK allows it, for tests and local development)."""
    url = web_url_clean(value)
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback_allowed = settings.HTTP_ALLOW_LOOPBACK
    if parts.scheme != "https" and not loopback_allowed:
        raise ValidationError(_("A webhook address starts with https://."), code="https")
    try:
        answers = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise ValidationError(
            _("The host name %(host)s could not be found.") % {"host": host}, code="dns"
        ) from None
    addresses = {str(answer[4][0]) for answer in answers}
    if not addresses or not all(
        address_allowed(address, allow_loopback=loopback_allowed) for address in addresses
    ):
        raise ValidationError(
            _(
                "This address points to a private or local network: "
                "webhooks go to the internet only."
            ),
            code="private",
        )
    if parts.scheme != "https" and not all(
        ipaddress.ip_address(address.split("%", 1)[0]).is_loopback for address in addresses
    ):
        raise ValidationError(_("A webhook address starts with https://."), code="https")
    return url


def _clean(fields: EndpointFields) -> EndpointFields:
    errors: dict[str, list[str]] = {}
    url = ""
    try:
        url = endpoint_url_clean(fields.url)
    except ValidationError as error:
        errors["url"] = list(error.messages)
    description = fields.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("A description has at most %(max)s characters.") % {"max": MAX_DESCRIPTION}
        ]
    chosen = list(dict.fromkeys(fields.event_types))
    unknown = [name for name in chosen if name not in EVENT_NAMES]
    if unknown:
        errors["event_types"] = [
            _("Unknown event type: %(names)s.") % {"names": ", ".join(unknown)[:200]}
        ]
    elif not chosen:
        errors["event_types"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationError(errors)
    return EndpointFields(
        url=url, description=description, event_types=[n for n in EVENT_NAMES if n in chosen]
    )


def endpoint_create(
    *, organization: Organization, actor: User, fields: EndpointFields
) -> WebhookEndpoint:
    """The endpoint, enabled, with a new secret (read it from the returned object once)."""
    cleaned = _clean(fields)
    if WebhookEndpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS:
        raise ValidationError(
            _("An organization has at most %(max)s webhook endpoints.") % {"max": MAX_ENDPOINTS}
        )
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=cleaned.url,
            description=cleaned.description,
            event_types=cleaned.event_types,
            secret=secret_new(),
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="webhook.endpoint_created",
            target=endpoint,
            target_label=endpoint.url[:200],
            data={"event_types": cleaned.event_types},
        )
    subscriptions_changed(organization.pk)
    return endpoint


def endpoint_update(
    *, endpoint: WebhookEndpoint, actor: User, fields: EndpointFields
) -> WebhookEndpoint:
    cleaned = _clean(fields)
    endpoint.url = cleaned.url
    endpoint.description = cleaned.description
    endpoint.event_types = cleaned.event_types
    endpoint.updated_at = timezone.now()
    with transaction.atomic():
        endpoint.save(update_fields=["url", "description", "event_types", "updated_at"])
        audit_record(
            organization=endpoint.organization,
            actor=actor,
            action="webhook.endpoint_updated",
            target=endpoint,
            target_label=endpoint.url[:200],
            data={"event_types": cleaned.event_types},
        )
    subscriptions_changed(endpoint.organization_id)
    return endpoint


def endpoint_set_enabled(
    *, endpoint: WebhookEndpoint, actor: User, enabled: bool
) -> WebhookEndpoint:
    """Switch it on (its failure count starts again) or off."""
    now = timezone.now()
    endpoint.enabled = enabled
    endpoint.updated_at = now
    if enabled:
        endpoint.failing_since = None
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    else:
        endpoint.disabled_at = now
        endpoint.disabled_reason = "admin"
    with transaction.atomic():
        endpoint.save(
            update_fields=[
                "enabled",
                "updated_at",
                "failing_since",
                "consecutive_failures",
                "disabled_at",
                "disabled_reason",
            ]
        )
        audit_record(
            organization=endpoint.organization,
            actor=actor,
            action="webhook.endpoint_enabled" if enabled else "webhook.endpoint_disabled",
            target=endpoint,
            target_label=endpoint.url[:200],
        )
    subscriptions_changed(endpoint.organization_id)
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """A new secret (returned once); the old one signs too for ROTATION_GRACE."""
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_GRACE
    endpoint.secret = secret_new()
    endpoint.updated_at = now
    with transaction.atomic():
        endpoint.save(
            update_fields=["previous_secret", "previous_secret_expires_at", "secret", "updated_at"]
        )
        audit_record(
            organization=endpoint.organization,
            actor=actor,
            action="webhook.secret_rotated",
            target=endpoint,
            target_label=endpoint.url[:200],
        )
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """The endpoint and its delivery log go; nothing more is sent to it."""
    organization = endpoint.organization
    with transaction.atomic():
        audit_record(
            organization=organization,
            actor=actor,
            action="webhook.endpoint_deleted",
            target_label=endpoint.url[:200],
        )
        WebhookDelivery.objects.filter(endpoint=endpoint).delete()
        endpoint.delete()
    subscriptions_changed(organization.pk)


def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """A webhook.test event to this endpoint only (enabled or not), sent now."""
    now = timezone.now()
    payload = payload_build(
        event_type=TEST_EVENT,
        data={
            "endpoint_id": endpoint.pk,
            "message": "A test event sent from Chorus.",
        },
        moment=now,
    )
    audit_record(
        organization=endpoint.organization,
        actor=actor,
        action="webhook.test_sent",
        target=endpoint,
        target_label=endpoint.url[:200],
    )
    return _queue_in_transaction(endpoint, payload)


def _queue_in_transaction(endpoint: WebhookEndpoint, payload: dict[str, object]) -> WebhookDelivery:
    from chorus.webhooks.tasks import webhook_deliver

    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        message_id=new_message_id(),
        event_type=TEST_EVENT,
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: webhook_deliver.enqueue(delivery_id=delivery_id))
    return delivery
