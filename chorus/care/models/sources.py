"""Where conversations come from: an organization's listening sources, polled by the
scheduler (Mastodon and Bluesky mentions and searches, X recent search) or pushed to
Chorus (the signed inbound webhook). Credentials are the organization's own (its official
account's token or app password, its X API bearer token), encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel


class SourceKind(models.TextChoices):
    MASTODON_MENTIONS = "mastodon_mentions", _("Mastodon: mentions of our account")
    MASTODON_SEARCH = "mastodon_search", _("Mastodon: keyword or hashtag search")
    BLUESKY_MENTIONS = "bluesky_mentions", _("Bluesky: mentions of our account")
    BLUESKY_SEARCH = "bluesky_search", _("Bluesky: keyword or hashtag search")
    X_SEARCH = "x_search", _("X: recent search")
    WEBHOOK = "webhook", _("Inbound webhook (a help desk or listening tool)")


# The network each polled kind reads.
SOURCE_NETWORK = {
    SourceKind.MASTODON_MENTIONS: "mastodon",
    SourceKind.MASTODON_SEARCH: "mastodon",
    SourceKind.BLUESKY_MENTIONS: "bluesky",
    SourceKind.BLUESKY_SEARCH: "bluesky",
    SourceKind.X_SEARCH: "x",
}


class CareSource(TenantModel):
    kind = models.CharField(max_length=30, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=120)
    # Mastodon: the instance (https://host); Bluesky: the PDS, https://bsky.social by default.
    instance = models.CharField(_("server"), max_length=300, blank=True)
    # The official account (Mastodon @user@host, Bluesky handle) the credentials belong to.
    handle = models.CharField(_("account"), max_length=300, blank=True)
    # A search: keywords and hashtags, as the network's search takes them.
    query = models.CharField(_("search"), max_length=500, blank=True)
    # Mastodon access token, Bluesky app password, X bearer token; the webhook's secret.
    secret = EncryptedTextField(blank=True)
    # Bluesky: the session's tokens between polls (JSON, encrypted).
    session = EncryptedTextField(blank=True)
    # Where the next poll starts (the network's newest id or cursor).
    cursor = models.CharField(max_length=300, blank=True)
    # What conversations from here start with.
    default_priority = models.CharField(max_length=10, default="normal")
    default_tags = models.ManyToManyField("care.CareTag", blank=True, related_name="+")
    is_active = models.BooleanField(default=True)
    # Polling: when next, how many failures in a row (back-off), what went wrong last.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["is_active", "next_poll_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def network(self) -> str:
        return SOURCE_NETWORK.get(SourceKind(self.kind), "")
