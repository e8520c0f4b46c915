"""Raw rows to rollups: daily stats per post x member x network, and the daily headcount.

`rollup_day` rebuilds one (organization, day) from the raw rows, in one transaction
(delete, then insert), so running it again changes nothing and any correction of the raw
rows (a late click, a reclassified bot, an undone or deleted share) is picked up by
rebuilding the days it touches. The aggregation runs in the database (GROUP BY over the
day's clicks through the (organization, created_at) index), never in a Python loop over
clicks.

Days are calendar days in settings.TIME_ZONE. Their boundaries are computed here as UTC
datetimes and rows are filtered on ranges of their timestamps (SQLite stores UTC text,
so database date functions would cut days at UTC midnight).

`rollups_refresh` (every minute) turns what changed since the watermarks (RollupState:
new clicks and metric snapshots by id, shares by updated_at) into dirty marks
(RollupDirtyDay), then rebuilds each marked day. Anything else that changes raw rows
(e.g. chorus.actions.clicks, a deleted share) marks the days itself with
`rollups_mark_dirty`.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from chorus.accounts.models import Group, Invitation, Membership, Organization, ProgramStatus
from chorus.analytics.models import (
    DailyGroupHeadcount,
    DailyGroupStats,
    DailyHeadcount,
    DailyMemberStats,
    DailyNetworkStats,
    DailyPostStats,
    DailyShareStats,
    RollupDirtyDay,
    RollupState,
)
from chorus.content.models import Post
from chorus.links.models import Click, ClickKind, ClickOutcome
from chorus.sharing.models import (
    ConnectionStatus,
    NetworkConnection,
    Share,
    ShareMetrics,
    ShareStatus,
)

logger = logging.getLogger(__name__)

PREVIEW_KINDS = (ClickKind.BOT.value, ClickKind.HEAD.value, ClickKind.PREFETCH.value)
INSERT_BATCH = 2000
# Dirty days are found a window of days at a time (one CASE bucket per day).
DAYS_PER_SCAN = 100
# Shares are re-read this far behind the watermark: updated_at is set before the commit,
# so a slow transaction can commit a time older than the last one read.
SHARES_OVERLAP = timedelta(minutes=2)
CLICKS, SHARES, METRICS = "clicks", "shares", "metrics"
GROUPS_PREFIX = "groups:"

Key = tuple[int, int | None, str]  # (post, membership, network)


# Days


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day's [start, end) in the site's time zone, as UTC datetimes."""
    zone = site_zone()
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def local_day(moment: datetime) -> date:
    return moment.astimezone(site_zone()).date()


def today() -> date:
    return local_day(timezone.now())


# One day's share stats


