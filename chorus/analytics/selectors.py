"""The program's figures, read from the rollups (DailyShareStats, DailyHeadcount) only.

Never from raw clicks: the dashboards must stay fast on large organizations. Every
function takes the organization. Clicks in the rollups already exclude self-clicks and
previews, and no total here adds self-clicks back. Potential reach is shares x followers
where known: "potential", never "actual" reach.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from chorus.accounts.models import Group, Membership, Organization, ProgramStatus
from chorus.analytics.models import DailyHeadcount, DailyShareStats, ValueSettings
from chorus.content.models import Post
from chorus.content.selectors import post_audience
from chorus.networks.registry import CHANNEL_CHOICES

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 731
# Far enough from date.min and date.max that the previous period is always a date.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
# A group smaller than this is merged into "Other", so nobody is singled out.
SMALLEST_GROUP = 5
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
        stats_rows(organization=organization, filters=filters)
        .values("day", "network")
        .annotate(**aggregates, impressions_rows=Count("impressions"))
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
    sums = stats_rows(organization=organization, filters=filters).aggregate(
        **aggregates, impressions_rows=Count("impressions")
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
    rows = list(
        stats_rows(organization=organization, filters=filters)
        .values("post")
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
# membership id -> its sums over the range
MemberSums = dict[int, dict[str, int]]


def member_sums(*, organization: Organization, filters: Filters) -> MemberSums:
    """Every member's sums over the range and campaign, whatever the group filter.

    One scan of the rollups that the top members, the concentration, the group comparison
    and the median member share (a page computes it once and passes it on); a group filter
    is applied to its result, since a member's rows are in a group exactly when they are.
    """
    everyone = replace(filters, group_id=None)
    return {
        row["membership"]: {name: int(row[name] or 0) for name in MEMBER_FIELDS}
        for row in stats_rows(organization=organization, filters=everyone)
        .filter(membership__isnull=False)
        .values("membership")
        .annotate(**_sums(*MEMBER_FIELDS))
        .order_by()
    }


def _in_filter_group(sums: MemberSums, filters: Filters) -> MemberSums:
    if filters.group_id is None:
        return sums
    members = set(
        Group.members.through.objects.filter(group_id=filters.group_id).values_list(
            "membership_id", flat=True
        )
    )
    return {pk: values for pk, values in sums.items() if pk in members}


def top_members(
    *,
    organization: Organization,
    filters: Filters,
    limit: int = TOP,
    sums: MemberSums | None = None,
) -> list[Row]:
    """Members with the most clicks, then shares. Members who chose not to be ranked keep
    their place (so the ranks stay true) but are shown without name or id."""
    if sums is None:
        sums = member_sums(organization=organization, filters=filters)
    ranked_ids = sorted(
        _in_filter_group(sums, filters).items(),
        key=lambda item: (-item[1]["clicks"], -item[1]["shares"], item[0]),
    )[:limit]
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


def group_comparison(
    *, organization: Organization, filters: Filters, sums: MemberSums | None = None
) -> list[Row]:
    """Per group: members, shares, clicks, engagement, participation (members who shared /
    members). Groups of fewer than 5 members are merged into one "Other" line."""
    if sums is None:
        sums = member_sums(organization=organization, filters=filters)
    groups = list(
        Group.objects.filter(organization=organization)
        .annotate(size=Count("members", filter=Q(members__is_active=True)))
        .order_by("name", "pk")
    )
    members_of: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for group_id, membership_id, active in Group.members.through.objects.filter(
        group__organization=organization
    ).values_list("group_id", "membership_id", "membership__is_active"):
        members_of[group_id].append((membership_id, active))
    result = []
    # The "Other" line counts each person once, and only active members.
    small: set[int] = set()
    for group in groups:
        if group.size >= SMALLEST_GROUP:  # type: ignore[attr-defined]
            row = _added(sums, (pk for pk, _active in members_of[group.pk]))
            result.append(_group_row(str(group.pk), group.name, group.size, row, group.pk))  # type: ignore[attr-defined]
        else:
            small.update(pk for pk, active in members_of[group.pk] if active)
    if small:
        result.append(_group_row("other", OTHER_GROUP, len(small), _added(sums, small), None))
    return result


def _added(sums: MemberSums, members: Iterable[int]) -> dict[str, int]:
    """The members' sums added up, with how many of them shared ("sharers")."""
    total = dict.fromkeys(("shared", "clicks", "reactions", "reposts", "replies", "sharers"), 0)
    for pk in members:
        values = sums.get(pk)
        if values is None:
            continue
        total["shared"] += values["shares"]
        total["sharers"] += values["shares"] > 0
        for name in ("clicks", "reactions", "reposts", "replies"):
            total[name] += values[name]
    return total


def _group_row(
    key: str, label: str, size: int, row: Mapping[str, Any], group_id: int | None
) -> Row:
    sharers = int(row.get("sharers") or 0)
    return Row(
        key=key,
        label=label,
        shares=int(row.get("shared") or 0),
        clicks=int(row.get("clicks") or 0),
        engagement=_engagement(row),
        id=group_id,
        extra={
            "members": size,
            "sharers": sharers,
            "participation": round(sharers * 100 / size, 1) if size else 0.0,
        },
    )


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


def adoption(
    *, organization: Organization, filters: Filters, sums: MemberSums | None = None
) -> Adoption:
    """The funnel from the latest headcount of the range, participation per day (each
    day's own headcount), and concentration of activity in the top 10% of members."""
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
    if sums is None:
        sums = member_sums(organization=organization, filters=filters)
    concentration, counted = _concentration(
        _in_filter_group(sums, filters), joined=latest.joined if latest else 0
    )
    return Adoption(
        as_of=latest.day if latest else None,
        funnel=funnel,
        participation=participation,
        concentration=concentration,
        top_members_counted=counted,
    )


def _concentration(sums: MemberSums, *, joined: int) -> tuple[float | None, int]:
    activity = sorted(
        (values["shares"] + values["clicks"] for values in sums.values()), reverse=True
    )
    total = sum(activity)
    if total == 0:
        return None, 0
    # The top 10% of the members in the program (at least one), inactive ones included.
    top = max(1, math.ceil(max(joined, len(activity)) / 10))
    return round(sum(activity[:top]) * 100 / total, 1), top


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
    median: dict[str, float]
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
    return MemberStats(
        filters=everyone,
        shares=own["shares"],
        clicks=own["clicks"],
        engagement=_engagement(own),
        potential_reach=own["potential_reach"],
        median=_median_member(organization=organization, filters=everyone),
        best_posts=best_posts,
        networks=networks,
    )


def _median_member(*, organization: Organization, filters: Filters) -> dict[str, float]:
    """The median member in the program (members who did nothing count as zeros)."""
    per_member = list(member_sums(organization=organization, filters=filters).values())
    in_program = Membership.objects.filter(
        organization=organization, is_active=True, program_status=ProgramStatus.JOINED
    ).count()
    zeros = [0] * max(0, in_program - len(per_member))
    median = {}
    for name in ("shares", "clicks", "engagement"):
        values = [
            _engagement(row) if name == "engagement" else row[name] for row in per_member
        ] + zeros
        median[name] = float(statistics.median(values)) if values else 0.0
    return median


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
