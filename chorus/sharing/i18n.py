"""Dates in messages written for someone else, in that person's language.

A notification is written in its recipient's language (notification_create formats its
lazy message inside translation.override), so a date among its params must be formatted
then too, not in the language of the request or job that caused it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.functional import lazy

from chorus.accounts.models import Membership


def _formatted(value: date | datetime, format_name: str) -> str:
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, format_name)


def when_shown(value: date | datetime, format_name: str = "DATE_FORMAT") -> str:
    """`value` formatted the active language's way at the moment it is turned into text."""
    return lazy(_formatted, str)(value, format_name)


def in_language_of(membership: Membership) -> translation.override:
    """Write what a member reads later (a stored error, a reason) in their language."""
    return translation.override(membership.user.language or settings.LANGUAGE_CODE)