def rollup_day(*, organization_id: int, day: date) -> int:
    """Rebuild the organization's DailyShareStats of `day` from raw rows. Returns the rows."""
    start, end = day_bounds(day)
    rows: dict[Key, dict[str, Any]] = {}

    def row(key: Key) -> dict[str, Any]:
        found = rows.get(key)
        if found is None:
            found = rows[key] = {}
        return found

    # A person's click counts unless it got the "no longer available" page; whether it is
    # unique was decided by the drainer (the visitor's first counted click on the link in
    # 24 hours, midnight or not), so a day's unique clicks are those that fell on the day.
    person = Q(kind=ClickKind.CLICK) & ~Q(outcome=ClickOutcome.UNAVAILABLE)
    clicks = (
        Click.objects.filter(organization_id=organization_id, created_at__gte=start)
        .filter(created_at__lt=end)
        .values_list("link__post_id", "link__membership_id", "link__network")
        .annotate(
            clicks=Count("id", filter=person & Q(is_self=False)),
            unique_clicks=Count("id", filter=person & Q(is_self=False, is_unique=True)),
            self_clicks=Count("id", filter=person & Q(is_self=True)),
            previews=Count("id", filter=Q(kind__in=PREVIEW_KINDS)),
        )
        .order_by()
    )
    for post_id, membership_id, network, n, unique, own, previews in clicks:
        values = row((post_id, membership_id, network or ""))
        values.update(clicks=n, unique_clicks=unique, self_clicks=own, previews=previews)

    followers = NetworkConnection.objects.filter(
        membership_id=OuterRef("membership_id"), network=OuterRef("network")
    ).values("followers")[:1]
    shares = (
        Share.objects.filter(
            organization_id=organization_id, status=ShareStatus.SHARED, shared_at__gte=start
        )
        .filter(shared_at__lt=end)
        .annotate(reach=Coalesce(Subquery(followers), Value(0)))
        .values_list("post_id", "membership_id", "network")
        .annotate(shares=Count("id"), potential_reach=Sum("reach"))
        .order_by()
    )
    for post_id, membership_id, network, n, reach in shares:
        row((post_id, membership_id, network)).update(shares=n, potential_reach=reach or 0)

    for post_id, membership_id, network, *growth in _engagement(organization_id, start, end):
        reactions, reposts, replies, impressions = growth
        row((post_id, membership_id, network)).update(
            reactions=int(reactions or 0),
            reposts=int(reposts or 0),
            replies=int(replies or 0),
            impressions=None if impressions is None else int(impressions),
        )

    campaigns = dict(
        Post.objects.filter(pk__in={key[0] for key in rows}).values_list("pk", "campaign")
    )
    with transaction.atomic():
        DailyShareStats.objects.filter(organization_id=organization_id, day=day).delete()
        DailyShareStats.objects.bulk_create(
            [
                DailyShareStats(
                    organization_id=organization_id,
                    day=day,
                    post_id=post_id,
                    membership_id=membership_id,
                    network=network,
                    campaign=campaigns.get(post_id, ""),
                    **values,
                )
                for (post_id, membership_id, network), values in rows.items()
                if post_id in campaigns  # a post deleted meanwhile has no rollups
            ],
            batch_size=INSERT_BATCH,
        )
        coarse_rollup_day(organization_id=organization_id, day=day)
    return len(rows)


# The coarser rollups of a day, summed in the database from its DailyShareStats.

SUMS = "SUM(shares), SUM(clicks), SUM(reactions), SUM(reposts), SUM(replies), SUM(potential_reach)"
SUMMED_COLUMNS = "shares, clicks, reactions, reposts, replies, potential_reach"


def coarse_rollup_day(*, organization_id: int, day: date) -> None:
    """The day's rows per network x campaign, per post, per member and per group, summed
    from its DailyShareStats (part of `rollup_day`)."""
    fine = DailyShareStats._meta.db_table
    statements = [
        f"""INSERT INTO {DailyNetworkStats._meta.db_table} (organization_id, day, network,
          campaign, shares, clicks, unique_clicks, previews, self_clicks, reactions, reposts,
          replies, impressions, impressions_rows, potential_reach)
        SELECT organization_id, day, network, campaign, SUM(shares), SUM(clicks),
          SUM(unique_clicks), SUM(previews), SUM(self_clicks), SUM(reactions), SUM(reposts),
          SUM(replies), SUM(impressions), COUNT(impressions), SUM(potential_reach)
        FROM {fine} WHERE organization_id = %s AND day = %s
        GROUP BY organization_id, day, network, campaign""",  # noqa: S608 (table names from the models)
        f"""INSERT INTO {DailyPostStats._meta.db_table} (organization_id, day, post_id,
          campaign, {SUMMED_COLUMNS})
        SELECT organization_id, day, post_id, MAX(campaign), {SUMS}
        FROM {fine} WHERE organization_id = %s AND day = %s
        GROUP BY organization_id, day, post_id""",  # noqa: S608 (table names from the models)
        f"""INSERT INTO {DailyMemberStats._meta.db_table} (organization_id, day, membership_id,
          {SUMMED_COLUMNS})
        SELECT organization_id, day, membership_id, {SUMS}
        FROM {fine} WHERE organization_id = %s AND day = %s AND membership_id IS NOT NULL
        GROUP BY organization_id, day, membership_id""",  # noqa: S608 (table names from the models)
    ]
    for model in (DailyNetworkStats, DailyPostStats, DailyMemberStats):
        model.objects.filter(organization_id=organization_id, day=day).delete()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [organization_id, day])
    group_stats_rebuild(organization_id=organization_id, first=day, last=day)


