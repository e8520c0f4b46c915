"""The program's figures, read from the rollups (DailyShareStats, DailyHeadcount) only.

Never from raw clicks: the dashboards must stay fast on large organizations. Every
function takes the organization. Clicks in the rollups already exclude self-clicks and
previews, and no total here adds self-clicks back. Potential reach is shares x followers
where known: "potential", never "actual" reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from chorus.accounts.models import Group, Membership, Organization
from chorus.analytics.models import (
    DailyGroupHeadcount,
    DailyGroupStats,
    DailyHeadcount,
    DailyMemberStats,
    DailyNetworkStats,
    DailyPostStats,
    DailyShareStats,
    ValueSettings,
)
from chorus.analytics.rollups import SMALLEST_GROUP, group_sizes
from chorus.content.models import Post
from chorus.content.selectors.posts import post_audience
from chorus.networks.registry import CHANNEL_CHOICES

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 731
# Far enough from date.min and date.max that the previous period is always a date.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
# Groups smaller than rollups.SMALLEST_GROUP are one line, so nobody is singled out.
OTHER_GROUP = "Other (groups of fewer than 5 members)"
NOT_RANKED = "A member who chose not to be ranked"
TOP = 10

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


def _parse_day(value: str, name: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            f"The {name} date must be written YYYY-MM-DD (for example 2026-03-31)."
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(f"Dates must be between {EARLIEST} and {LATEST}.")
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
            raise ValidationError("The period must be 7, 30 or 90 days.")
        date_to, date_from = today, today - timedelta(days=int(days_text) - 1)
    else:
        date_to = _parse_day(to_text, "end") if to_text else today
        date_from = (
            _parse_day(from_text, "start")
            if from_text
            else date_to - timedelta(days=DEFAULT_DAYS - 1)
        )
    if date_from > date_to:
        raise ValidationError("The start date is after the end date.")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValidationError(f"A range covers at most {MAX_DAYS} days.")
    group_id = None
    group_text = str(params.get("group") or "").strip()
    if group_text:
        if not group_text.isdigit() or len(group_text) > 18:
            raise ValidationError("Unknown group.")
        if not Group.objects.filter(organization=organization, pk=int(group_text)).exists():
            raise ValidationError("Unknown group.")
        group_id = int(group_text)
    campaign = str(params.get("campaign") or "").strip()
    if "\x00" in campaign or len(campaign) > 100:
        raise ValidationError("Unknown campaign.")
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


# -- earned media value ---------------------------------------------------------------

TIMES = "\u00d7"
DIVIDED = "\u00f7"
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def money(amount: Decimal, currency: str) -> str:
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{symbol}{amount.quantize(Decimal('0.01')):,}"


@dataclass(frozen=True)
class EarnedMediaValue:
    amount: Decimal
    currency: str
    formula: str

    @property
    def display(self) -> str:
        return money(self.amount, self.currency)


def value_settings(*, organization: Organization) -> ValueSettings:
    """The organization's values; without a row, every value is zero."""
    found = ValueSettings.objects.filter(organization=organization).first()
    return found or ValueSettings(organization=organization)


