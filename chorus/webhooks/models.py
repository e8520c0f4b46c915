"""Outbound webhooks: endpoints an admin subscribes to events, and one delivery per
(event, endpoint), which is both the queue and the log.

A delivery keeps its `message_id` (the `webhook-id` header) across retries and
redeliveries, so that a receiver can recognise a message it already handled.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel
from chorus.core.validators import MAX_URL_LENGTH


class WebhookEndpoint(TenantModel):
    url = models.CharField(max_length=MAX_URL_LENGTH)
    description = models.CharField(max_length=200, blank=True)
    # The event types it receives ("post.published", ...): see chorus/webhooks/events.py.
    event_types = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    # whsec_... (Standard Webhooks); shown once when made or rotated.
    secret = EncryptedTextField()
    # After a rotation the old secret signs too (a second signature) until this moment.
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Failures in a row since the last delivered message: when they have lasted a day the
    # endpoint is switched off (services/delivery.py).
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "enabled"], name="webhook_endpoint_enabled")
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "Waiting")
    DELIVERED = "delivered", pgettext_lazy("webhook delivery", "Delivered")
    FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")


class WebhookDelivery(TenantModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The webhook-id header: the same for every attempt of this message.
    message_id = models.CharField(max_length=60)
    event_type = models.CharField(max_length=60)
    # The whole body sent: {"type", "version", "timestamp", "data"}.
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When the next attempt is due (None: nothing more to do). A worker that claims the
    # attempt moves it forward first, so that no other worker sends the same attempt.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    # The first characters of the answer (shown escaped) or why there was none.
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "message_id"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} to {self.endpoint_id}"

    @property
    def status_label(self) -> str:
        return str(self.get_status_display())

    @property
    def finished(self) -> bool:
        return self.status != DeliveryStatus.PENDING


DISABLED_BY_FAILURES = _("Every delivery failed for a day.")