SMALLEST_GROUP = 5  # a group smaller than this is merged into "Other"
MEMBERS_TABLE = Group.members.through._meta.db_table


def group_sizes(organization_id: int) -> dict[int, int]:
    """Every group of the organization and its number of active members."""
    sizes = Group.objects.filter(organization_id=organization_id).annotate(
        size=Count("members", filter=Q(members__is_active=True))
    )
    return dict(sizes.values_list("pk", "size"))


GROUP_COLUMNS = (
    "shares, clicks, unique_clicks, previews, self_clicks, reactions, reposts, replies,"
    " impressions, impressions_rows, potential_reach"
)
GROUP_SUMS = (
    "SUM(f.shares), SUM(f.clicks), SUM(f.unique_clicks), SUM(f.previews),"
    " SUM(f.self_clicks), SUM(f.reactions), SUM(f.reposts), SUM(f.replies),"
    " SUM(f.impressions), COUNT(f.impressions), SUM(f.potential_reach)"
)


def group_stats_rebuild(*, organization_id: int, first: date, last: date) -> None:
    """DailyGroupStats of the days, from their DailyShareStats and the current groups.

    Every group's line sums its active members per network; the members of the groups
    smaller than 5 are also one "Other" line, each person once. Runs inside a day's
    rebuild, and for every day when group memberships change (see `groups_changed`)."""
    small = [pk for pk, size in group_sizes(organization_id).items() if size < SMALLEST_GROUP]
    fine = DailyShareStats._meta.db_table
    active = Membership._meta.db_table
    table = DailyGroupStats._meta.db_table
    DailyGroupStats.objects.filter(
        organization_id=organization_id, day__gte=first, day__lte=last
    ).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (organization_id, day, group_id, network, {GROUP_COLUMNS})
            SELECT f.organization_id, f.day, g.group_id, f.network, {GROUP_SUMS}
            FROM {fine} f
            JOIN {MEMBERS_TABLE} g ON g.membership_id = f.membership_id
            JOIN {active} a ON a.id = f.membership_id AND a.is_active
            WHERE f.organization_id = %s AND f.day >= %s AND f.day <= %s
            GROUP BY f.organization_id, f.day, g.group_id, f.network""",  # noqa: S608 (table names from the models)
            [organization_id, first, last],
        )
        if small:
            # Other: each active member of a small group once, whatever their groups.
            marks = ", ".join(["%s"] * len(small))
            cursor.execute(
                f"""INSERT INTO {table} (organization_id, day, group_id, network,
                  {GROUP_COLUMNS})
                SELECT f.organization_id, f.day, NULL, f.network, {GROUP_SUMS}
                FROM {fine} f
                JOIN {active} a ON a.id = f.membership_id AND a.is_active
                WHERE f.organization_id = %s AND f.day >= %s AND f.day <= %s
                  AND f.membership_id IN (
                    SELECT membership_id FROM {MEMBERS_TABLE} WHERE group_id IN ({marks}))
                GROUP BY f.organization_id, f.day, f.network""",  # noqa: S608 (table names from the models)
                [organization_id, first, last, *small],
            )


def _groups_fingerprints() -> dict[int, int]:
    """Per organization, a number that changes when group memberships or the active
    members in groups change (a count and a sum that a swap of two members moves)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.organization_id, COUNT(*),
              SUM((g.group_id % 10007) * (g.membership_id % 10009) + g.group_id
                  + 2 * g.membership_id)
            FROM {MEMBERS_TABLE} g
            JOIN {Membership._meta.db_table} a ON a.id = g.membership_id AND a.is_active
            GROUP BY a.organization_id"""  # noqa: S608 (table names from the models)
        )
        return {
            int(organization_id): hash((int(count), int(total or 0))) & ((1 << 62) - 1)
            for organization_id, count, total in cursor.fetchall()
        }


def groups_changed() -> list[int]:
    """Organizations whose group memberships changed since the last look: their group
    stats are rebuilt for every day they have (periodic, with the refresh)."""
    changed = []
    fingerprints = _groups_fingerprints()
    known = {
        state.source: state
        for state in RollupState.objects.filter(source__startswith=GROUPS_PREFIX)
    }
    for organization_id in Organization.objects.values_list("pk", flat=True):
        fingerprint = fingerprints.get(organization_id, 0)
        state = known.get(f"{GROUPS_PREFIX}{organization_id}")
        if state is not None and state.last_id == fingerprint:
            continue
        span = DailyShareStats.objects.filter(organization_id=organization_id).aggregate(
            first=Min("day"), last=Max("day")
        )
        with transaction.atomic():
            if span["first"] is not None:
                group_stats_rebuild(
                    organization_id=organization_id, first=span["first"], last=span["last"]
                )
            RollupState.objects.update_or_create(
                source=f"{GROUPS_PREFIX}{organization_id}", defaults={"last_id": fingerprint}
            )
        changed.append(organization_id)
    return changed


# Per share: the latest snapshot of the day minus the latest one before the day (0 when a
# counter went down). Shares are walked through the (organization, shared_at) index and
# their snapshots through the (share, fetched_at) index. A counter no network reported
# counts as 0, except impressions, which stay NULL when no snapshot of the day has them.
ENGAGEMENT_SQL = """
SELECT s.post_id, s.membership_id, s.network,
  SUM(CASE WHEN COALESCE(n.reactions, 0) > COALESCE(b.reactions, 0)
      THEN COALESCE(n.reactions, 0) - COALESCE(b.reactions, 0) ELSE 0 END),
  SUM(CASE WHEN COALESCE(n.reposts, 0) > COALESCE(b.reposts, 0)
      THEN COALESCE(n.reposts, 0) - COALESCE(b.reposts, 0) ELSE 0 END),
  SUM(CASE WHEN COALESCE(n.replies, 0) > COALESCE(b.replies, 0)
      THEN COALESCE(n.replies, 0) - COALESCE(b.replies, 0) ELSE 0 END),
  SUM(CASE WHEN n.impressions IS NULL THEN NULL
      WHEN n.impressions > COALESCE(b.impressions, 0)
      THEN n.impressions - COALESCE(b.impressions, 0) ELSE 0 END)
