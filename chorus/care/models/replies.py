"""Answering: approved reply templates, and the replies members write (from a template or
in their own words), their approval and their publication, exactly once, in the
customer's thread from the member's own account."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel


class ReplyTemplate(TenantModel):
    """Words approvers prepared: `{customer}` (the customer's handle), `{first_name}` (the
    member's), `{link}`. `network_bodies` holds a shorter text for a network where the
    default is too long ({"x": "..."})."""

    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("text"))
    network_bodies = models.JSONField(default=dict, blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    tags = models.ManyToManyField("care.CareTag", blank=True, related_name="templates")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ReplyStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
    RETURNED = "returned", pgettext_lazy("reply status", "Returned")
    QUEUED = "queued", pgettext_lazy("reply status", "Queued")
    PUBLISHING = "publishing", pgettext_lazy("reply status", "Publishing")
    PUBLISHED = "published", pgettext_lazy("reply status", "Published")
    # The member replies on the network's own page; Chorus waits for them to confirm.
    MANUAL = "manual", _("Waiting for you to post it")
    FAILED = "failed", pgettext_lazy("reply status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("reply status", "Cancelled")


class ReplyMethod(models.TextChoices):
    API = "api", _("Published by Chorus")
    INTENT = "intent", _("Posted by the member on the network")


class CareReply(TenantModel):
    conversation = models.ForeignKey(
        "care.Conversation", on_delete=models.CASCADE, related_name="replies"
    )
    # The message answered (the customer's latest, or the one the member chose).
    in_reply_to = models.ForeignKey(
        "care.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="care_replies"
    )
    template = models.ForeignKey(
        ReplyTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # Sent exactly as the template rendered it: no approval needed.
    template_unchanged = models.BooleanField(default=False)
    text = models.TextField()
    network = models.CharField(max_length=20, blank=True)
    method = models.CharField(max_length=10, choices=ReplyMethod.choices, default=ReplyMethod.API)
    connection = models.ForeignKey(
        "sharing.NetworkConnection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=20, choices=ReplyStatus.choices)
    # The compliance verdict when it was written ({"messages": [...], "blocked": bool}).
    compliance = models.JSONField(default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=500, blank=True)
    # Publishing: the same key on every try, so the network posts it once.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Reactions to the published reply, read back like shares' metrics.
    reactions = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    metrics_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ReplyAttemptOutcome(models.TextChoices):
    STARTED = "started", _("Started")
    PUBLISHED = "published", _("Published")
    RATE_LIMITED = "rate_limited", _("Rate limited")
    UNAVAILABLE = "unavailable", _("Network unavailable")
    AUTH_EXPIRED = "auth_expired", _("Connection expired")
    REJECTED = "rejected", _("Refused by the network")
    ERROR = "error", _("Error")


class ReplyAttempt(TenantModel):
    """One call to the network, written STARTED before the call (a crash leaves a trace)."""

    reply = models.ForeignKey(CareReply, on_delete=models.CASCADE, related_name="attempts_made")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=ReplyAttemptOutcome.choices, default=ReplyAttemptOutcome.STARTED
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["started_at", "id"]


class EscalationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class EscalationDelivery(TenantModel):
    """One escalation handed to the support team on one channel: sent once, retried with
    back-off until it is delivered (or the tries run out, shown on the conversation)."""

    conversation = models.ForeignKey(
        "care.Conversation", on_delete=models.CASCADE, related_name="escalation_deliveries"
    )
    channel = models.CharField(max_length=10, choices=EscalationChannel.choices)
    # The same id on every try, so the receiver can tell a retry from a new escalation.
    message_id = models.CharField(max_length=100)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"])]
