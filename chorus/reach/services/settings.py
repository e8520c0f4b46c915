from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.reach.models import NUDGE_MINIMUM_DAYS, ReachSettings


def reach_settings_for(*, organization: Organization) -> ReachSettings:
    """The organization's reach settings, made with the defaults the first time."""
    found, _created = ReachSettings.objects.get_or_create(organization=organization)
    return found


def nudge_settings_update(
    *, organization: Organization, actor: User, enabled: bool, days: int
) -> ReachSettings:
    if days < NUDGE_MINIMUM_DAYS or days > 365:
        raise ValidationError(
            {
                "nudge_after_days": _("Choose between %(low)s and 365 days.")
                % {"low": NUDGE_MINIMUM_DAYS}
            }
        )
    found = reach_settings_for(organization=organization)
    found.nudges_enabled = enabled
    found.nudge_after_days = days
    found.save(update_fields=["nudges_enabled", "nudge_after_days", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor,
        action="reach.nudges_changed",
        target_label=str(_("Nudges")),
        data={"enabled": enabled, "days": days},
    )
    return found


def share_link_opened(*, organization: Organization) -> None:
    """Count a share dialog opened from a message (a number only)."""
    from django.db.models import F

    found = reach_settings_for(organization=organization)
    ReachSettings.objects.filter(pk=found.pk).update(share_links_opened=F("share_links_opened") + 1)
