"""The program's figures, read from the rollups (DailyShareStats, DailyHeadcount) only.

Never from raw clicks: the dashboards must stay fast on large organizations. Every
function takes the organization. Clicks in the rollups already exclude self-clicks and
previews, and no total here adds self-clicks back. Potential reach is shares x followers
where known: "potential", never "actual" reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from chorus.accounts.models import Group, Organization
from chorus.analytics.models import (
    DailyGroupHeadcount,
    DailyGroupStats,
    DailyHeadcount,
    DailyShareStats,
)
from chorus.analytics.rollups import SMALLEST_GROUP, day_bounds, group_sizes
from chorus.analytics.selectors.filters import (
    MEMBER_FIELDS,
    METRICS,
    Filters,
    _engagement,
    _impressions_rows,
    _sums,
    network_rows,
    stats_rows,
)
from chorus.analytics.selectors.values import EarnedMediaValue, earned_media_value, value_settings
from chorus.networks.registry import CHANNEL_CHOICES
from chorus.training.selectors import reports as training_reports

# Groups smaller than rollups.SMALLEST_GROUP are one line, so nobody is singled out.
# Marked for translation here, translated where shown (tests compare the English texts).
OTHER_GROUP = gettext_noop("Other (groups of fewer than 5 members)")


# -- totals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    value: int
    previous: int

    @property
    def change(self) -> float | None:
        """Percent change against the previous period (None when it had nothing)."""
        if self.previous == 0:
            return None
        return round((self.value - self.previous) * 100 / self.previous, 1)


LABELS = {
    "shares": gettext_noop("Shares"),
    "clicks": gettext_noop("Clicks"),
    "unique_clicks": gettext_noop("Unique clicks"),
    "previews": gettext_noop("Bot previews"),
    "reactions": gettext_noop("Reactions"),
    "reposts": gettext_noop("Reposts"),
    "replies": gettext_noop("Replies"),
    "engagement": gettext_noop("Engagement"),
    "impressions": gettext_noop("Impressions (where networks report them)"),
    "potential_reach": gettext_noop("Potential reach"),
}


@dataclass(frozen=True)
class Totals:
    filters: Filters
    figures: list[Figure]
    impressions_known: bool
    value: EarnedMediaValue
    previous_value: EarnedMediaValue

    def __getitem__(self, name: str) -> Figure:
        for figure in self.figures:
            if figure.name == name:
                return figure
        raise KeyError(name)  # templates then try the attribute


Grid = list[dict[str, Any]]


def stats_grid(*, organization: Organization, filters: Filters) -> Grid:
    """The range summed per (day, network): at most days x networks rows, and all the
    totals, the daily series and the network mix need, so the dashboard scans the range
    once for the three."""
    # Aliases may not shadow the fields counted next to them: the impressions sum is
    # renamed so that Count("impressions") (rows where a network said) reads the field.
    aggregates = _sums(*METRICS)
    aggregates["impressions_sum"] = aggregates.pop("impressions")
    rows = list(
        network_rows(organization=organization, filters=filters)
        .values("day", "network")
        .annotate(**aggregates, impressions_rows=_impressions_rows(filters))
        .order_by()
    )
    for row in rows:
        row["impressions"] = row.pop("impressions_sum")
    return rows


def _grid_totals(grid: Grid) -> dict[str, int | None]:
    totals: dict[str, int | None] = {
        name: sum(int(row[name] or 0) for row in grid) for name in (*METRICS, "impressions_rows")
    }
    totals["engagement"] = _engagement(totals)
    return totals


def _raw_totals(*, organization: Organization, filters: Filters) -> dict[str, int | None]:
    aggregates = _sums(*METRICS)
    aggregates["impressions_sum"] = aggregates.pop("impressions")  # see stats_grid
    sums = network_rows(organization=organization, filters=filters).aggregate(
        **aggregates, impressions_rows=_impressions_rows(filters)
    )
    sums["impressions"] = sums.pop("impressions_sum")
    totals: dict[str, int | None] = {name: int(sums[name] or 0) for name in METRICS}
    totals["engagement"] = _engagement(sums)
    totals["impressions_rows"] = int(sums["impressions_rows"] or 0)
    return totals


def totals(*, organization: Organization, filters: Filters, grid: Grid | None = None) -> Totals:
    """Every total of the period, each with the previous period's, and the EMV."""
    if grid is None:
        current = _raw_totals(organization=organization, filters=filters)
    else:
        current = _grid_totals(grid)
    previous = _raw_totals(organization=organization, filters=filters.previous())
    settings = value_settings(organization=organization)
    names = [*METRICS[:7], "engagement", "impressions", "potential_reach"]
    return Totals(
        filters=filters,
        figures=[
            Figure(name, gettext(LABELS[name]), int(current[name] or 0), int(previous[name] or 0))
            for name in names
        ],
        impressions_known=bool(current["impressions_rows"]),
        value=earned_media_value(settings=settings, totals=current),
        previous_value=earned_media_value(settings=settings, totals=previous),
    )


