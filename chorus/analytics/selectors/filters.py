"""The analytics filters (a period, a group, a campaign) parsed from query parameters, and
the rollup rows they select."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Group, Organization
from chorus.analytics.models import (
    DailyGroupStats,
    DailyNetworkStats,
    DailyShareStats,
)

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 731
# Far enough from date.min and date.max that the previous period is always a date.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)

METRICS = (
    "shares",
    "clicks",
    "unique_clicks",
    "previews",
    "reactions",
    "reposts",
    "replies",
    "impressions",
    "potential_reach",
)

MEMBER_FIELDS = ("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")


@dataclass(frozen=True)
class Filters:
    """A date range (both ends included) and optional group and campaign."""

    date_from: date
    date_to: date
    group_id: int | None = None
    campaign: str = ""

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        end = self.date_from - timedelta(days=1)
        return replace(self, date_from=end - timedelta(days=self.days - 1), date_to=end)

    def query(self) -> dict[str, str]:
        """As query parameters (for export links and presets)."""
        values = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.group_id is not None:
            values["group"] = str(self.group_id)
        if self.campaign:
            values["campaign"] = self.campaign
        return values


def _parse_day(value: str, *, start: bool) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        if start:
            message = _("The start date must be written YYYY-MM-DD (for example 2026-03-31).")
        else:
            message = _("The end date must be written YYYY-MM-DD (for example 2026-03-31).")
        raise ValidationError(message) from None
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("Dates must be between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST, "latest": LATEST}
        )
    return day


def filters_parse(
    *, organization: Organization, params: Mapping[str, Any], today: date | None = None
) -> Filters:
    """Filters from query parameters: date_from/date_to, or days (7, 30, 90); group; campaign.

    Raises ValidationError with a sentence a person can act on for anything wrong.
    """
    today = today or timezone.localdate()
    days_text = str(params.get("days") or "").strip()
    from_text = str(params.get("date_from") or "").strip()
    to_text = str(params.get("date_to") or "").strip()
    if days_text and not (from_text or to_text):
        if days_text not in {str(days) for days in PRESET_DAYS}:
            raise ValidationError(_("The period must be 7, 30 or 90 days."))
        date_to, date_from = today, today - timedelta(days=int(days_text) - 1)
    else:
        date_to = _parse_day(to_text, start=False) if to_text else today
        date_from = (
            _parse_day(from_text, start=True)
            if from_text
            else date_to - timedelta(days=DEFAULT_DAYS - 1)
        )
    if date_from > date_to:
        raise ValidationError(_("The start date is after the end date."))
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationError(_("A range covers at most %(days)s days.") % {"days": MAX_DAYS})
    group_id = None
    group_text = str(params.get("group") or "").strip()
    if group_text:
        if not group_text.isdigit() or len(group_text) > 18:
            raise ValidationError(_("Unknown group."))
        if not Group.objects.filter(organization=organization, pk=int(group_text)).exists():
            raise ValidationError(_("Unknown group."))
        group_id = int(group_text)
    campaign = str(params.get("campaign") or "").strip()
    if "\x00" in campaign or len(campaign) > 100:
        raise ValidationError(_("Unknown campaign."))
    return Filters(date_from=date_from, date_to=date_to, group_id=group_id, campaign=campaign)


def network_rows(
    *, organization: Organization, filters: Filters
) -> QuerySet[DailyNetworkStats] | QuerySet[DailyGroupStats] | QuerySet[DailyShareStats]:
    """The rows the totals, series and network mix sum: per day x network (x campaign, or
    of a group): hundreds for a range. Only a group and a campaign together read the fine
    rows of the group's members."""
    if filters.group_id is not None and filters.campaign:
        return stats_rows(organization=organization, filters=filters)
    span = {"organization": organization, "day__gte": filters.date_from}
    span["day__lte"] = filters.date_to
    if filters.group_id is not None:
        return DailyGroupStats.objects.filter(**span, group=filters.group_id)
    rows = DailyNetworkStats.objects.filter(**span)
    if filters.campaign:
        rows = rows.filter(campaign=filters.campaign)
    return rows


def _impressions_rows(filters: Filters) -> Sum | Count:
    """How many rows a network reported impressions for (stored in the coarse rows)."""
    if filters.group_id is not None and filters.campaign:
        return Count("impressions")
    return Sum("impressions_rows")


def stats_rows(*, organization: Organization, filters: Filters) -> QuerySet[DailyShareStats]:
    rows = DailyShareStats.objects.filter(
        organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
    )
    if filters.group_id is not None:
        rows = rows.filter(membership__groups=filters.group_id)
    if filters.campaign:
        rows = rows.filter(campaign=filters.campaign)
    return rows


def _sums(*names: str) -> dict[str, Sum]:
    return {name: Sum(name) for name in names}


def _engagement(values: Mapping[str, Any]) -> int:
    return (
        int(values.get("reactions") or 0)
        + int(values.get("reposts") or 0)
        + int(values.get("replies") or 0)
    )
