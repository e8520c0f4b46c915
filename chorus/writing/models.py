"""Writing help: an organization's own OpenAI-compatible endpoint, off until an admin sets it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chorus.core.crypto import EncryptedTextField
from chorus.core.models import TenantModel


class WritingSettings(TenantModel):
    """Where caption suggestions come from. Off by default; the key is encrypted at rest."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="writing_settings"
    )
    enabled = models.BooleanField(_("Offer caption suggestions"), default=False)
    base_url = models.URLField(
        _("Endpoint"), max_length=500, blank=True, help_text=_("e.g. https://api.openai.com/v1")
    )
    model = models.CharField(_("Model"), max_length=100, blank=True)
    api_key = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Writing help ({'on' if self.enabled else 'off'})"
