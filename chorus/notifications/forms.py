from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import DeliveryPreference, DigestFrequency
from chorus.notifications.preferences import (
    MEMBER_CATEGORIES,
    allowed_channels,
    available_time_zones,
    chosen_channels,
)

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class DeliveryPreferenceForm(forms.Form):
    """Where and when a member is reached: a row of channels per category, the digest,
    quiet hours, a daily limit, and one switch for everything outside the app."""

    everything_off = forms.BooleanField(
        label=_("Turn off everything outside the app"),
        required=False,
        help_text=_("No email, Slack or phone messages at all. The app still lists them."),
    )
    digest_frequency = forms.ChoiceField(label=_("Digest"), choices=DigestFrequency.choices)
    digest_weekday = forms.TypedChoiceField(
        label=_("Day of the weekly digest"), choices=WEEKDAYS, coerce=int
    )
    digest_time = forms.TimeField(
        label=_("Time of the digest"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("For example Europe/Berlin. Empty uses the organization's time zone."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    quiet_hours = forms.BooleanField(label=_("Quiet hours"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet until"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    daily_cap = forms.IntegerField(
        label=_("At most this many messages a day"),
        min_value=1,
        max_value=20,
        help_text=_("Across email, Slack and your devices. Tests and your own data do not count."),
    )

    def __init__(self, *args: Any, preference: DeliveryPreference, **kwargs: Any) -> None:
        stored = preference if preference.pk else None
        kwargs.setdefault(
            "initial",
            {
                "everything_off": preference.everything_off,
                "digest_frequency": preference.digest_frequency,
                "digest_weekday": preference.digest_weekday,
                "digest_time": preference.digest_time,
                "time_zone": preference.time_zone,
                "quiet_hours": preference.quiet_hours,
                "quiet_start": preference.quiet_start,
                "quiet_end": preference.quiet_end,
                "daily_cap": preference.daily_cap,
            },
        )
        super().__init__(*args, **kwargs)
        for category in MEMBER_CATEGORIES:
            self.fields[f"channels_{category}"] = forms.MultipleChoiceField(
                label=Category(category).label,
                required=False,
                choices=[
                    (channel, Channel(channel).label) for channel in allowed_channels(category)
                ],
                widget=forms.CheckboxSelectMultiple,
                initial=list(chosen_channels(stored, category, honour_off=False)),
            )

    @property
    def category_rows(self) -> list[tuple[str, forms.BoundField]]:
        return [(category, self[f"channels_{category}"]) for category in MEMBER_CATEGORIES]

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data.get("time_zone", "").strip()
        if value and value not in available_time_zones():
            raise forms.ValidationError(
                _("“%(value)s” is not a time zone. Pick one from the list, like Europe/Berlin."),
                params={"value": value},
            )
        return value

    def choices(self) -> dict[str, list[str]]:
        return {
            category: list(self.cleaned_data.get(f"channels_{category}") or [])
            for category in MEMBER_CATEGORIES
        }

    def time(self, name: str) -> datetime.time:
        value: datetime.time = self.cleaned_data[name]
        return value
