"""Measuring customer care: volume, response and resolution times against the targets,
outcomes, and the reactions to published replies, per network, group and member.

The conversations opened in the period are read in ONE query (a handful of columns each)
and every figure is counted in one pass over them in Python: medians and percentiles are
not portable SQL (SQLite has none), and one pass over the rows of even a busy quarter is
cheaper than a query per figure. Replies and their reactions are one more query, grouped
in the database.

- **First response time**: from the customer's first message (`opened_at`) to our first
  public answer (`first_response_at`); **resolution time**: to `resolved_at` (closed).
- **Within target**: answered (or resolved) by its due time. A conversation still
  unanswered is counted once its due time has passed (a breach); before that it is
  undecided and left out of the share, as is a target still open when the conversation
  was escalated (the support team has it then).
- **Percentiles**: the nearest-rank method (the value below which p% of the times fall),
  the median as `statistics.median` computes it.
- **Per member** and **per group** follow the assignee (the member who has or had the
  conversation); a conversation counts in each group of its assignee.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from chorus.accounts.models import Group, Membership, Organization
from chorus.care.models import (
    CareReply,
    CareSettings,
    CareTag,
    Conversation,
    ConversationStatus,
    Priority,
    ReplyStatus,
)
from chorus.care.models.inbox import PRIORITY_RANK
from chorus.care.models.settings import first_response_targets, resolution_targets
from chorus.networks.registry import CHANNEL_CHOICES

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
# A chosen range is at most two years long (the page reads every conversation in it).
MAX_DAYS = 731
NETWORK_NAMES = dict(CHANNEL_CHOICES)


def network_name(network: str) -> str:
    if not network:
        return gettext("No network (webhook or entered by hand)")
    return str(NETWORK_NAMES.get(network, network))


def targets_in_force(*, organization: Organization) -> tuple[dict[str, int], dict[str, int]]:
    """The first-response and resolution minutes per priority (the defaults where the
    organization set none)."""
    found = CareSettings.objects.filter(organization=organization).first()
    return (
        {**first_response_targets(), **((found and found.first_response_minutes) or {})},
        {**resolution_targets(), **((found and found.resolution_minutes) or {})},
    )


# -- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """The period ([start, end) in the current time zone's days) and what it is narrowed to.
    `errors` say what in the query string was refused (the default was used instead)."""

    start: date
    end: date  # inclusive: the last day shown
    days: int | None = DEFAULT_DAYS  # a preset period, or None for a chosen range
    network: str = ""
    group_id: int | None = None
    membership_id: int | None = None
    priority: str = ""
    tag_id: int | None = None
    errors: tuple[str, ...] = ()

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def query(self) -> dict[str, str]:
        """The filters as a query string's values (for export links)."""
        values: dict[str, str] = {}
        if self.days:
            values["days"] = str(self.days)
        else:
            values["from"] = self.start.isoformat()
            values["to"] = self.end.isoformat()
        for name, value in (
            ("network", self.network),
            ("group", self.group_id),
            ("member", self.membership_id),
            ("priority", self.priority),
            ("tag", self.tag_id),
        ):
            if value:
                values[name] = str(value)
        return values


def _number(params: Any, name: str) -> int | None:
    value = str(params.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def report_filters_parse(
    *, organization: Organization, params: Any, today: date | None = None
) -> ReportFilters:
    """The filters of a query string. Unknown or foreign ids are ignored (the whole
    organization is shown instead); a bad date range falls back to the last 30 days with
    a message in `errors`. Never raises."""
    today = today or timezone.localdate()
    errors: list[str] = []
    start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    days: int | None = DEFAULT_DAYS
    given_from, given_to = str(params.get("from") or "").strip(), str(params.get("to") or "")
    if given_from or given_to.strip():
        try:
            chosen_start = date.fromisoformat(given_from)
            chosen_end = date.fromisoformat(given_to.strip()) if given_to.strip() else today
        except ValueError:
            errors.append(gettext("Give the dates as YYYY-MM-DD; the last 30 days are shown."))
        else:
            if chosen_start > chosen_end:
                errors.append(
                    gettext("The period starts after it ends; the last 30 days are shown.")
                )
            elif (chosen_end - chosen_start).days >= MAX_DAYS:
                errors.append(
                    gettext("Choose at most %(days)s days; the last 30 days are shown.")
                    % {"days": MAX_DAYS}
                )
            else:
                start, end, days = chosen_start, chosen_end, None
    else:
        wanted = _number(params, "days")
        if wanted in PERIODS:
            start, days = today - timedelta(days=wanted - 1), wanted

    network = str(params.get("network") or "").strip()
    if network not in NETWORK_NAMES:
        network = ""
    group_id = _number(params, "group")
    if group_id and not Group.objects.filter(organization=organization, pk=group_id).exists():
        group_id = None
    membership_id = _number(params, "member")
    if (
        membership_id
        and not Membership.objects.filter(organization=organization, pk=membership_id).exists()
    ):
        membership_id = None
    priority = str(params.get("priority") or "")
    if priority not in Priority.values:
        priority = ""
    tag_id = _number(params, "tag")
    if tag_id and not CareTag.objects.filter(organization=organization, pk=tag_id).exists():
        tag_id = None
    return ReportFilters(
        start=start,
        end=end,
        days=days,
        network=network,
        group_id=group_id,
        membership_id=membership_id,
        priority=priority,
        tag_id=tag_id,
        errors=tuple(errors),
    )


def report_conversations(
    *, organization: Organization, filters: ReportFilters
) -> QuerySet[Conversation]:
    """The conversations the report counts: opened in the period, narrowed by the filters."""
    found = Conversation.objects.filter(
        organization=organization, opened_at__gte=filters.since, opened_at__lt=filters.until
    )
    if filters.network:
        found = found.filter(network=filters.network)
    if filters.priority:
        found = found.filter(priority=filters.priority)
    if filters.membership_id:
        found = found.filter(assignee_id=filters.membership_id)
    if filters.group_id:
        in_group = Group.members.through.objects.filter(group_id=filters.group_id).values(
            "membership_id"
        )
        found = found.filter(assignee_id__in=in_group)
    if filters.tag_id:
        tagged = Conversation.tags.through.objects.filter(caretag_id=filters.tag_id).values(
            "conversation_id"
        )
        found = found.filter(pk__in=tagged)
    return found


# -- figures ----------------------------------------------------------------------------------


def _percentile(ordered: list[float], percent: int) -> float:
    """Nearest rank: the smallest value with at least `percent`% of the values at or below."""
    rank = max(1, math.ceil(percent * len(ordered) / 100))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Duration:
    """Minutes: how many were measured, their median and 90th percentile (None: none)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, minutes: Iterable[float]) -> Duration:
        ordered = sorted(minutes)
        if not ordered:
            return cls()
        return cls(
            count=len(ordered),
            median=round(statistics.median(ordered), 1),
            p90=round(_percentile(ordered, 90), 1),
        )


@dataclass(frozen=True)
class WithinTarget:
    counted: int = 0  # decided: met, or missed (answered late, or still open past due)
    within: int = 0

    @property
    def missed(self) -> int:
        return self.counted - self.within

    @property
    def percent(self) -> float | None:
        return round(self.within * 100 / self.counted, 1) if self.counted else None


@dataclass
class Tally:
    """The figures of a set of conversations, counted as they pass."""

    opened: int = 0
    answered: int = 0
    closed: int = 0
    escalated: int = 0
    closed_unanswered: int = 0
    first_minutes: list[float] = field(default_factory=list)
    resolution_minutes: list[float] = field(default_factory=list)
    first_counted: int = 0
    first_within: int = 0
    resolution_counted: int = 0
    resolution_within: int = 0

    def add(self, row: Row, now: datetime) -> None:
        self.opened += 1
        if row.first_response_at is not None:
            self.answered += 1
            self.first_minutes.append(_minutes(row.first_response_at - row.opened_at))
        if row.resolved_at is not None:
            self.closed += 1
            self.resolution_minutes.append(_minutes(row.resolved_at - row.opened_at))
            if row.first_response_at is None and row.escalated_at is None:
                self.closed_unanswered += 1
        if row.escalated_at is not None:
            self.escalated += 1
        # Handed to the support team: its targets still open are theirs, not counted here.
        handed_over = row.escalated_at is not None
        decided = _decided(row.first_response_due, row.first_response_at, now, handed_over)
        if decided is not None:
            self.first_counted += 1
            self.first_within += decided
        decided = _decided(row.resolution_due, row.resolved_at, now, handed_over)
        if decided is not None:
            self.resolution_counted += 1
            self.resolution_within += decided

    @property
    def first_response(self) -> Duration:
        return Duration.of(self.first_minutes)

    @property
    def resolution(self) -> Duration:
        return Duration.of(self.resolution_minutes)

    @property
    def first_target(self) -> WithinTarget:
        return WithinTarget(self.first_counted, self.first_within)

    @property
    def resolution_target(self) -> WithinTarget:
        return WithinTarget(self.resolution_counted, self.resolution_within)


def _minutes(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 60)


def _decided(
    due: datetime | None, done: datetime | None, now: datetime, handed_over: bool
) -> bool | None:
    """Met (True), missed (False) or not counted (None: not due yet, no target, or
    escalated before it was met)."""
    if due is None:
        return None
    if done is not None:
        return done <= due
    return False if now > due and not handed_over else None


@dataclass(frozen=True)
class Row:
    pk: int
    network: str
    priority: str
    assignee_id: int | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    escalated_at: datetime | None
    first_response_due: datetime | None
    resolution_due: datetime | None


ROW_FIELDS = [
    "pk",
    "network",
    "priority",
    "assignee_id",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "escalated_at",
    "first_response_due",
    "resolution_due",
]


@dataclass(frozen=True)
class Line:
    """One network, group or member: its tally and, for members and groups, replies."""

    key: str
    label: str
    tally: Tally
    replies_published: int = 0
    reactions: int = 0


@dataclass(frozen=True)
class PriorityLine:
    priority: str
    label: str
    first_target_minutes: int
    resolution_target_minutes: int
    tally: Tally


@dataclass(frozen=True)
class Reactions:
    replies_published: int = 0
    measured: int = 0  # of them, read back at least once
    reactions: int = 0
    reposts: int = 0
    replies: int = 0


@dataclass(frozen=True)
class Day:
    day: date
    opened: int
    answered: int


@dataclass(frozen=True)
class CareReport:
    filters: ReportFilters
    total: Tally
    priorities: list[PriorityLine]
    networks: list[Line]
    groups: list[Line]
    members: list[Line]
    reactions: Reactions
    days: list[Day]

    @property
    def breaches(self) -> int:
        return self.total.first_target.missed + self.total.resolution_target.missed


def _rows(organization: Organization, filters: ReportFilters) -> list[Row]:
    found = report_conversations(organization=organization, filters=filters)
    return [Row(*values) for values in found.order_by().values_list(*ROW_FIELDS)]


def _reply_figures(
    organization: Organization, filters: ReportFilters
) -> tuple[Reactions, dict[int, tuple[int, int]]]:
    """Replies published on the period's conversations, and per member (count, reactions)."""
    conversations = report_conversations(organization=organization, filters=filters)
    published = CareReply.objects.filter(
        organization=organization,
        status=ReplyStatus.PUBLISHED,
        conversation__in=conversations.values("pk"),
    )
    sums = published.aggregate(
        count=Count("pk"),
        measured=Count("pk", filter=Q(metrics_at__isnull=False)),
        reactions=Sum("reactions"),
        reposts=Sum("reposts"),
        replies=Sum("replies"),
    )
    per_member = {
        row["membership_id"]: (row["count"], row["reactions"] or 0)
        for row in published.values("membership_id")
        .annotate(count=Count("pk"), reactions=Sum("reactions"))
        .order_by()
    }
    return (
        Reactions(
            replies_published=sums["count"] or 0,
            measured=sums["measured"] or 0,
            reactions=sums["reactions"] or 0,
            reposts=sums["reposts"] or 0,
            replies=sums["replies"] or 0,
        ),
        per_member,
    )


def care_report(
    *, organization: Organization, filters: ReportFilters, now: datetime | None = None
) -> CareReport:
    """Every figure of the reports page and API (see the module's docstring)."""
    now = now or timezone.now()
    rows = _rows(organization, filters)
    total = Tally()
    by_priority: dict[str, Tally] = defaultdict(Tally)
    by_network: dict[str, Tally] = defaultdict(Tally)
    by_member: dict[int, Tally] = defaultdict(Tally)
    by_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        total.add(row, now)
        by_priority[row.priority].add(row, now)
        by_network[row.network].add(row, now)
        if row.assignee_id is not None:
            by_member[row.assignee_id].add(row, now)
        by_day[timezone.localdate(row.opened_at)][0] += 1
        if row.first_response_at is not None and filters.since <= row.first_response_at:
            answered_day = timezone.localdate(row.first_response_at)
            if answered_day <= filters.end:
                by_day[answered_day][1] += 1

    reactions, replies_by_member = _reply_figures(organization, filters)
    first_targets, resolution_targets = targets_in_force(organization=organization)
    priorities = [
        PriorityLine(
            priority=priority.value,
            label=str(priority.label),
            first_target_minutes=first_targets[priority.value],
            resolution_target_minutes=resolution_targets[priority.value],
            tally=by_priority.get(priority.value, Tally()),
        )
        # Most urgent first.
        for priority in sorted(Priority, key=lambda value: PRIORITY_RANK[value])
    ]
    networks = sorted(
        (
            Line(key=name or "-", label=network_name(name), tally=tally)
            for name, tally in by_network.items()
        ),
        key=lambda line: (-line.tally.opened, line.label),
    )
    member_ids = set(by_member) | set(replies_by_member)
    names = {
        pk: name or email
        for pk, name, email in Membership.objects.filter(
            organization=organization, pk__in=member_ids
        ).values_list("pk", "user__name", "user__email")
    }
    members = sorted(
        (
            Line(
                key=str(pk),
                label=names.get(pk, "?"),
                tally=by_member.get(pk, Tally()),
                replies_published=replies_by_member.get(pk, (0, 0))[0],
                reactions=replies_by_member.get(pk, (0, 0))[1],
            )
            for pk in member_ids
            if pk is not None
        ),
        key=lambda line: (-line.tally.opened, -line.replies_published, line.label.casefold()),
    )
    groups = _group_lines(organization, by_member, replies_by_member)
    days = [
        Day(day=day, opened=by_day[day][0], answered=by_day[day][1])
        for day in (
            filters.start + timedelta(days=offset)
            for offset in range((filters.end - filters.start).days + 1)
        )
    ]
    return CareReport(
        filters=filters,
        total=total,
        priorities=priorities,
        networks=networks,
        groups=groups,
        members=members,
        reactions=reactions,
        days=days,
    )


def _group_lines(
    organization: Organization,
    by_member: dict[int, Tally],
    replies_by_member: dict[int, tuple[int, int]],
) -> list[Line]:
    """Per group of the assignees: the tallies of its members merged."""
    member_ids = [pk for pk in set(by_member) | set(replies_by_member) if pk is not None]
    places = Group.members.through.objects.filter(
        membership_id__in=member_ids, group__organization=organization
    ).values_list("group_id", "group__name", "membership_id")
    merged: dict[int, Tally] = defaultdict(Tally)
    labels: dict[int, str] = {}
    replies: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for group_id, name, membership_id in places:
        labels[group_id] = name
        tally = by_member.get(membership_id)
        if tally is not None:
            merged[group_id] = _merge(merged[group_id], tally)
        count, reactions = replies_by_member.get(membership_id, (0, 0))
        replies[group_id][0] += count
        replies[group_id][1] += reactions
    return sorted(
        (
            Line(
                key=str(pk),
                label=labels[pk],
                tally=merged.get(pk, Tally()),
                replies_published=replies[pk][0],
                reactions=replies[pk][1],
            )
            for pk in labels
        ),
        key=lambda line: (-line.tally.opened, line.label.casefold()),
    )


def _merge(first: Tally, second: Tally) -> Tally:
    return Tally(
        opened=first.opened + second.opened,
        answered=first.answered + second.answered,
        closed=first.closed + second.closed,
        escalated=first.escalated + second.escalated,
        closed_unanswered=first.closed_unanswered + second.closed_unanswered,
        first_minutes=first.first_minutes + second.first_minutes,
        resolution_minutes=first.resolution_minutes + second.resolution_minutes,
        first_counted=first.first_counted + second.first_counted,
        first_within=first.first_within + second.first_within,
        resolution_counted=first.resolution_counted + second.resolution_counted,
        resolution_within=first.resolution_within + second.resolution_within,
    )


# -- the picker's choices ---------------------------------------------------------------------


def report_choices(*, organization: Organization) -> dict[str, Any]:
    """What the filters offer: networks seen, groups, members who had conversations, tags."""
    networks = (
        Conversation.objects.filter(organization=organization)
        .exclude(network="")
        .values_list("network", flat=True)
        .distinct()
        .order_by("network")
    )
    members = (
        Membership.objects.filter(organization=organization, care_assigned__isnull=False)
        .distinct()
        .select_related("user")
    )
    return {
        "networks": [(name, network_name(name)) for name in networks],
        "groups": Group.objects.filter(organization=organization).order_by("name", "id"),
        "members": members,
        "priorities": Priority.choices,
        "tags": CareTag.objects.filter(organization=organization),
        "periods": PERIODS,
    }


# -- the breaching conversations --------------------------------------------------------------


def conversations_breaching(
    *, organization: Organization, within: timedelta = timedelta(0), now: datetime | None = None
) -> QuerySet[Conversation]:
    """Running conversations whose next target is missed already or falls within `within`:
    the first response while none was given, then the resolution. The inbox marks them
    (`first_response_due` / `resolution_due` say how long is left)."""
    now = now or timezone.now()
    soon = now + within
    return Conversation.objects.filter(
        Q(first_response_at__isnull=True, first_response_due__lte=soon)
        | Q(first_response_at__isnull=False, resolution_due__lte=soon),
        organization=organization,
        resolved_at__isnull=True,
    ).exclude(status__in=[ConversationStatus.CLOSED, ConversationStatus.ESCALATED])