def earned_media_value(
    *, settings: ValueSettings, totals: Mapping[str, int | None]
) -> EarnedMediaValue:
    """clicks x per click + reactions x per reaction + reposts x per repost + replies x
    per reply (+ potential reach / 1000 x CPM when a CPM is set), with that formula."""
    currency = settings.currency
    parts: list[tuple[int, str, Decimal]] = [
        (int(totals.get("clicks") or 0), "clicks", settings.per_click),
        (int(totals.get("reactions") or 0), "reactions", settings.per_reaction),
        (int(totals.get("reposts") or 0), "reposts", settings.per_repost),
        (int(totals.get("replies") or 0), "replies", settings.per_reply),
    ]
    amount = sum((Decimal(count) * value for count, _, value in parts), Decimal("0"))
    terms = [f"{count:,} {label} {TIMES} {money(value, currency)}" for count, label, value in parts]
    if settings.cpm is not None:
        reach = int(totals.get("potential_reach") or 0)
        amount += Decimal(reach) / 1000 * settings.cpm
        terms.append(
            f"{reach:,} potential reach {DIVIDED} 1,000 {TIMES} {money(settings.cpm, currency)} CPM"
        )
    amount = amount.quantize(Decimal("0.01"))
    return EarnedMediaValue(
        amount=amount,
        currency=currency,
        formula=" + ".join(terms) + f" = {money(amount, currency)}",
    )


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
    "shares": "Shares",
    "clicks": "Clicks",
    "unique_clicks": "Unique clicks",
    "previews": "Bot previews",
    "reactions": "Reactions",
    "reposts": "Reposts",
    "replies": "Replies",
    "engagement": "Engagement",
    "impressions": "Impressions (where networks report them)",
    "potential_reach": "Potential reach",
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
            Figure(name, LABELS[name], int(current[name] or 0), int(previous[name] or 0))
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