FROM sharing_share s
JOIN sharing_sharemetrics n ON n.id = (
  SELECT m.id FROM sharing_sharemetrics m
  WHERE m.share_id = s.id AND m.fetched_at >= %s AND m.fetched_at < %s
  ORDER BY m.fetched_at DESC, m.id DESC LIMIT 1)
LEFT JOIN sharing_sharemetrics b ON b.id = (
  SELECT m.id FROM sharing_sharemetrics m
  WHERE m.share_id = s.id AND m.fetched_at < %s
  ORDER BY m.fetched_at DESC, m.id DESC LIMIT 1)
WHERE s.organization_id = %s AND s.status = %s AND s.shared_at < %s
GROUP BY s.post_id, s.membership_id, s.network
"""


def _engagement(organization_id: int, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            ENGAGEMENT_SQL,
            [
                adapt(start),
                adapt(end),
                adapt(start),
                organization_id,
                ShareStatus.SHARED.value,
                adapt(end),
            ],
        )
        return list(cursor.fetchall())


# Dirty days


def rollups_mark_dirty(*, organization_id: int, days: Iterable[date]) -> int:
    """Queue these days of the organization for a rebuild by the next refresh."""
    marks = [RollupDirtyDay(organization_id=organization_id, day=day) for day in set(days)]
    RollupDirtyDay.objects.bulk_create(marks, ignore_conflicts=True)
    return len(marks)


def _days_between(first: datetime, last: datetime) -> list[date]:
    day, end = local_day(first), local_day(last)
    days = []
    while day <= end:
        days.append(day)
        day += timedelta(days=1)
    return days


def dirty_days(
    rows: QuerySet[Any], *, at: str, organization: str = "organization_id"
) -> set[tuple[int, date]]:
    """The (organization, day) pairs of `rows` (by their `at` timestamp), in the database.

    One GROUP BY per window of days, each row put in its day's bucket by a CASE over the
    day boundaries computed here: no loop over the rows, no database date functions.
    """
    span = rows.aggregate(first=Min(at), last=Max(at))
    if span["first"] is None:
        return set()
    days = _days_between(span["first"], span["last"])
    found: set[tuple[int, date]] = set()
    for offset in range(0, len(days), DAYS_PER_SCAN):
        window = days[offset : offset + DAYS_PER_SCAN]
        bounds = [day_bounds(day)[1] for day in window]
        bucket = Case(
            *(When(**{f"{at}__lt": end}, then=Value(i)) for i, end in enumerate(bounds)),
            output_field=IntegerField(),
        )
        windowed = rows.filter(**{f"{at}__gte": day_bounds(window[0])[0], f"{at}__lt": bounds[-1]})
        for organization_id, index in (
            windowed.annotate(bucket=bucket)
            .values_list(organization, "bucket")
            .annotate(n=Count("pk"))
            .values_list(organization, "bucket")
            .order_by()
        ):
            found.add((int(organization_id), window[int(index)]))
    return found


def watermark(source: str) -> RollupState:
    """How far a periodic reader got (made if missing), locked until the transaction ends.
    The rollups' sources are "clicks", "shares", "metrics"; the points task's "points:..."."""
    RollupState.objects.get_or_create(source=source)
    return RollupState.objects.select_for_update().get(source=source)


def _collect_dirty() -> dict[str, int]:
    """Turn what changed since the watermarks into dirty marks, and move the watermarks."""
    found: dict[str, set[tuple[int, date]]] = {}
    with transaction.atomic():
        clicks = watermark(CLICKS)
        last_click = Click.objects.aggregate(last=Max("id"))["last"] or clicks.last_id
        new_clicks = Click.objects.filter(id__gt=clicks.last_id, id__lte=last_click)
        found[CLICKS] = dirty_days(new_clicks, at="created_at")
        clicks.last_id = last_click
        clicks.save(update_fields=["last_id", "updated_at"])

        metrics = watermark(METRICS)
        last_metric = ShareMetrics.objects.aggregate(last=Max("id"))["last"] or metrics.last_id
        new_metrics = ShareMetrics.objects.filter(id__gt=metrics.last_id, id__lte=last_metric)
        found[METRICS] = dirty_days(
            new_metrics, at="fetched_at", organization="share__organization_id"
        )
        metrics.last_id = last_metric
        metrics.save(update_fields=["last_id", "updated_at"])

        shares = watermark(SHARES)
        now = timezone.now()
        changed = Share.objects.all()
        if shares.last_at is not None:
            changed = changed.filter(updated_at__gt=shares.last_at - SHARES_OVERLAP)
        changed = changed.filter(updated_at__lte=now)
        # The day it was shared, and every day its engagement counted on.
        found[SHARES] = dirty_days(changed.exclude(shared_at=None), at="shared_at") | dirty_days(
            ShareMetrics.objects.filter(share__in=changed.values("pk")),
            at="fetched_at",
            organization="share__organization_id",
        )
        shares.last_at = now
        shares.save(update_fields=["last_at", "updated_at"])

        pairs = set().union(*found.values())
        RollupDirtyDay.objects.bulk_create(
            [RollupDirtyDay(organization_id=o, day=d) for o, d in sorted(pairs)],
            ignore_conflicts=True,
        )
    return {source: len(days) for source, days in found.items()}


def rollups_refresh(*, limit: int | None = None) -> dict[str, int]:
    """Rebuild every (organization, day) changed since the last run (periodic, every minute).

    A mark is removed in the same transaction as its day's rebuild: a mark added while
    the day is rebuilt (by a concurrent change) stays for the next run.
    """
    counts = _collect_dirty()
    counts["group_changes"] = len(groups_changed())
    rebuilt = rows = 0
    marks = RollupDirtyDay.objects.order_by("day", "organization_id").values_list(
        "pk", "organization_id", "day"
    )
    for pk, organization_id, day in marks[:limit] if limit else marks:
        try:
            with transaction.atomic():
                claimed = list(
                    RollupDirtyDay.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk)
                    .values_list("pk", flat=True)
                )
                if not claimed:
                    continue  # Another worker is rebuilding it, or already did.
                RollupDirtyDay.objects.filter(pk=pk).delete()
                rows += rollup_day(organization_id=organization_id, day=day)
        except DatabaseError:
            logger.exception("Rollup of organization %s on %s failed", organization_id, day)
            continue
        rebuilt += 1
    return {**counts, "days": rebuilt, "rows": rows}


def rollups_recheck_recent(*, days: int = 2) -> int:
    """Daily safety net: mark the last `days` full days of every organization dirty.

    The click and metric watermarks go by id. On PostgreSQL two transactions can commit
    their ids out of order, so a row committed just after the watermark moved past it
    would never mark its day; rebuilding recent days once a day catches those.
    """
    current = today()
    recent = [current - timedelta(days=back) for back in range(1, days + 1)]
    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        rollups_mark_dirty(organization_id=organization_id, days=recent)
    return len(ids) * len(recent)


def rollups_rebuild(*, organization_id: int, first: date, last: date) -> int:
    """Rebuild every day from `first` to `last` (after an import, or to repair). Rows."""
    rows, day = 0, first
    while day <= last:
        rows += rollup_day(organization_id=organization_id, day=day)
        day += timedelta(days=1)
    return rows


# Headcount


def headcount_snapshot(*, organization_id: int, day: date) -> DailyHeadcount:
    """Store the organization's headcount of `day` (today: as of now, past: kept as it was).

    Today's row is recomputed on each call (the hourly task). A past day's row is never
    recomputed from today's data; one missing (the scheduler was down) is filled in as of
    the end of that day from the rows' own timestamps.
    """
    current = today()
    if day > current:
        raise ValueError("A headcount cannot be taken for a day to come.")
    if day < current:
        existing = DailyHeadcount.objects.filter(organization_id=organization_id, day=day).first()
        if existing is not None:
            return existing
        moment = day_bounds(day)[1] - timedelta(microseconds=1)
    else:
        moment = timezone.now()
    figures = _headcount(organization_id, day, moment)
    figures.update(headcount_distribution(organization_id, day, joined=int(figures["joined"])))
    with transaction.atomic():
        snapshot, _created = DailyHeadcount.objects.update_or_create(
            organization_id=organization_id,
            day=day,
            defaults={**figures, "created_at": timezone.now()},
        )
        _group_headcount(organization_id, day)
    return snapshot


def headcount_distribution(organization_id: int, day: date, *, joined: int) -> dict[str, Any]:
    """Over the 30 days to `day`, from the members' daily stats: the activity (shares +
    clicks) of everyone and of the top 10% of the members in the program, and the median
    member in the program (members who did nothing count as zeros)."""
    per_member = list(
        DailyMemberStats.objects.filter(
            organization_id=organization_id, day__gte=day - timedelta(days=29), day__lte=day
        )
        .values("membership_id")
        .annotate(
            shares=Sum("shares"),
            clicks=Sum("clicks"),
            engagement=Sum("reactions") + Sum("reposts") + Sum("replies"),
        )
        .values_list("shares", "clicks", "engagement")
        .order_by()
    )
    activity = sorted((int(shares) + int(clicks) for shares, clicks, _ in per_member), reverse=True)
    # The top 10% of the members in the program (at least one), inactive ones included.
    top = max(1, math.ceil(max(joined, len(activity)) / 10)) if activity else 0
    zeros = [0] * max(0, joined - len(per_member))

    def median(index: int) -> float:
        values = [int(row[index]) for row in per_member] + zeros
        return float(statistics.median(values)) if values else 0.0

    return {
        "activity_30_days": sum(activity),
        "top_tenth_activity_30_days": sum(activity[:top]),
        "top_tenth": top,
        "median_shares_30_days": median(0),
        "median_clicks_30_days": median(1),
        "median_engagement_30_days": median(2),
    }


def _group_headcount(organization_id: int, day: date) -> None:
    """Per group of 5 or more, and for "Other" (the smaller ones, each person once): active
    members now and how many of them shared in the 30 days to `day`."""
    sizes = group_sizes(organization_id)
    start = day_bounds(day - timedelta(days=29))[0]
    sharers = set(
        Share.objects.filter(
            organization_id=organization_id,
            status=ShareStatus.SHARED,
            shared_at__gte=start,
            shared_at__lt=day_bounds(day)[1],
        )
        .values_list("membership_id", flat=True)
        .distinct()
    )
    in_groups: dict[int, list[int]] = {}
    for group_id, membership_id in Group.members.through.objects.filter(
        group__organization_id=organization_id, membership__is_active=True
    ).values_list("group_id", "membership_id"):
        in_groups.setdefault(group_id, []).append(membership_id)
    other: set[int] = set()
    rows = []
    for group_id, size in sizes.items():
        members = in_groups.get(group_id, [])
        if size < SMALLEST_GROUP:
            other.update(members)
            continue
        rows.append(
            DailyGroupHeadcount(
                organization_id=organization_id,
                day=day,
                group_id=group_id,
                members=len(members),
                sharers_30_days=sum(1 for pk in members if pk in sharers),
            )
        )
    if other:
        rows.append(
            DailyGroupHeadcount(
                organization_id=organization_id,
                day=day,
                group_id=None,
                members=len(other),
                sharers_30_days=len(other & sharers),
            )
        )
    DailyGroupHeadcount.objects.filter(organization_id=organization_id, day=day).delete()
    DailyGroupHeadcount.objects.bulk_create(rows, batch_size=INSERT_BATCH)


def _headcount(organization_id: int, day: date, moment: datetime) -> dict[str, Any]:
    members = Membership.objects.filter(
        organization_id=organization_id, is_active=True, created_at__lte=moment
    )
    invited = (
        Invitation.objects.filter(
            organization_id=organization_id, created_at__lte=moment, expires_at__gt=moment
        )
        .filter(Q(accepted_at=None) | Q(accepted_at__gt=moment))
        .filter(Q(revoked_at=None) | Q(revoked_at__gt=moment))
    )
    joined = members.filter(program_status=ProgramStatus.JOINED).filter(
        Q(program_status_changed_at=None) | Q(program_status_changed_at__lte=moment)
    )
    connected = members.filter(
        pk__in=NetworkConnection.objects.filter(
            organization_id=organization_id,
            status=ConnectionStatus.ACTIVE,
            connected_at__lte=moment,
        ).values("membership_id")
    )
    end = day_bounds(day)[1]
    weeks = [day_bounds(day - timedelta(days=7 * week + 6))[0] for week in range(4)]
    shared = Share.objects.filter(
        organization_id=organization_id,
        status=ShareStatus.SHARED,
        shared_at__lt=end,
        membership__is_active=True,
    )
    last_30_days = shared.filter(shared_at__gte=day_bounds(day - timedelta(days=29))[0])
    week = Case(
        *(When(shared_at__gte=start, then=Value(i)) for i, start in enumerate(weeks)),
        output_field=IntegerField(),
    )
    three_of_four = (
        shared.filter(shared_at__gte=weeks[-1])
        .annotate(week=week)
        .values("membership_id")
        .annotate(weeks=Count("week", distinct=True))
        .filter(weeks__gte=3)
        .order_by()
    )
    return {
        "members": members.count(),
        "invited": invited.count(),
        "joined": joined.count(),
        "connected": connected.count(),
        "sharers_30_days": last_30_days.values("membership_id").distinct().count(),
        "sharers_3_of_4_weeks": three_of_four.count(),
    }


def headcounts_today() -> int:
    """Every organization's headcount of today, as of now (hourly)."""
    current = today()
    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        headcount_snapshot(organization_id=organization_id, day=current)
    return len(ids)


def headcounts_daily() -> int:
    """Yesterday's headcount where it is missing (daily, just after midnight), then today's."""
    yesterday = today() - timedelta(days=1)
    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        headcount_snapshot(organization_id=organization_id, day=yesterday)
    headcounts_today()
    return len(ids)


def share_deleted(sender: type[Share], instance: Share, **kwargs: Any) -> None:
    """pre_delete of a share: its day and its engagement days are rebuilt without it."""
    pairs = dirty_days(
        ShareMetrics.objects.filter(share_id=instance.pk),
        at="fetched_at",
        organization="share__organization_id",
    )
    if instance.shared_at is not None:
        pairs.add((instance.organization_id, local_day(instance.shared_at)))
    RollupDirtyDay.objects.bulk_create(
        [RollupDirtyDay(organization_id=o, day=d) for o, d in sorted(pairs)],
        ignore_conflicts=True,
    )
