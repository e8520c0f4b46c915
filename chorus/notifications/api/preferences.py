"""A member's own delivery preferences: what reaches them where, when and how often."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import field_validator

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input
from chorus.notifications.models import DeliveryPreference
from chorus.notifications.preferences import (
    MEMBER_CATEGORIES,
    allowed_channels,
    available_time_zones,
    chosen_channels,
)
from chorus.notifications.services import preferences as services

router = Router(tags=["notifications"])

# Times of day travel as "HH:MM" in the member's time zone (JSON Schema's "time" format
# wants an offset, which a time in the member's own zone has not).
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _clock(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _parse_clock(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


class DeliveryPreferencesOut(Schema):
    everything_off: bool
    channels: dict[str, list[str]] = Field(
        description="For each category, the channels it reaches the member on."
    )
    allowed: dict[str, list[str]] = Field(description="The channels each category may use.")
    digest_frequency: Literal["off", "daily", "weekly"]
    digest_weekday: int = Field(description="0 is Monday.")
    digest_time: str = Field(description="HH:MM in `time_zone`", pattern=CLOCK)
    time_zone: str
    quiet_hours: bool
    quiet_start: str = Field(description="HH:MM in `time_zone`", pattern=CLOCK)
    quiet_end: str = Field(description="HH:MM in `time_zone`", pattern=CLOCK)
    daily_cap: int


class DeliveryPreferencesIn(Input):
    everything_off: bool = False
    channels: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Categories to change, each with its channels; others stay as they are.",
    )
    digest_frequency: Literal["off", "daily", "weekly"] = "weekly"
    digest_weekday: int = Field(0, ge=0, le=6)
    digest_time: str = Field("09:00", description="HH:MM in `time_zone`", pattern=CLOCK)
    time_zone: str = Field("", max_length=64)
    quiet_hours: bool = True
    quiet_start: str = Field("20:00", description="HH:MM in `time_zone`", pattern=CLOCK)
    quiet_end: str = Field("08:00", description="HH:MM in `time_zone`", pattern=CLOCK)
    daily_cap: int = Field(3, ge=1, le=20)

    @field_validator("time_zone")
    @classmethod
    def known_time_zone(cls, value: str) -> str:
        if value and value not in available_time_zones():
            raise ValueError(_("Not a time zone; use a name like Europe/Berlin."))
        return value

    @field_validator("channels")
    @classmethod
    def known_channels(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for category, channels in value.items():
            if category not in MEMBER_CATEGORIES:
                raise ValueError(_("Unknown category: %(name)s.") % {"name": category[:40]})
            for channel in channels:
                if channel not in allowed_channels(category):
                    raise ValueError(
                        _("%(channel)s is not a channel for %(category)s.")
                        % {"channel": channel[:40], "category": category}
                    )
        return value


def _out(preference: DeliveryPreference) -> DeliveryPreferencesOut:
    stored = preference if preference.pk else None
    return DeliveryPreferencesOut(
        everything_off=preference.everything_off,
        channels={
            category: list(chosen_channels(stored, category, honour_off=False))
            for category in MEMBER_CATEGORIES
        },
        allowed={category: list(allowed_channels(category)) for category in MEMBER_CATEGORIES},
        digest_frequency=preference.digest_frequency,  # type: ignore[arg-type]
        digest_weekday=preference.digest_weekday,
        digest_time=_clock(preference.digest_time),
        time_zone=preference.time_zone,
        quiet_hours=preference.quiet_hours,
        quiet_start=_clock(preference.quiet_start),
        quiet_end=_clock(preference.quiet_end),
        daily_cap=preference.daily_cap,
    )


@router.get(
    "/me/notification-preferences",
    response=DeliveryPreferencesOut,
    summary="My delivery preferences",
)
@api_roles()
def preferences_get(request: HttpRequest) -> DeliveryPreferencesOut:
    return _out(services.preference_get(membership=calling_member(request)))


@router.put(
    "/me/notification-preferences",
    response={200: DeliveryPreferencesOut, 422: Error},
    summary="Change my delivery preferences",
    description="Voluntary by design: `everything_off` stops every message outside the app.",
)
@api_roles()
def preferences_put(request: HttpRequest, payload: DeliveryPreferencesIn) -> DeliveryPreferencesOut:
    membership = calling_member(request)
    current = services.preference_get(membership=membership)
    stored = current if current.pk else None
    choices: dict[str, list[str]] = {
        str(category): list(chosen_channels(stored, category, honour_off=False))
        for category in MEMBER_CATEGORIES
    }
    choices.update(payload.channels)
    preference = services.preference_update(
        membership=membership,
        choices=choices,
        everything_off=payload.everything_off,
        digest_frequency=payload.digest_frequency,
        digest_weekday=payload.digest_weekday,
        digest_time=_parse_clock(payload.digest_time),
        time_zone=payload.time_zone,
        quiet_hours=payload.quiet_hours,
        quiet_start=_parse_clock(payload.quiet_start),
        quiet_end=_parse_clock(payload.quiet_end),
        daily_cap=payload.daily_cap,
    )
    return _out(preference)
