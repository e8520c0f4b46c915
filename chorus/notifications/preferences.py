"""What a member chose, read without surprises: defaults, allowed channels, quiet hours.

Defaults are modest: a weekly digest by email, and everything else in the app only. A
nudge (at most one a month) comes by email, with how to stop it.
"""

from __future__ import annotations

import datetime
import zoneinfo
from functools import lru_cache

from django.conf import settings

from chorus.notifications.messages import MEMBER_CHANNELS, Category, Channel
from chorus.notifications.models import DeliveryPreference, DigestFrequency

# The categories a member chooses channels for, in the order their settings list them.
MEMBER_CATEGORIES = (
    Category.DIGEST,
    Category.POST_OF_THE_DAY,
    Category.ANNOUNCEMENT,
    Category.NUDGE,
    Category.SHARES,
    Category.ACCOUNTS,
    Category.REWARDS,
    Category.LEARNING,
    Category.CARE,
    Category.PROGRAM,
)

DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    Category.DIGEST: (Channel.EMAIL,),
    Category.NUDGE: (Channel.EMAIL,),
    Category.TEST: tuple(MEMBER_CHANNELS),
    Category.OWN_DATA: (Channel.IN_APP, Channel.EMAIL),
}

# A digest is a list to read later: not a phone buzz, not a line in the notifications list.
ALLOWED_CHANNELS: dict[str, tuple[str, ...]] = {
    Category.DIGEST: (Channel.EMAIL, Channel.SLACK),
    Category.NUDGE: (Channel.IN_APP, Channel.EMAIL, Channel.SLACK),
}

# Which category each in-app notification kind belongs to; anything else is PROGRAM.
KIND_CATEGORIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "share_failed",
            "share_approved",
            "share_rejected",
            "share_confirmed",
            "share_gated",
            "share_cancelled_pause",
            "autoshare_cancelled_pause",
            "autoshare_expired",
            "rate_limited",
            "rejected",
            "unavailable",
            "uncertain",
            "error",
            "disclosure",
            "post_approved",
            "post_rejected",
        ),
        Category.SHARES,
    ),
    **dict.fromkeys(
        ("auth_expired", "connection_expired", "connection_expiring"), Category.ACCOUNTS
    ),
    **dict.fromkeys(("badge", "reward", "reward_approved"), Category.REWARDS),
    **dict.fromkeys(
        (
            "certificate_expired",
            "certificate_expiring",
            "certificate_issued",
            "certificate_revoked",
            "meeting",
            "policy_published",
            "scenario_reviewed",
            "session_cancelled",
            "session_place",
        ),
        Category.LEARNING,
    ),
    **dict.fromkeys(("care_assigned", "care_escalated", "care_crisis_flagged"), Category.CARE),
    # The member's own data (their export is ready): reaches them even after they left.
    "data_export_ready": Category.OWN_DATA,
    # Best-practice spaces: a mention, a reply to one's thread, an invitation, a removal.
    **dict.fromkeys(
        ("community_mention", "community_reply", "community_invited", "community_removed"),
        Category.PROGRAM,
    ),
}


def category_of_kind(kind: str) -> str:
    if kind.startswith("care_"):
        return Category.CARE
    return KIND_CATEGORIES.get(kind, Category.PROGRAM)


def allowed_channels(category: str) -> tuple[str, ...]:
    return ALLOWED_CHANNELS.get(category, tuple(MEMBER_CHANNELS))


def chosen_channels(
    preference: DeliveryPreference | None, category: str, *, honour_off: bool = True
) -> tuple[str, ...]:
    """The channels this member gets this category on (in-app included when chosen).

    "Everything off" leaves the app alone: it turns off what reaches people outside it
    (``honour_off=False`` reads the choices under that switch, for the settings page).
    """
    if category == Category.TEST:
        return tuple(MEMBER_CHANNELS)
    allowed = allowed_channels(category)
    stored = (preference.choices or {}).get(category) if preference is not None else None
    if isinstance(stored, list):
        channels = tuple(channel for channel in allowed if channel in stored)
    else:
        channels = DEFAULT_CHANNELS.get(category, (Channel.IN_APP,))
        channels = tuple(channel for channel in channels if channel in allowed)
    if (
        category == Category.DIGEST
        and preference is not None
        and preference.digest_frequency == DigestFrequency.OFF
    ):
        return ()
    if (
        honour_off
        and preference is not None
        and preference.everything_off
        and category != Category.OWN_DATA
    ):
        return tuple(channel for channel in channels if channel == Channel.IN_APP)
    return channels


def zone(name: str) -> datetime.tzinfo:
    """The member's zone; empty (or unknown) is the site's, read each time it is asked."""
    return _zone(name or settings.TIME_ZONE, settings.TIME_ZONE)


@lru_cache(maxsize=512)
def _zone(name: str, fallback: str) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(fallback)


def is_time_zone(name: str) -> bool:
    return name in available_time_zones()


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def local_now(preference: DeliveryPreference | None, now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(zone(preference.time_zone if preference is not None else ""))


def quiet_until(
    preference: DeliveryPreference | None, now: datetime.datetime
) -> datetime.datetime | None:
    """When the member's quiet hours end, if ``now`` falls inside them; else None.

    Quiet hours may wrap midnight (20:00 to 08:00). Defaults apply with no stored row.
    """
    if preference is None:
        preference = DeliveryPreference()
    if not preference.quiet_hours or preference.quiet_start == preference.quiet_end:
        return None
    local = local_now(preference, now)
    start, end, current = preference.quiet_start, preference.quiet_end, local.timetz()
    current_time = datetime.time(current.hour, current.minute, current.second)
    wraps = start > end
    inside = (current_time >= start or current_time < end) if wraps else start <= current_time < end
    if not inside:
        return None
    end_day = local.date()
    if wraps and current_time >= start:
        end_day += datetime.timedelta(days=1)
    naive_end = datetime.datetime.combine(end_day, end)
    return naive_end.replace(tzinfo=local.tzinfo).astimezone(datetime.UTC)


def local_day_start(
    preference: DeliveryPreference | None, now: datetime.datetime
) -> datetime.datetime:
    """Midnight of the member's day, as an aware UTC moment (the daily cap counts from it)."""
    local = local_now(preference, now)
    midnight = datetime.datetime.combine(local.date(), datetime.time(0, 0))
    return midnight.replace(tzinfo=local.tzinfo).astimezone(datetime.UTC)