# -- series, networks, posts, members ------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    shares: int
    clicks: int
    engagement: int


def _summed_by(grid: Grid, key: str) -> dict[Any, dict[str, int]]:
    summed: dict[Any, dict[str, int]] = {}
    for row in grid:
        into = summed.setdefault(row[key], dict.fromkeys(METRICS, 0))
        for name in METRICS:
            into[name] += int(row[name] or 0)
    return summed


def daily_series(
    *, organization: Organization, filters: Filters, grid: Grid | None = None
) -> list[Day]:
    """One entry per day of the range (days without activity are zeros)."""
    if grid is None:
        grid = stats_grid(organization=organization, filters=filters)
    by_day = _summed_by(grid, "day")
    series = []
    for offset in range(filters.days):
        day = filters.date_from + timedelta(days=offset)
        row = by_day.get(day, {})
        series.append(Day(day, row.get("shares", 0), row.get("clicks", 0), _engagement(row)))
    return series


@dataclass(frozen=True)
class Row:
    """One line of a breakdown (a network, a post, a member, a group)."""

    key: str
    label: str
    shares: int
    clicks: int
    engagement: int
    potential_reach: int = 0
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _by_network(rows: QuerySet[DailyShareStats]) -> list[Row]:
    names = dict(CHANNEL_CHOICES)
    grouped = (
        rows.values("network")
        .annotate(**_sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach"))
        .order_by("network")
    )
    mix = [
        Row(
            key=row["network"],
            label=str(names.get(row["network"], row["network"])),
            shares=int(row["shares"] or 0),
            clicks=int(row["clicks"] or 0),
            engagement=_engagement(row),
            potential_reach=int(row["potential_reach"] or 0),
        )
        for row in grouped
    ]
    return sorted(mix, key=lambda row: (-row.shares, -row.clicks, row.key))


def network_mix(
    *, organization: Organization, filters: Filters, grid: Grid | None = None
) -> list[Row]:
    if grid is None:
        grid = stats_grid(organization=organization, filters=filters)
    names = dict(CHANNEL_CHOICES)
    mix = [
        Row(
            key=network,
            label=str(names.get(network, network)),
            shares=row["shares"],
            clicks=row["clicks"],
            engagement=_engagement(row),
            potential_reach=row["potential_reach"],
        )
        for network, row in _summed_by(grid, "network").items()
    ]
    return sorted(mix, key=lambda row: (-row.shares, -row.clicks, row.key))


# -- groups -------------------------------------------------------------------------------


def group_headcounts(
    *, organization: Organization, filters: Filters
) -> tuple[date | None, dict[int | None, DailyGroupHeadcount]]:
    """Each group's size and sharers in 30 days as of the range's last snapshot."""
    latest = (
        DailyGroupHeadcount.objects.filter(organization=organization, day__lte=filters.date_to)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    if latest is None:
        return None, {}
    return latest, {
        row.group_id: row
        for row in DailyGroupHeadcount.objects.filter(organization=organization, day=latest)
    }


def group_comparison(*, organization: Organization, filters: Filters) -> list[Row]:
    """Per group of 5 or more members, and one "Other" line for the smaller groups (each
    person once): its active members' shares, clicks and engagement in the range, and,
    as of the range's last headcount, its members and how many shared in the 30 days to
    then (participation)."""
    names = dict(Group.objects.filter(organization=organization).values_list("pk", "name"))
    as_of, headcounts = group_headcounts(organization=organization, filters=filters)
    summed: dict[int | None, dict[str, int]]
    if filters.campaign:
        summed = _group_sums_of_campaign(organization=organization, filters=filters)
    else:
        summed = {
            row["group"]: row
            for row in DailyGroupStats.objects.filter(
                organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
            )
            .values("group")
            .annotate(**_sums(*MEMBER_FIELDS))
            .order_by()
        }
    # The groups of the headcount (it has the groups of 5 or more and "Other"); before any
    # headcount, the groups' sizes now.
    if headcounts:
        large = [key for key in names if key in headcounts]
        small = None in headcounts
    else:
        sizes = group_sizes(organization.pk)
        large = [pk for pk, size in sizes.items() if size >= SMALLEST_GROUP]
        small = any(size < SMALLEST_GROUP for size in sizes.values())
    large.sort(key=lambda pk: (names[pk], pk))
    shown: list[int | None] = [*large]
    if small:
        shown.append(None)
    result = []
    for key in shown:
        headcount = headcounts.get(key)
        members = headcount.members if headcount else 0
        sharers = headcount.sharers_30_days if headcount else 0
        values = summed.get(key, {})
        result.append(
            Row(
                key=str(key) if key else "other",
                label=gettext(OTHER_GROUP) if key is None else names[key],
                shares=int(values.get("shares") or 0),
                clicks=int(values.get("clicks") or 0),
                engagement=_engagement(values),
                potential_reach=int(values.get("potential_reach") or 0),
                id=key,
                extra={
                    "members": members,
                    "sharers": sharers,
                    "participation": round(sharers * 100 / members, 1) if members else 0.0,
                    "as_of": as_of,
                },
            )
        )
    return result


def _group_sums_of_campaign(
    *, organization: Organization, filters: Filters
) -> dict[int | None, dict[str, int]]:
    """Group sums of one campaign's rows (the group stats do not know campaigns)."""
    rows = stats_rows(organization=organization, filters=replace(filters, group_id=None)).filter(
        membership__is_active=True
    )
    small = [pk for pk, size in group_sizes(organization.pk).items() if size < SMALLEST_GROUP]
    summed: dict[int | None, dict[str, int]] = {
        row["membership__groups"]: row
        for row in rows.filter(membership__groups__isnull=False)
        .exclude(membership__groups__in=small)
        .values("membership__groups")
        .annotate(**_sums(*MEMBER_FIELDS))
        .order_by()
    }
    if small:
        other = rows.filter(
            membership__in=Group.members.through.objects.filter(group__in=small).values(
                "membership_id"
            )
        ).aggregate(**_sums(*MEMBER_FIELDS))
        if any(other.values()):
            summed[None] = other
    return summed


# -- adoption -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    count: int
    percent: float  # of the first step


@dataclass(frozen=True)
class Participation:
    day: date
    joined: int
    sharers_30_days: int
    rate: float


@dataclass(frozen=True)
class Adoption:
    as_of: date | None
    funnel: list[Step]
    participation: list[Participation]
    concentration: float | None  # percent of all activity by the top 10% of members
    top_members_counted: int
    taken_at: datetime | None = None  # when that headcount was taken (today's: hourly)


def adoption(*, organization: Organization, filters: Filters) -> Adoption:
    """The funnel from the latest headcount of the range, participation per day (each
    day's own headcount), and, as of the same headcount, the share of the 30 days'
    activity made by the top 10% of members (concentration)."""
    headcounts = DailyHeadcount.objects.filter(
        organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
    ).order_by("day")
    latest = (
        DailyHeadcount.objects.filter(organization=organization, day__lte=filters.date_to)
        .order_by("-day")
        .first()
    )
    funnel: list[Step] = []
    if latest is not None:
        counts = [
            (gettext("Invited (members and open invitations)"), latest.members + latest.invited),
            (gettext("Joined the program"), latest.joined),
            (gettext("Connected an account"), latest.connected),
            (gettext("Shared in the last 30 days"), latest.sharers_30_days),
            (gettext("Shared in 3 of the last 4 weeks"), latest.sharers_3_of_4_weeks),
        ]
        first = counts[0][1]
        funnel = [
            Step(label, count, round(count * 100 / first, 1) if first else 0.0)
            for label, count in counts
        ]
    participation = [
        Participation(
            day=headcount.day,
            joined=headcount.joined,
            sharers_30_days=headcount.sharers_30_days,
            rate=round(headcount.sharers_30_days * 100 / headcount.joined, 1)
            if headcount.joined
            else 0.0,
        )
        for headcount in headcounts
    ]
    concentration, counted = None, 0
    if latest is not None and latest.activity_30_days:
        concentration = round(latest.top_tenth_activity_30_days * 100 / latest.activity_30_days, 1)
        counted = latest.top_tenth
    return Adoption(
        as_of=latest.day if latest else None,
        funnel=funnel,
        participation=participation,
        concentration=concentration,
        top_members_counted=counted,
        taken_at=latest.created_at if latest else None,
    )


def knowledge(
    *, organization: Organization, filters: Filters
) -> training_reports.KnowledgeSummary | None:
    """Beside participation: the mean quiz score of the period (each member's first attempt
    at a course in a month) and the share of active members certified now, for the
    group filtered on; None when no quiz was taken (or the group is under 5 members)."""
    return training_reports.knowledge_summary(
        organization=organization,
        start=day_bounds(filters.date_from)[0],
        end=day_bounds(filters.date_to)[1],
        group_id=filters.group_id,
    )
