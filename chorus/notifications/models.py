from __future__ import annotations

from django.db import models
from django.utils import timezone

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
