"""Sending deliveries: signed per Standard Webhooks, through the SSRF-safe client, retried
on Standard Webhooks' schedule, and the endpoint switched off when every delivery has
failed for a day.

A 2xx answer is delivered; anything else (another status, a redirect, a timeout, a refused
address) is a failed attempt, tried again after RETRY_DELAYS[attempts - 1]. After the
last one (about 27 hours after the first) the delivery has failed.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks import Webhook

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.core.http import SafeTransport
from chorus.notifications.services.notifications import notification_create
from chorus.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Standard Webhooks' recommended schedule: after the first attempt, 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h and 10 h: eight attempts over about 27 hours.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# An endpoint whose deliveries all failed for this long is switched off.
DISABLE_AFTER = timedelta(hours=24)
# A claimed attempt belongs to its worker this long; a worker killed meanwhile leaves it
# to be tried again after that.
CLAIM = timedelta(minutes=2)
EXCERPT = 500
READ_AT_MOST = 4096


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT", 10.0))


def signature_header(
    endpoint: WebhookEndpoint, message_id: str, moment: datetime, body: bytes
) -> str:
    """One signature with the secret, and one with the previous secret while a rotation's
    grace period lasts (receivers accept any of the space-separated signatures)."""
    signatures = [Webhook(endpoint.secret).sign(message_id, moment, body)]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > moment
    ):
        signatures.append(Webhook(endpoint.previous_secret).sign(message_id, moment, body))
    return " ".join(signatures)


def delivery_claim(*, delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery's due attempt for this worker, or None when it is not due or
    another worker took it (one conditional UPDATE decides)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(status code or None, the answer's first characters, the error in words)."""
    moment = timezone.now()
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "content-type": "application/json",
        "user-agent": settings.HTTP_USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature_header(endpoint, delivery.message_id, moment, body),
    }
    try:
        with (
            httpx.Client(
                transport=SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
                timeout=httpx.Timeout(timeout_seconds()),
                follow_redirects=False,
                trust_env=False,
            ) as client,
            client.stream("POST", endpoint.url, content=body, headers=headers) as response,
        ):
            read = b""
            for chunk in response.iter_bytes():
                read += chunk
                if len(read) >= READ_AT_MOST:
                    break
            excerpt = read.decode("utf-8", errors="replace")[:EXCERPT]
            if 200 <= response.status_code < 300:
                return response.status_code, excerpt, ""
            return (
                response.status_code,
                excerpt,
                _("The endpoint answered %(status)s.") % {"status": response.status_code},
            )
    except httpx.ConnectError as error:
        if "BLOCKED:" in str(error):
            return None, "", _("The address points to a private or local network.")
        return None, "", _("The endpoint could not be reached.")
    except httpx.TimeoutException:
        return None, "", _("The endpoint did not answer in time.")
    except (httpx.HTTPError, ValueError, OSError):
        return None, "", _("The request failed.")


def delivery_send(*, delivery_id: int) -> str:
    """Make the delivery's due attempt: "delivered", "retry", "failed" or "skipped"."""
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        _finish(
            delivery,
            status=None,
            excerpt="",
            error=_("The endpoint is switched off."),
            duration=None,
            give_up=True,
        )
        return "failed"
    started = time.monotonic()
    status, excerpt, error = _post(endpoint, delivery)
    duration = int((time.monotonic() - started) * 1000)
    if not error:
        _finish(delivery, status=status, excerpt=excerpt, error="", duration=duration)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failing_since=None, consecutive_failures=0
        )
        return "delivered"
    give_up = delivery.attempts >= MAX_ATTEMPTS
    _finish(
        delivery, status=status, excerpt=excerpt, error=error, duration=duration, give_up=give_up
    )
    _endpoint_failed(endpoint)
    return "failed" if give_up else "retry"


def _finish(
    delivery: WebhookDelivery,
    *,
    status: int | None,
    excerpt: str,
    error: str,
    duration: int | None,
    give_up: bool = False,
) -> None:
    now = timezone.now()
    delivery.response_status = status
    delivery.response_excerpt = excerpt
    delivery.error = error[:300]
    delivery.duration_ms = duration
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif give_up:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    delivery.save(
        update_fields=[
            "response_status",
            "response_excerpt",
            "error",
            "duration_ms",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def _endpoint_failed(endpoint: WebhookEndpoint) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    # Switched off once, by whichever worker gets there first.
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(
            pk=endpoint.pk, enabled=True, failing_since__lte=now - DISABLE_AFTER
        ).update(
            enabled=False,
            disabled_at=now,
            disabled_reason="failures",
            updated_at=now,
        )
        if disabled:
            endpoint.refresh_from_db()
            _tell_admins_disabled(endpoint)
    if disabled:
        from chorus.webhooks.services.events import subscriptions_changed

        subscriptions_changed(endpoint.organization_id)


def _tell_admins_disabled(endpoint: WebhookEndpoint) -> None:
    from django.urls import reverse

    audit_record(
        organization=endpoint.organization,
        actor=None,
        action="webhook.endpoint_auto_disabled",
        target=endpoint,
        target_label=endpoint.url[:200],
        data={"consecutive_failures": endpoint.consecutive_failures},
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        error=_("The endpoint was switched off."),
    )
    url = reverse("webhook_endpoint", args=[endpoint.pk])
    admins = Membership.objects.filter(
        organization_id=endpoint.organization_id, is_admin=True, is_active=True
    ).select_related("user")
    for admin in admins:
        notification_create(
            membership=admin,
            kind="webhook_disabled",
            message=gettext_lazy(
                "The webhook to %(url)s was switched off: every delivery failed for a day. "
                "Check the endpoint, then switch it on again."
            ),
            params={"url": endpoint.url[:100]},
            url=url,
        )


def deliveries_due(*, batch_size: int = 500) -> int:
    """Deliveries whose (re)try time came, each handed to a task. Returns how many."""
    from chorus.webhooks.tasks import webhook_deliver

    now = timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(Q(status=DeliveryStatus.PENDING), next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for delivery_id in ids:
        webhook_deliver.enqueue(delivery_id=delivery_id)
    return len(ids)


def delivery_redeliver(*, delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """Send the same message again (same webhook-id), now, with a fresh set of attempts."""
    from chorus.webhooks.tasks import webhook_deliver

    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, error=""
    )
    audit_record(
        organization=delivery.endpoint.organization,
        actor=actor,
        action="webhook.redelivered",
        target=delivery.endpoint,
        target_label=delivery.endpoint.url[:200],
        data={"delivery": delivery.pk, "type": delivery.event_type},
    )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: webhook_deliver.enqueue(delivery_id=delivery_id))
    delivery.refresh_from_db()
    return delivery
