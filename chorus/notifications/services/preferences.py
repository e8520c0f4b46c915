"""A member's delivery preferences: reading, changing, and one-click unsubscribing."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from chorus.accounts.models import Membership
from chorus.notifications.messages import Category
from chorus.notifications.models import DeliveryPreference, DigestFrequency, Unsubscribe
from chorus.notifications.preferences import MEMBER_CATEGORIES, allowed_channels, chosen_channels

logger = logging.getLogger(__name__)


UNSUBSCRIBE_SALT = "chorus.notifications.unsubscribe"


def unsubscribe_url(*, membership: Membership, category: str, channel: str) -> str:
    """A one-click address that turns this category off on this channel, with no sign-in
    (RFC 8058). It never expires: an old email's link must still work."""
    token = signing.dumps(
        {"m": membership.pk, "c": category, "ch": channel}, salt=UNSUBSCRIBE_SALT, compress=True
    )
    return settings.SITE_URL + reverse("notification_unsubscribe", args=[token])


def unsubscribe_token_read(token: str) -> dict[str, Any] | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("m"), int):
        return None
    if not isinstance(value.get("c"), str) or not isinstance(value.get("ch"), str):
        return None
    return value


def preference_get(*, membership: Membership) -> DeliveryPreference:
    """The member's preferences: their stored row, or the defaults (not saved)."""
    preference = DeliveryPreference.objects.filter(membership=membership).first()
    if preference is None:
        preference = DeliveryPreference(
            organization_id=membership.organization_id, membership=membership
        )
    return preference


def preference_update(
    *,
    membership: Membership,
    choices: dict[str, list[str]],
    everything_off: bool,
    digest_frequency: str,
    digest_weekday: int,
    digest_time: datetime.time,
    time_zone: str,
    quiet_hours: bool,
    quiet_start: datetime.time,
    quiet_end: datetime.time,
    daily_cap: int,
) -> DeliveryPreference:
    """Save what the member chose (already checked by the form or the API schema).

    Channels the member turned off are recorded as unsubscribes, so an admin can see
    whether nudges pushed people away.
    """
    preference = preference_get(membership=membership)
    before = {
        category: set(chosen_channels(preference if preference.pk else None, category))
        for category in MEMBER_CATEGORIES
    }
    was_off = preference.everything_off
    preference.choices = {
        category: [channel for channel in allowed_channels(category) if channel in channels]
        for category, channels in choices.items()
        if category in MEMBER_CATEGORIES
    }
    preference.everything_off = everything_off
    preference.digest_frequency = digest_frequency
    preference.digest_weekday = digest_weekday
    preference.digest_time = digest_time
    preference.time_zone = time_zone
    preference.quiet_hours = quiet_hours
    preference.quiet_start = quiet_start
    preference.quiet_end = quiet_end
    preference.daily_cap = daily_cap
    preference.save()
    removed = [
        Unsubscribe(
            organization_id=membership.organization_id,
            membership=membership,
            category=category,
            channel=channel,
        )
        for category in MEMBER_CATEGORIES
        for channel in before[category] - set(chosen_channels(preference, category))
        if not everything_off
    ]
    if everything_off and not was_off:
        removed = [Unsubscribe(organization_id=membership.organization_id, membership=membership)]
    Unsubscribe.objects.bulk_create(removed)
    return preference


def unsubscribe_apply(*, membership: Membership, category: str, channel: str) -> bool:
    """Turn one category off on one channel (a message's one-click link). Returns False if
    it was already off. Anything but a member category turns everything off."""
    preference = preference_get(membership=membership)
    if category not in MEMBER_CATEGORIES:
        if preference.everything_off:
            return False
        preference.everything_off = True
        preference.save()
        Unsubscribe.objects.create(
            organization_id=membership.organization_id, membership=membership, from_link=True
        )
        return True
    current = list(chosen_channels(preference if preference.pk else None, category))
    if channel not in current:
        return False
    choices = dict(preference.choices or {})
    choices[category] = [value for value in current if value != channel]
    preference.choices = choices
    if category == Category.DIGEST and not choices[category]:
        preference.digest_frequency = DigestFrequency.OFF
    preference.save()
    Unsubscribe.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        category=category,
        channel=channel,
        from_link=True,
    )
    return True


def everything_off_apply(*, membership: Membership) -> bool:
    """Turn off everything outside the app (the "stop everything" link)."""
    return unsubscribe_apply(membership=membership, category="", channel="")
