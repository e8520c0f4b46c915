from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel


class Notification(TenantModel):
    """A message for one member, shown in the app until read."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["membership", "read_at"])]

    def __str__(self) -> str:
        return self.message


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Never")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


def _default_quiet_start() -> datetime.time:
    return datetime.time(20, 0)


def _default_quiet_end() -> datetime.time:
    return datetime.time(8, 0)


class DeliveryPreference(TenantModel):
    """How a member wants to be reached. No row means the modest defaults
    (`chorus.notifications.preferences.DEFAULT_CHANNELS`, a weekly digest)."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="delivery_preference"
    )
    everything_off = models.BooleanField(_("Turn off everything outside the app"), default=False)
    # {category: [channel, ...]} for the categories the member changed; the rest default.
    choices = models.JSONField(default=dict, blank=True)
    digest_frequency = models.CharField(
        _("Digest"), max_length=8, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    # 0 is Monday, as in datetime.weekday().
    digest_weekday = models.PositiveSmallIntegerField(_("Day of the weekly digest"), default=0)
    digest_time = models.TimeField(_("Time of the digest"), default=datetime.time(9, 0))
    # An IANA name; empty follows the site's time zone.
    time_zone = models.CharField(_("Time zone"), max_length=64, blank=True, default="")
    quiet_hours = models.BooleanField(_("Quiet hours"), default=True)
    quiet_start = models.TimeField(_("Quiet from"), default=_default_quiet_start)
    quiet_end = models.TimeField(_("Quiet until"), default=_default_quiet_end)
    daily_cap = models.PositiveSmallIntegerField(_("At most this many messages a day"), default=3)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of membership {self.membership_id}"


class Dispatch(TenantModel):
    """One thing to say to many (a digest period, the post of the day, an announcement, a
    nudge, a test): its deliveries share what the composer needs to write each message."""

    category = models.CharField(max_length=32)
    # Unique per organization: creating a dispatch twice returns the first one.
    key = models.CharField(max_length=200)
    # A name registered with `register_composer`; it writes each recipient's message.
    composer = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    # Channels this dispatch may use (an announcement's choice); empty allows every channel.
    channels = models.JSONField(default=list, blank=True)
    # Who it is for: {"groups": [ids]}, {"memberships": [ids]} or {} (every program member).
    audience = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Fan-out progress: members are enqueued in id order; a task that dies resumes after this.
    cursor = models.BigIntegerField(default=0)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    # Set by the running fan-out after each batch: one left old belongs to a dead task and is
    # started again (`deliveries_recover`); a fresh one keeps a second fan-out from starting.
    fan_out_heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="dispatch_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")
    # A worker died while sending it: it may or may not have gone, so it is never sent again.
    UNCERTAIN = "uncertain", _("Interrupted")


class Delivery(TenantModel):
    """One message to one member (or one organization destination) on one channel: the
    queue the sender drains and the organization's delivery log."""

    dispatch = models.ForeignKey(
        Dispatch, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # An organization channel's destination (its id in that channel's table).
    destination = models.CharField(max_length=64, blank=True, default="")
    destination_label = models.CharField(max_length=200, blank=True, default="")
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=32)
    key = models.CharField(max_length=200)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The sender that claimed it (SENDING); a claim older than a few minutes is a dead worker.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the sender handed it to its channel: a dead worker's claim without it was never
    # sent (queued again); with it, it may have gone (UNCERTAIN, never sent again).
    handed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    remote_id = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key", "channel", "membership"],
                condition=models.Q(membership__isnull=False),
                name="delivery_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["organization", "key", "channel", "destination"],
                condition=models.Q(membership__isnull=True),
                name="delivery_once_per_destination",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["organization", "-created_at"], name="delivery_log"),
            models.Index(fields=["membership", "status", "sent_at"], name="delivery_member_day"),
            models.Index(fields=["claim"], name="delivery_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.key}"

    @property
    def channel_label(self) -> str:
        from chorus.notifications.messages import Channel

        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


class StopReason(models.TextChoices):
    BOUNCED = "bounced", _("The address no longer receives messages")
    REVOKED = "revoked", _("The connection was revoked")
    EXPIRED = "expired", _("The subscription expired")
    FAILED = "failed", _("Messages kept failing")


class ChannelStop(TenantModel):
    """A channel that stopped for a member because their address is dead. Linking again,
    or "start again" in their settings, removes it."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="channel_stops"
    )
    channel = models.CharField(max_length=16)
    reason = models.CharField(max_length=16, choices=StopReason.choices)
    detail = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "channel"], name="channel_stop_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel} stopped for membership {self.membership_id}"

    @property
    def channel_label(self) -> str:
        from chorus.notifications.messages import Channel

        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


class Unsubscribe(TenantModel):
    """A member turned something off: by a message's unsubscribe link or in their settings.
    Counted after nudges (did nudging push people away?)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="unsubscribes"
    )
    # The category turned off, or "" for everything.
    category = models.CharField(max_length=32, blank=True, default="")
    channel = models.CharField(max_length=16, blank=True, default="")
    from_link = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="unsubscribe_day")]

    def __str__(self) -> str:
        return f"unsubscribe {self.category or 'all'}"