def top_posts(*, organization: Organization, filters: Filters, limit: int = TOP) -> list[Row]:
    """Posts with the most clicks (then shares, then engagement)."""
    source: QuerySet[DailyPostStats] | QuerySet[DailyShareStats]
    if filters.group_id is None:  # per day x post: thousands of rows for a range
        source = DailyPostStats.objects.filter(
            organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
        )
        if filters.campaign:
            source = source.filter(campaign=filters.campaign)
    else:
        source = stats_rows(organization=organization, filters=filters)
    rows = list(
        source.values("post")
        .annotate(**_sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach"))
        .order_by("-clicks", "-shares", "post")[: limit * 3]
    )
    titles = dict(
        Post.objects.filter(pk__in=[row["post"] for row in rows]).values_list("pk", "title")
    )
    posts = [
        Row(
            key=str(row["post"]),
            label=titles.get(row["post"], ""),
            shares=int(row["shares"] or 0),
            clicks=int(row["clicks"] or 0),
            engagement=_engagement(row),
            potential_reach=int(row["potential_reach"] or 0),
            id=row["post"],
        )
        for row in rows
    ]
    posts.sort(key=lambda row: (-row.clicks, -row.shares, -row.engagement, row.id or 0))
    return posts[:limit]


def _member_names(ids: list[int]) -> dict[int, tuple[str, bool]]:
    found = Membership.objects.filter(pk__in=ids).values_list(
        "pk", "user__name", "user__email", "public_ranking"
    )
    return {pk: (name or email, ranked) for pk, name, email, ranked in found}


MEMBER_FIELDS = ("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")
# How many of each day's best members top members read first (see _top_member_ids).
FIRST_READ = 50


def _member_source(
    *, organization: Organization, filters: Filters
) -> QuerySet[DailyMemberStats] | QuerySet[DailyShareStats]:
    """Per day x member rows for the range (group: its members), or the fine rows for a
    campaign (members' daily rows do not know campaigns)."""
    if filters.campaign:
        return stats_rows(organization=organization, filters=filters).filter(
            membership__isnull=False
        )
    rows = DailyMemberStats.objects.filter(
        organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
    )
    if filters.group_id is not None:
        rows = rows.filter(membership__groups=filters.group_id)
    return rows


def _ranked(
    rows: QuerySet[Any], limit: int, among: Iterable[int] | None = None
) -> list[tuple[int, dict[str, int]]]:
    """Members summed over `rows` (optionally only `among` them), best first."""
    if among is not None:
        rows = rows.filter(membership__in=list(among))
    summed = (
        rows.values("membership")
        .annotate(**_sums(*MEMBER_FIELDS))
        .order_by("-clicks", "-shares", "membership")
    )
    if limit:
        summed = summed[:limit]
    return [
        (row["membership"], {name: int(row[name] or 0) for name in MEMBER_FIELDS}) for row in summed
    ]


def _top_member_ids(
    *, organization: Organization, filters: Filters, limit: int
) -> list[tuple[int, dict[str, int]]]:
    """The `limit` members with the most clicks (then shares) over the range, exactly,
    without summing every member's days when the leaders are clear.

    Each day's FIRST_READ best members are candidates (an index gives them in order). A
    member who is no day's candidate has at most, on each day, that day's last candidate's
    clicks: if the candidates' `limit`-th total is above the sum of those, no one else can
    be in the top, and only the candidates' rows are summed. Otherwise (a flat program, a
    group or a campaign filter), every member is summed."""
    source = _member_source(organization=organization, filters=filters)
    if filters.campaign or filters.group_id is not None or filters.days > MAX_FIRST_DAYS:
        return _ranked(source, limit)
    candidates: set[int] = set()
    bound = 0
    for rows in _days_best(organization=organization, filters=filters).values():
        candidates.update(pk for pk, _clicks in rows)
        if len(rows) == FIRST_READ:
            bound += rows[-1][1]
    ranked = _ranked(source, limit, among=candidates)
    if len(ranked) == limit and ranked[-1][1]["clicks"] > bound:
        return ranked
    return _ranked(source, limit)


# Ranges longer than this sum every member (one look-up per day would cost more).
MAX_FIRST_DAYS = 120


def _days_best(
    *, organization: Organization, filters: Filters
) -> dict[date, list[tuple[int, int]]]:
    """Each day's FIRST_READ best members (id, clicks), best first: one statement, each
    day read from the (organization, day, -clicks, -shares) index."""
    table = DailyMemberStats._meta.db_table
    one_day = (
        f"SELECT * FROM (SELECT day, membership_id, clicks, shares FROM {table}"  # noqa: S608 (table name from the model)
        " WHERE organization_id = %s AND day = %s"
        f" ORDER BY clicks DESC, shares DESC LIMIT {FIRST_READ}) AS d{{}}"
    )
    days = [filters.date_from + timedelta(days=offset) for offset in range(filters.days)]
    sql = " UNION ALL ".join(one_day.format(index) for index in range(len(days)))
    params: list[Any] = []
    for day in days:
        params += [organization.pk, day]
    best: dict[date, list[tuple[int, int, int]]] = {day: [] for day in days}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for day, membership_id, clicks, shares in cursor.fetchall():
            if isinstance(day, str):  # SQLite
                day = date.fromisoformat(day)
            best[day].append((int(clicks), int(shares), int(membership_id)))
    return {
        day: [(pk, clicks) for clicks, _shares, pk in sorted(rows, key=lambda r: (-r[0], -r[1]))]
        for day, rows in best.items()
    }


def top_members(*, organization: Organization, filters: Filters, limit: int = TOP) -> list[Row]:
    """Members with the most clicks, then shares. Members who chose not to be ranked keep
    their place (so the ranks stay true) but are shown without name or id."""
    ranked_ids = _top_member_ids(organization=organization, filters=filters, limit=limit)
    names = _member_names([pk for pk, _values in ranked_ids])
    members = []
    for pk, values in ranked_ids:
        name, ranked = names.get(pk, ("", False))
        members.append(
            Row(
                key=str(pk) if ranked else "",
                label=name if ranked else NOT_RANKED,
                shares=values["shares"],
                clicks=values["clicks"],
                engagement=_engagement(values),
                potential_reach=values["potential_reach"],
                id=pk if ranked else None,
            )
        )
    return members


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
                label=OTHER_GROUP if key is None else names[key],
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
            ("Invited (members and open invitations)", latest.members + latest.invited),
            ("Joined the program", latest.joined),
            ("Connected an account", latest.connected),
            ("Shared in the last 30 days", latest.sharers_30_days),
            ("Shared in 3 of the last 4 weeks", latest.sharers_3_of_4_weeks),
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


# -- one post -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostFunnel:
    post: Post
    reached: int
    shares: int
    clicks: int
    engagement: int
    potential_reach: int
    networks: list[Row]
    value: EarnedMediaValue


def post_funnel(*, organization: Organization, post: Post) -> PostFunnel:
    """Members reached (the post's audience) → shares → clicks → engagement, per network."""
    rows = DailyShareStats.objects.filter(organization=organization, post=post)
    sums = _sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")
    per_network = _by_network(rows)
    total = rows.aggregate(**sums)
    totals_map = {name: int(total[name] or 0) for name in total}
    return PostFunnel(
        post=post,
        reached=post_audience(post).count(),
        shares=totals_map["shares"],
        clicks=totals_map["clicks"],
        engagement=_engagement(totals_map),
        potential_reach=totals_map["potential_reach"],
        networks=per_network,
        value=earned_media_value(
            settings=value_settings(organization=organization), totals=totals_map
        ),
    )


# -- one member -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStats:
    filters: Filters
    shares: int
    clicks: int
    engagement: int
    potential_reach: int
    median: dict[str, float]  # the median member over the 30 days to `median_as_of`
    median_as_of: date | None
    own_30_days: dict[str, int]  # the member's own figures over the same 30 days
    best_posts: list[Row]
    networks: list[Row]


def member_stats(
    *, organization: Organization, membership: Membership, filters: Filters
) -> MemberStats:
    """A member's own figures, best posts, and the median member of the program's."""
    everyone = replace(filters, group_id=None)
    mine = stats_rows(organization=organization, filters=everyone).filter(membership=membership)
    sums = _sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")
    total = mine.aggregate(**sums)
    own = {name: int(total[name] or 0) for name in total}
    best = mine.values("post").annotate(**sums).order_by("-clicks", "-shares", "post")[:5]
    titles = dict(
        Post.objects.filter(pk__in=[row["post"] for row in best]).values_list("pk", "title")
    )
    best_posts = [
        Row(
            key=str(row["post"]),
            label=titles.get(row["post"], ""),
            shares=int(row["shares"] or 0),
            clicks=int(row["clicks"] or 0),
            engagement=_engagement(row),
            potential_reach=int(row["potential_reach"] or 0),
            id=row["post"],
        )
        for row in best
    ]
    networks = _by_network(mine)
    median, as_of = _median_member(organization=organization, filters=everyone)
    own_30_days = dict.fromkeys(("shares", "clicks", "engagement"), 0)
    if as_of is not None:
        last_30 = DailyMemberStats.objects.filter(
            organization=organization,
            membership=membership,
            day__gte=as_of - timedelta(days=29),
            day__lte=as_of,
        ).aggregate(**_sums("shares", "clicks", "reactions", "reposts", "replies"))
        own_30_days = {
            "shares": int(last_30["shares"] or 0),
            "clicks": int(last_30["clicks"] or 0),
            "engagement": _engagement(last_30),
        }
    return MemberStats(
        filters=everyone,
        shares=own["shares"],
        clicks=own["clicks"],
        engagement=_engagement(own),
        potential_reach=own["potential_reach"],
        median=median,
        median_as_of=as_of,
        own_30_days=own_30_days,
        best_posts=best_posts,
        networks=networks,
    )


def _median_member(
    *, organization: Organization, filters: Filters
) -> tuple[dict[str, float], date | None]:
    """The median member in the program over the 30 days to the range's last headcount
    (members who did nothing count as zeros), and that day."""
    latest = (
        DailyHeadcount.objects.filter(organization=organization, day__lte=filters.date_to)
        .order_by("-day")
        .first()
    )
    if latest is None:
        return dict.fromkeys(("shares", "clicks", "engagement"), 0.0), None
    return {
        "shares": latest.median_shares_30_days,
        "clicks": latest.median_clicks_30_days,
        "engagement": latest.median_engagement_30_days,
    }, latest.day


def member_rows(
    *, organization: Organization, membership: Membership, filters: Filters
) -> Iterator[DailyShareStats]:
    """The member's own rows, day by day (for their export)."""
    everyone = replace(filters, group_id=None)
    return (
        stats_rows(organization=organization, filters=everyone)
        .filter(membership=membership)
        .select_related("post")
        .order_by("day", "post_id", "network")
        .iterator(chunk_size=2000)
    )
