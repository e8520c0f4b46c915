"""Tracked short links, the clicks on them, and the counters analytics reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.core.models import TenantModel


class LinkSettings(TenantModel):
    """An organization's link options (one row per organization)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="link_settings"
    )
    short_domain = models.CharField(
        max_length=253,
        blank=True,
        help_text=_(
            "A custom short domain pointed at Chorus, e.g. go.acme.com (empty: this site)."
        ),
    )
    fallback_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text=_("Where links of withdrawn posts lead (empty: a 'no longer available' page)."),
    )


class Link(TenantModel):
    """A short code that redirects to a post's link, minted per (post, member, network)."""

    code = models.CharField(max_length=16, unique=True)
    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="links")
    membership = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    network = models.CharField(max_length=10, blank=True)
    destination = models.URLField(max_length=4000)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Counters, maintained by the click drainer, so nobody has to scan raw clicks.
    clicks = models.PositiveIntegerField(default=0)
    unique_clicks = models.PositiveIntegerField(default=0)
    self_clicks = models.PositiveIntegerField(default=0)
    previews = models.PositiveIntegerField(default=0)
    last_click_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "membership", "network"],
                condition=models.Q(membership__isnull=False),
                name="one_link_per_share",
            ),
            models.UniqueConstraint(
                fields=["post", "network"],
                condition=models.Q(membership__isnull=True),
                name="one_link_per_post_network",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ClickKind(models.TextChoices):
    CLICK = "click", _("Click by a person")
    BOT = "bot", _("Bot or link preview")
    HEAD = "head", _("HEAD request")
    PREFETCH = "prefetch", _("Prefetch")


class DeviceClass(models.TextChoices):
    MOBILE = "mobile", pgettext_lazy("device", "Mobile")
    TABLET = "tablet", pgettext_lazy("device", "Tablet")
    DESKTOP = "desktop", pgettext_lazy("device", "Desktop")
    BOT = "bot", pgettext_lazy("device", "Bot")
    OTHER = "other", pgettext_lazy("device", "Other")


class ClickOutcome(models.TextChoices):
    """What the visitor got (chorus.links.sinks has the same values)."""

    REDIRECTED = "redirected", _("Sent to the post's link")
    FALLBACK = "fallback", _("Sent to the organization's fallback page (withdrawn post)")
    UNAVAILABLE = "unavailable", _("Shown the 'no longer available' page (withdrawn post)")


class Click(TenantModel):
    """One answered request for a link, written in batches by the drainer.

    No raw IP address is ever stored: `visitor_key` is a keyed hash of IP and user
    agent whose key changes every day. A click that led nowhere (outcome UNAVAILABLE) is
    kept, but counts in no figure: not a click, not unique, no points.
    """

    event_id = models.CharField(max_length=32, unique=True)
    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="click_events")
    created_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=8, choices=ClickKind.choices)
    bot_name = models.CharField(max_length=100, blank=True)
    referrer_host = models.CharField(max_length=253, blank=True)
    device_class = models.CharField(max_length=8, choices=DeviceClass.choices)
    visitor_key = models.CharField(max_length=32)
    is_unique = models.BooleanField(default=False)
    is_self = models.BooleanField(default=False)
    outcome = models.CharField(
        max_length=11,
        choices=ClickOutcome.choices,
        default=ClickOutcome.REDIRECTED,
        db_default=ClickOutcome.REDIRECTED,
    )

    class Meta:
        indexes = [
            models.Index(fields=["link", "visitor_key", "created_at"]),
            models.Index(fields=["organization", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.link_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_person(self) -> bool:
        return self.kind == ClickKind.CLICK


class MemberVisitorKey(models.Model):
    """The visitor keys a signed-in user had on a day, to recognise their own clicks."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitor_key = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "visitor_key", "user"], name="unique_member_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class DeadLetterReason(models.TextChoices):
    """Why a click record was set aside (chorus.links.sinks has the same values)."""

    UNREADABLE = "unreadable", _("The record could not be read")
    NOT_STORED = "not_stored", _("The record could not be stored")


class ClickDeadLetter(models.Model):
    """A click record the drainer could not store after a few attempts, kept as it was read.

    Set aside so that it does not hold up the clicks after it. `organization` is the one
    the record names, when that organization exists (else only staff see it, in Django's
    admin). `digest` (SHA-256 of the raw record) keeps one row per record when a file or
    stream entry is read again.
    """

    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    raw = models.TextField()
    reason = models.CharField(max_length=10, choices=DeadLetterReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reason} {self.created_at:%Y-%m-%d %H:%M}"
