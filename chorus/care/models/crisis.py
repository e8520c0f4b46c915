"""A potential crisis, flagged by anyone in the program from any page or conversation.
Admins and the communications team are told at once; an admin may then pause all
sharing (the pause itself belongs to the organization: `sharing/services/pause.py`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel


class CrisisFlag(TenantModel):
    raised_by = models.ForeignKey(
        "accounts.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        "care.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The page it was raised from (a path on our own site), or a link to what was seen.
    page = models.CharField(max_length=500, blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    description = models.TextField(_("what is happening"))
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description[:60]
