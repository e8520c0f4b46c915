"""Members' connected accounts, their shares, publishing attempts and what came back.

Every share keeps the exact text, the network, the tracked link, when, and the remote
id and URL. Tokens are encrypted at rest (chorus.core.crypto).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel
from chorus.networks.registry import CHANNEL_CHOICES


class NetworkSettings(TenantModel):
    """An organization's settings for one network (a row only once an admin changed them)."""

    network = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    # Members see the network in the share dialog (intent link, and API when enabled).
    sharing_enabled = models.BooleanField(default=True)
    # Members may connect accounts and Chorus publishes for them (needs app credentials,
    # except Mastodon, whose app is registered per instance, and Bluesky app passwords).
    publishing_enabled = models.BooleanField(default=False)
    client_id = models.CharField(max_length=300, blank=True)
    client_secret = EncryptedTextField(blank=True)
    # Shares per member on this network per day (empty: no cap).
    daily_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "network"], name="one_network_settings")
        ]

    def __str__(self) -> str:
        return f"{self.network} settings"


class MastodonApp(models.Model):
    """The OAuth app Chorus registered on one Mastodon instance (shared by all tenants)."""

    instance = models.CharField(max_length=253, unique=True, help_text="https://host")
    client_id = models.CharField(max_length=300)
    client_secret = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.instance


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("connection status", "Connected")
    EXPIRED = "expired", pgettext_lazy("connection status", "Needs reconnecting")


class NetworkConnection(TenantModel):
    """A member's own account on a network, which Chorus may post to with their consent."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="connections"
    )
    network = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    instance = models.CharField(max_length=253, blank=True)
    account_id = models.CharField(max_length=300)
    handle = models.CharField(max_length=300, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    profile_url = models.URLField(max_length=2000, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    last_error = models.CharField(max_length=500, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # When the member was last asked to reconnect before expiry, so they are asked once.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "network"], name="one_account_per_network"
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.network}:{self.handle or self.account_id}"


class ShareMethod(models.TextChoices):
    INTENT = "intent", pgettext_lazy("share method", "Share link")
    API = "api", pgettext_lazy("share method", "Published by Chorus")


class ShareStatus(models.TextChoices):
    # Intent shares: opened, then marked done (or undone) by the member.
    OPENED = "opened", pgettext_lazy("share status", "Opened, not confirmed")
    SHARED = "shared", pgettext_lazy("share status", "Shared")
    UNDONE = "undone", pgettext_lazy("share status", "Undone")
    # API shares: scheduled or queued, then published, failed or cancelled.
    SCHEDULED = "scheduled", pgettext_lazy("share status", "Scheduled")
    PUBLISHING = "publishing", pgettext_lazy("share status", "Publishing")
    FAILED = "failed", pgettext_lazy("share status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("share status", "Cancelled")
    # An edited text that broke a rule, when the organization routes those to an approver
    # (ContentPolicy.route_edited_captions_to_approver): nothing goes out while it waits.
    IN_REVIEW = "in_review", pgettext_lazy("share status", "Waiting for approval")
    # Intent shares: approved, for the member to open (then OPENED as usual). API shares
    # go straight back to SCHEDULED when approved.
    APPROVED = "approved", pgettext_lazy("share status", "Approved, ready to open")
    REJECTED = "rejected", pgettext_lazy("share status", "Not approved")


class Share(TenantModel):
    """One share of a post by a member on one network: the exact text, the link, the outcome."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="shares"
    )
    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="shares")
    network = models.CharField(max_length=10, choices=CHANNEL_CHOICES)
    method = models.CharField(max_length=6, choices=ShareMethod.choices)
    status = models.CharField(max_length=10, choices=ShareStatus.choices)
    text = models.TextField(help_text="Exactly what was (or will be) posted.")
    # The text's words without links or spacing, hashed (compose.text_fingerprint): how many
    # colleagues posted exactly these words is one indexed count. "" when only a link.
    text_hash = models.CharField(max_length=32, blank=True, editable=False)
    # Whether the words differ from the caption the dialog offered ("own words");
    # None when not known.
    caption_edited = models.BooleanField(null=True, blank=True, editable=False)
    link = models.ForeignKey(
        "links.Link", null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    connection = models.ForeignKey(
        NetworkConnection, null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    # Set when the share came from the member's auto-share of posts of the day.
    auto = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=2000, blank=True)
    # Sent as the Idempotency-Key where the network takes one; a retry reuses it.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=20, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    # Why the text went to an approver (the rule verdict when it was sent), and the decision.
    review_reasons = models.CharField(max_length=1000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["membership", "-created_at"]),
            models.Index(fields=["post", "membership"]),
            # "N colleagues posted exactly this text on this network".
            models.Index(fields=["post", "network", "text_hash"], name="share_same_text"),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["organization", "shared_at"]),
            # The analytics refresh looks for shares changed since its last run, every minute.
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.network} share of {self.post_id} by {self.membership_id}"


class AttemptOutcome(models.TextChoices):
    STARTED = "started", pgettext_lazy("publish attempt", "Started")
    PUBLISHED = "published", pgettext_lazy("publish attempt", "Published")
    RATE_LIMITED = "rate_limited", pgettext_lazy("publish attempt", "Rate limited")
    AUTH_EXPIRED = "auth_expired", pgettext_lazy("publish attempt", "Token expired")
    REJECTED = "rejected", pgettext_lazy("publish attempt", "Rejected")
    UNAVAILABLE = "unavailable", pgettext_lazy("publish attempt", "Network unavailable")
    ERROR = "error", pgettext_lazy("publish attempt", "Error")


class PublishAttempt(models.Model):
    """One try at publishing a share, written before the call so a retry can see it."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="publish_attempts")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.share_id} {self.outcome}"


class AutoShare(TenantModel):
    """A member's explicit, yearly-renewed consent to auto-share posts of the day."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="auto_share"
    )
    networks = models.JSONField(default=list)
    time_of_day = models.TimeField()
    timezone = models.CharField(max_length=64, default="UTC")
    consented_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"auto-share for {self.membership_id}"


class ShareMetrics(models.Model):
    """A snapshot of a published share's engagement, read back from the network."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="metrics")
    fetched_at = models.DateTimeField(default=timezone.now)
    reactions = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    impressions = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["share", "-fetched_at"])]

    def __str__(self) -> str:
        return f"{self.share_id} at {self.fetched_at:%Y-%m-%d %H:%M}"


class PostView(TenantModel):
    """When a member first saw a post in their feed ("unseen before seen")."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "post"], name="one_view_per_post")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} saw {self.post_id}"


class TopicFollow(TenantModel):
    """A topic a member follows: what they care about, put first in their feed.

    Here, in sharing, rather than in content beside the topic: a follow exists to order
    the member's feed (sharing's), and sharing sits above both the topic (content) and the
    membership (accounts), so it may point at both.
    """

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey("content.Topic", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "topic"], name="one_follow_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} follows {self.topic_id}"
