"""An organization's care settings: its targets per priority, where escalations go, and
whom it trusts to reply in their own words without an approver."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel


def first_response_targets() -> dict[str, int]:
    # Minutes to the first public answer, per priority.
    return {"urgent": 30, "high": 60, "normal": 240, "low": 1440}


def resolution_targets() -> dict[str, int]:
    return {"urgent": 240, "high": 480, "normal": 1440, "low": 4320}


class CareSettings(TenantModel):
    organization = models.OneToOneField(  # type: ignore[assignment]
        "accounts.Organization", on_delete=models.CASCADE, related_name="care_settings"
    )
    first_response_minutes = models.JSONField(default=first_response_targets)
    resolution_minutes = models.JSONField(default=resolution_targets)
    # Warn this many minutes before a target is missed.
    warn_minutes = models.PositiveIntegerField(_("warn minutes before a target"), default=15)
    # How long a claim locks a conversation without activity.
    claim_minutes = models.PositiveIntegerField(_("a claim lasts (minutes)"), default=30)
    # Escalation: the official support team's address and/or webhook (signed).
    escalation_email = models.EmailField(_("support team's email"), blank=True)
    escalation_webhook_url = models.URLField(_("support team's webhook"), blank=True)
    escalation_webhook_secret = EncryptedTextField(blank=True)
    # Members holding this certification reply in their own words without an approver.
    trusted_certification = models.ForeignKey(
        "training.Certification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("replies without approval"),
    )
    # The inbound webhook's signing secret (Standard Webhooks, "whsec_..."), encrypted.
    inbound_secret = EncryptedTextField(blank=True)
    # The public key that addresses this organization's inbound webhook.
    inbound_key = models.CharField(max_length=40, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"Care settings of {self.organization_id}"
