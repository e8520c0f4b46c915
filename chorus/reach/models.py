"""What the reach app keeps: one row of settings per organization (nudges) and a counter
of share dialogs opened from a message (a number, nothing about who)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel

# A member who has not shared for fewer days than this is never nudged.
NUDGE_MINIMUM_DAYS = 30
NUDGE_DEFAULT_DAYS = 45


class ReachSettings(TenantModel):
    organization = models.OneToOneField(  # type: ignore[assignment]
        "accounts.Organization", on_delete=models.CASCADE, related_name="reach_settings"
    )
    nudges_enabled = models.BooleanField(
        _("Invite members who have not shared lately"), default=True
    )
    nudge_after_days = models.PositiveSmallIntegerField(
        _("After this many days without a share"),
        default=NUDGE_DEFAULT_DAYS,
        validators=[MinValueValidator(NUDGE_MINIMUM_DAYS)],
    )
    # Share dialogs opened from a signed link in a message (the digest, an announcement).
    share_links_opened = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reach settings of organization {self.organization_id}"
