"""Microsoft Teams channels an organization posts to, each through a Workflows webhook.

Teams retired incoming webhooks (Office 365 connectors) for Workflows: in a channel,
"Workflows → Post to a channel when a webhook request is received" gives an address that
posts every Adaptive Card sent to it. Whoever has the address can post there, so it is a
secret: stored encrypted, never shown again after it is saved (only its host is).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel
from chorus.notifications.messages import Category

# What a Teams channel can receive: new posts for everyone as they go live, announced posts,
# the post of the day.
WEBHOOK_CATEGORIES = (Category.NEW_POST, Category.ANNOUNCEMENT, Category.POST_OF_THE_DAY)


def default_categories() -> list[str]:
    return [category.value for category in WEBHOOK_CATEGORIES]


class TeamsWebhook(TenantModel):
    # The channel it posts to, as people know it ("Acme: General").
    name = models.CharField(_("channel"), max_length=120)
    # The Workflows webhook's address (https, its signature in the query string).
    url = EncryptedTextField()
    # The `Category` values it receives (some of WEBHOOK_CATEGORIES).
    categories = models.JSONField(default=default_categories, blank=True)
    # A private channel of the communications team that receives crisis alerts.
    crisis_alerts = models.BooleanField(_("post crisis alerts here"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when Teams said the webhook is gone (401, 403, 404, 410): nothing is posted until
    # an admin gives a new address or a test gets through again.
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def host(self) -> str:
        """The address's host: all that is shown of it once saved."""
        try:
            return urlsplit(self.url).hostname or ""
        except ValueError:
            return ""

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None

    def receives(self, category: str) -> bool:
        return category in (self.categories or [])

    def category_labels(self) -> list[str]:
        return [
            str(Category(value).label)
            for value in self.categories or []
            if value in Category.values
        ]
