"""The organization's social media policy: a versioned document members acknowledge.

Publishing a new version asks every member again; who acknowledged which version and when
is kept (and exported). Whether sharing waits for it is a gate (Gate.requires_policy)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel


class Policy(TenantModel):
    """One per organization: its title and the draft of the next version."""

    title = models.CharField(_("title"), max_length=200)
    draft = models.TextField(_("text"), blank=True)  # Markdown
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="one_policy")]

    def __str__(self) -> str:
        return self.title


class PolicyVersion(TenantModel):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()  # Markdown, as published
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="one_policy_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class PolicyAcknowledgement(TenantModel):
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="policy_acknowledgements"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "membership"], name="one_acknowledgement_per_version"
            )
        ]
