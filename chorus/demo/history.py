"""History for an organization's members and posts: shares, tracked links, engagement and
clicks over the last days, bulk-inserted.

One generator for two uses: the demo organization (`seed_demo`, a few hundred shares for
its two dozen members) and the benchmarks' large synthetic organization
(`bench/generate_org.py`, up to 500,000 shares and 10 million clicks). Both give it the
members and posts they made and a size; it adds what members did with those posts:

- connected accounts (with follower counts) for some members;
- shares (a tracked link each, the exact text): SHARED, or OPENED and not confirmed yet
  for the most recent ones when asked; members with a connected account share through it
  and get engagement snapshots (reactions, reposts, replies, impressions);
- clicks: people (repeat visitors within a day are not unique, a few self-clicks), bots,
  HEAD requests and prefetches, skewed across links (a few shares get most clicks),
  decaying over the days after each share, fewer at weekends, in time order as the
  drainer writes them; and each link's counters as the drainer keeps them.

Links, shares, snapshots and clicks go in through raw SQL (COPY on PostgreSQL,
executemany on SQLite). Nothing here computes a figure: rollups, points and badges are
left to the real tasks, which read these rows as they would read real ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.content.models import Post
from chorus.links.models import Click, Link
from chorus.sharing.compose import offered_fingerprint, text_fingerprint
from chorus.sharing.models import (
    NetworkConnection,
    Share,
    ShareMethod,
    ShareMetrics,
    ShareStatus,
)

# What the benchmarks build at scale 1; `sizes(scale)` scales it down.
FULL = {"members": 50_000, "posts": 5_000, "shares": 500_000, "clicks": 10_000_000}
NETWORKS = [("linkedin", 0.55), ("x", 0.15), ("facebook", 0.12), ("mastodon", 0.08)]
NETWORKS += [("bluesky", 0.06), ("xing", 0.04)]
REFERRERS = {
    "linkedin": "www.linkedin.com",
    "x": "t.co",
    "facebook": "l.facebook.com",
    "mastodon": "mastodon.social",
    "bluesky": "bsky.app",
    "xing": "www.xing.com",
}
BOTS = ["LinkedInBot", "Twitterbot", "facebookexternalhit", "Slackbot", "Googlebot"]
# Share of a link's clicks on the days after the share (day 0 = the day it was shared).
DECAY = [0.42, 0.22, 0.12, 0.07, 0.05, 0.035, 0.025, 0.02, 0.015, 0.012, 0.01, 0.008, 0.006]
DECAY = [weight / sum(DECAY) for weight in DECAY]
# Members with a connected account there, by default (network, chance).
CONNECTION_CHANCES = (("linkedin", 0.3), ("mastodon", 0.05), ("bluesky", 0.05))
Progress = Callable[[str], None]
# (post, network, link code) -> the share's text, or the link's destination.
ShareText = Callable[[Post, str, str], str]


def sizes(scale: float) -> dict[str, int]:
    return {name: max(5, round(count * scale)) for name, count in FULL.items()}


def _quiet(message: str) -> None:
    """The default progress report: none."""


@dataclass(frozen=True)
class PlannedShare:
    """A share as inserted: its ids, when, where, whose (an index into the members)."""

    link_id: int
    share_id: int
    moment: float
    network: str
    member: int
    api: bool
    confirmed: bool


# Raw bulk inserts --------------------------------------------------------------------------


def stamp(moment: float, vendor: str) -> str:
    """A UTC epoch time as the backend stores it (SQLite: Django's naive text)."""
    text = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if text.endswith(".000000"):  # str() of a datetime drops a zero fraction
        text = text[:-7]
    return text if vendor == "sqlite" else text + "+00"


def insert(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, model: Any = None
) -> int:
    """Raw bulk insert: COPY on PostgreSQL, executemany on SQLite.

    With `model`, its other required columns that have a default (a field added since this
    was written) get their default, so the insert keeps working as the model grows.
    """
    extra = _defaulted_fields(model, columns) if model is not None else []
    if extra:
        columns = [*columns, *(field.column for field in extra)]
        rows = ((*row, *(_default(field) for field in extra)) for row in rows)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join("?" for _ in columns)
            # Table and column names come from the models, never from input.
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            batch: list[Sequence[Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 20_000:
                    cursor.cursor.executemany(sql, batch)  # type: ignore[attr-defined]
                    count += len(batch)
                    batch = []
            if batch:
                cursor.cursor.executemany(sql, batch)  # type: ignore[attr-defined]
                count += len(batch)
    return count


def _defaulted_fields(model: type[Model], columns: Sequence[str]) -> list[Any]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.column not in columns
        and not field.primary_key
        and not field.null
        and field.has_default()
    ]


def _default(field: Any) -> Any:
    return field.get_db_prep_save(field.get_default(), connection)


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a model's table)
        return int(cursor.fetchone()[0]) + 1


def reset_sequences(models: Sequence[type[Model]]) -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's plain indexes (not keys or unique constraints)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                " AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def weighted(rng: random.Random, count: int, shape: float) -> list[float]:
    """Pareto weights: a few items get most of the activity."""
    return [rng.paretovariate(shape) for _ in range(count)]


# Connected accounts ------------------------------------------------------------------------


def connections_add(
    *,
    organization: Organization,
    memberships: Sequence[Membership],
    rng: random.Random,
    chances: Sequence[tuple[str, float]] = CONNECTION_CHANCES,
    instances: dict[str, str] | None = None,
    token: str = "bench-token",  # noqa: S107 (a placeholder: these accounts are made up)
) -> dict[tuple[int, str], int]:
    """Some members' accounts on networks, with follower counts. Returns the connection
    ids by (membership id, network). `instances` gives a network's server (Mastodon)."""
    found: dict[tuple[int, str], int] = {}
    rows = []
    for member in memberships:
        for network, chance in chances:
            if rng.random() < chance:
                rows.append(
                    NetworkConnection(
                        organization=organization,
                        membership=member,
                        network=network,
                        instance=(instances or {}).get(network, ""),
                        account_id=f"{network}-{member.pk}",
                        handle=f"member{member.pk}",
                        followers=int(rng.lognormvariate(6, 1.3)),
                        access_token=token,
                    )
                )
    with transaction.atomic():
        for row in NetworkConnection.objects.bulk_create(rows, batch_size=5000):
            found[row.membership_id, row.network] = row.pk
    return found


# Shares and their links --------------------------------------------------------------------


def _bench_code(link_id: int) -> str:
    return f"b{link_id:x}"


def shares_add(
    *,
    organization: Organization,
    memberships: Sequence[Membership],
    posts: Sequence[Post],
    post_moments: Sequence[float],
    count: int,
    now_epoch: float,
    rng: random.Random,
    connections: dict[tuple[int, str], int],
    member_boost: dict[int, float] | None = None,
    code: Callable[[int], str] = _bench_code,
    text: ShareText | None = None,
    destination: ShareText | None = None,
    opened_since: float | None = None,
) -> list[PlannedShare]:
    """Shares of `posts` (each first shared after its moment, mostly within hours) by the
    active members in the program, skewed: a few posts and members make most of them.

    `member_boost` multiplies some members' weights (by membership id); `code` makes the
    code of a link from its id, `text` the share's text and `destination` the link's (by
    default the post's link). Shares made from `opened_since` on (an epoch time) are only
    OPENED: the member has not confirmed them yet.
    """
    vendor = connection.vendor
    post_weights = weighted(rng, len(posts), 1.3)
    member_weights = weighted(rng, len(memberships), 1.1)
    for index, member in enumerate(memberships):  # people outside the program do not share
        if member.program_status != ProgramStatus.JOINED or not member.is_active:
            member_weights[index] = 0.0
        elif member_boost and member.pk in member_boost:
            member_weights[index] *= member_boost[member.pk]
    network_names = [name for name, _ in NETWORKS]
    network_weights = [weight for _, weight in NETWORKS]
    seen: set[tuple[int, int, str]] = set()
    plan: list[PlannedShare] = []
    link_id = next_id(Link._meta.db_table)
    share_id = next_id(Share._meta.db_table)

    def picks() -> Iterable[tuple[int, int, str]]:
        for _ in range(20):  # duplicates and future moments are skipped: draw again
            draws = count * 2
            yield from zip(
                rng.choices(range(len(posts)), post_weights, k=draws),
                rng.choices(range(len(memberships)), member_weights, k=draws),
                rng.choices(network_names, network_weights, k=draws),
                strict=True,
            )

    # A share's words fingerprinted as the share dialog does, and whether they differ from
    # the caption it offered (known only for texts of the caller's: `text`).
    fingerprinted = any(field.name == "text_hash" for field in Share._meta.concrete_fields)
    offered: dict[tuple[int, str], str] = {}

    def fingerprints(post: Post, network: str, words: str) -> tuple[str, bool | None]:
        mine = text_fingerprint(words)
        if text is None:
            return mine, None
        if (post.pk, network) not in offered:
            offered[post.pk, network] = offered_fingerprint(post=post, network=network)
        return mine, mine != offered[post.pk, network]

    link_rows, share_rows = [], []
    stamp_now = stamp(now_epoch, vendor)
    for p, m, network in picks():
        if len(plan) >= count:
            break
        key = (p, m, network)
        if key in seen:
            continue
        moment = post_moments[p] + min(rng.expovariate(1 / 30000), 20 * 86400)
        if moment >= now_epoch:
            continue
        seen.add(key)
        post, member = posts[p], memberships[m]
        confirmed = opened_since is None or moment < opened_since
        connection_id = connections.get((member.pk, network)) if confirmed else None
        api = connection_id is not None
        created = stamp(moment, vendor)
        link_code = code(link_id)
        target = destination(post, network, link_code) if destination else post.link_url
        link_rows.append(
            (organization.pk, link_code, post.pk, member.pk, network, target, True, created)
        )
        words = (
            text(post, network, link_code)
            if text
            else f"Worth reading https://go.example/{link_code}"
        )
        share_rows.append(
            (
                share_id,
                organization.pk,
                member.pk,
                post.pk,
                network,
                ShareMethod.API.value if api else ShareMethod.INTENT.value,
                (ShareStatus.SHARED if confirmed else ShareStatus.OPENED).value,
                words,
                link_id,
                connection_id,
                created if confirmed else None,
                f"{network}-{share_id}" if api else "",
                f"{rng.getrandbits(128):032x}",
                created,
                stamp_now,
                *(fingerprints(post, network, words) if fingerprinted else ()),
            )
        )
        plan.append(PlannedShare(link_id, share_id, moment, network, m, api, confirmed))
        link_id += 1
        share_id += 1
    zero = (0, 0, 0, 0)
    with transaction.atomic():
        first_link = next_id(Link._meta.db_table)
        insert(
            Link._meta.db_table,
            [
                "id",
                "organization_id",
                "code",
                "post_id",
                "membership_id",
                "network",
                "destination",
                "is_active",
                "created_at",
                "clicks",
                "unique_clicks",
                "self_clicks",
                "previews",
            ],
            ((first_link + i, *row, *zero) for i, row in enumerate(link_rows)),
            model=Link,
        )
        insert(
            Share._meta.db_table,
            [
                "id",
                "organization_id",
                "membership_id",
                "post_id",
                "network",
                "method",
                "status",
                "text",
                "link_id",
                "connection_id",
                "shared_at",
                "remote_id",
                "idempotency_key",
                "created_at",
                "updated_at",
                "auto",
                "attempts",
                "remote_url",
                "error_kind",
                "error_message",
                "cancel_reason",
                "review_reasons",
                "review_note",
                *(("text_hash", "caption_edited") if fingerprinted else ()),
            ],
            ((*row[:15], False, 1, "", "", "", "", "", "", *row[15:]) for row in share_rows),
            model=Share,
        )
        reset_sequences([Link, Share])
    return plan


# Engagement --------------------------------------------------------------------------------


def metrics_add(*, plan: Sequence[PlannedShare], now_epoch: float, rng: random.Random) -> int:
    """Engagement snapshots of the shares Chorus published (2 hours, a day, 3 days and a
    week after), growing; impressions where the network reports them (LinkedIn)."""
    vendor = connection.vendor

    def rows() -> Iterable[tuple[Any, ...]]:
        for share in plan:
            if not share.api:
                continue
            reactions = reposts = replies = impressions = 0
            for hours in (2, 26, 74, 170):
                fetched = share.moment + hours * 3600
                if fetched >= now_epoch:
                    break
                reactions += int(rng.expovariate(1 / 6))
                reposts += int(rng.expovariate(1 / 1.5))
                replies += int(rng.expovariate(1 / 1))
                impressions += int(rng.expovariate(1 / 300))
                yield (
                    share.share_id,
                    stamp(fetched, vendor),
                    reactions,
                    reposts,
                    replies,
                    impressions if share.network == "linkedin" else None,
                )

    with transaction.atomic():
        return insert(
            ShareMetrics._meta.db_table,
            ["share_id", "fetched_at", "reactions", "reposts", "replies", "impressions"],
            rows(),
            model=ShareMetrics,
        )


# Clicks ------------------------------------------------------------------------------------


@dataclass
class ClickHistory:
    clicks: int
    per_day: list[int]


def clicks_add(
    *,
    organization: Organization,
    plan: Sequence[PlannedShare],
    count: int,
    first_day: date,
    days: int,
    now_epoch: float,
    rng: random.Random,
    rebuild_indexes: bool = False,
    progress: Progress = _quiet,
) -> ClickHistory:
    """About `count` clicks on the confirmed shares' links, day by day in time order, and
    the links' counters as the drainer keeps them.

    With `rebuild_indexes` (a large load), the clicks' secondary indexes are dropped during
    the load and built again after.
    """
    vendor = connection.vendor
    epoch0 = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC).timestamp()
    click_table = Click._meta.db_table
    indexes = secondary_indexes(click_table) if rebuild_indexes else []
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    link_weights = weighted(rng, len(plan), 1.2)
    by_day: list[list[int]] = [[] for _ in range(days)]
    # The part of a link's clicks that falls before today's end (recent shares: not all).
    weekends = [0.6 if (first_day + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(days)]
    fits = [
        sum(share * weekends[day + age] for age, share in enumerate(DECAY[: days - day]))
        for day in range(days)
    ]
    fitted = 0.0
    for index, share in enumerate(plan):
        day = int((share.moment - epoch0) // 86400)
        if not share.confirmed or not 0 <= day < days:
            # Opened only: nobody followed it yet (a click would confirm it). Or before
            # the first day: its clicks are older than the history.
            link_weights[index] = 0.0
            continue
        by_day[day].append(index)
        fitted += link_weights[index] * fits[day]
    per_weight = count / fitted if fitted else 0.0
    expected = [weight * per_weight for weight in link_weights]
    counters = [[0, 0, 0, 0, 0.0] for _ in plan]  # clicks, unique, self, previews, last
    prefix = f"{rng.getrandbits(64):016x}"
    sequence = 0
    day_clicks: list[int] = []
    columns = [
        "organization_id",
        "event_id",
        "link_id",
        "created_at",
        "kind",
        "bot_name",
        "referrer_host",
        "device_class",
        "visitor_key",
        "is_unique",
        "is_self",
    ]
    yes, no = (1, 0) if vendor == "sqlite" else (True, False)
    org = organization.pk
    for day in range(days):
        start = epoch0 + day * 86400
        end = min(start + 86400, now_epoch)
        if end <= start:
            day_clicks.append(0)
            continue
        weekend = weekends[day]
        rows: list[tuple[float, tuple[Any, ...]]] = []
        for age, part in enumerate(DECAY):
            if day - age < 0:
                break
            for index in by_day[day - age]:
                planned = plan[index]
                mean = expected[index] * part * weekend
                n = int(mean) + (rng.random() < mean - int(mean))
                if not n:
                    continue
                begin = max(start, planned.moment) if age == 0 else start
                referrer = REFERRERS.get(planned.network, "")
                visitors: list[str] = []
                counter = counters[index]
                for _ in range(n):
                    at = rng.uniform(begin, end)
                    roll = rng.random()
                    if roll < 0.84:
                        if rng.random() < 0.005:
                            what, unique, own = "click", no, yes
                            visitor = f"{rng.getrandbits(128):032x}"
                            counter[2] += 1
                        else:
                            own = no
                            if visitors and rng.random() < 0.15:
                                visitor, unique = rng.choice(visitors), no
                            else:
                                visitor, unique = f"{rng.getrandbits(128):032x}", yes
                                visitors.append(visitor)
                            counter[0] += 1
                            counter[1] += unique
                            what = "click"
                        device = "mobile" if roll < 0.46 else "desktop" if roll < 0.78 else "tablet"
                        bot, host = "", referrer
                    else:
                        what = "bot" if roll < 0.93 else "head" if roll < 0.97 else "prefetch"
                        bot = rng.choice(BOTS) if what == "bot" else ""
                        device = "bot" if what == "bot" else "other"
                        visitor, unique, own, host = f"{rng.getrandbits(128):032x}", no, no, ""
                        counter[3] += 1
                    counter[4] = max(counter[4], at)
                    link = planned.link_id
                    rows.append((at, (link, what, bot, host, device, visitor, unique, own)))
        rows.sort(key=lambda row: row[0])
        day_clicks.append(len(rows))

        def click_rows(
            rows: list[tuple[float, tuple[Any, ...]]] = rows,
        ) -> Iterable[tuple[Any, ...]]:
            nonlocal sequence
            for at, (link, what, bot, host, device, visitor, unique, own) in rows:
                sequence += 1
                yield (
                    org,
                    f"{prefix}{sequence:016x}",
                    link,
                    stamp(at, vendor),
                    what,
                    bot,
                    host,
                    device,
                    visitor,
                    unique,
                    own,
                )

        with transaction.atomic():
            insert(click_table, columns, click_rows(), model=Click)
        if day % 10 == 9:
            progress(f"   clicks: day {day + 1}/{days}, {sequence:,} so far")
    if indexes:
        progress("   clicks: building the indexes again")
        with connection.cursor() as cursor:
            for _, sql in indexes:
                cursor.execute(sql)
    _store_counters(plan, counters)
    return ClickHistory(clicks=sequence, per_day=day_clicks)


def _store_counters(plan: Sequence[PlannedShare], counters: list[list[Any]]) -> None:
    """The links' counters, as the drainer keeps them."""
    vendor = connection.vendor
    updates = [
        (c[0], c[1], c[2], c[3], stamp(c[4], vendor) if c[4] else None, plan[i].link_id)
        for i, c in enumerate(counters)
        if c[4]
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.cursor.executemany(  # type: ignore[attr-defined]
                "UPDATE links_link SET clicks = ?, unique_clicks = ?, self_clicks = ?,"
                " previews = ?, last_click_at = ? WHERE id = ?",
                updates,
            )
        else:
            cursor.execute(
                "CREATE TEMP TABLE link_counts (clicks int, unique_clicks int, self_clicks int,"
                " previews int, last_click_at timestamptz, id bigint)"
            )
            insert(
                "link_counts",
                ["clicks", "unique_clicks", "self_clicks", "previews", "last_click_at", "id"],
                updates,
            )
            cursor.execute(
                "UPDATE links_link AS l SET clicks = c.clicks, unique_clicks = c.unique_clicks,"
                " self_clicks = c.self_clicks, previews = c.previews,"
                " last_click_at = c.last_click_at FROM link_counts AS c WHERE l.id = c.id"
            )
            cursor.execute("DROP TABLE link_counts")


# Everything at once ------------------------------------------------------------------------


@dataclass
class History:
    connections: int
    shares: list[PlannedShare]
    snapshots: int
    clicks: ClickHistory


def history_fill(
    *,
    organization: Organization,
    memberships: Sequence[Membership],
    posts: Sequence[Post],
    scale: float,
    days: int,
    click_scale: float | None = None,
    seed: int = 6,
    now: datetime | None = None,
    member_boost: dict[int, float] | None = None,
    connection_chances: Sequence[tuple[str, float]] = CONNECTION_CHANCES,
    connection_instances: dict[str, str] | None = None,
    connection_token: str = "bench-token",  # noqa: S107 (a placeholder)
    code: Callable[[int], str] = _bench_code,
    text: ShareText | None = None,
    destination: ShareText | None = None,
    opened_since: datetime | None = None,
    progress: Progress = _quiet,
) -> History:
    """Fill `organization` with `days` days of history (up to `now`) for its members and
    posts (each post is shared after its `publish_start`), at `scale` of FULL's shares and
    clicks (`click_scale`, if given, of its clicks). Must run inside transaction.atomic (one
    load, all or nothing)."""
    rng = random.Random(seed)
    size = sizes(scale)
    now = now or timezone.now()
    now_epoch = now.timestamp()
    first_day = timezone.localdate(now) - timedelta(days=days - 1)
    connections = connections_add(
        organization=organization,
        memberships=memberships,
        rng=rng,
        chances=connection_chances,
        instances=connection_instances,
        token=connection_token,
    )
    dated = [post for post in posts if post.publish_start is not None]
    plan = shares_add(
        organization=organization,
        memberships=memberships,
        posts=dated,
        post_moments=[post.publish_start.timestamp() for post in dated if post.publish_start],
        count=size["shares"],
        now_epoch=now_epoch,
        rng=rng,
        connections=connections,
        member_boost=member_boost,
        code=code,
        text=text,
        destination=destination,
        opened_since=opened_since.timestamp() if opened_since else None,
    )
    progress(f"   {len(plan)} shares")
    snapshots = metrics_add(plan=plan, now_epoch=now_epoch, rng=rng)
    clicks = clicks_add(
        organization=organization,
        plan=plan,
        count=size["clicks"] if click_scale is None else sizes(click_scale)["clicks"],
        first_day=first_day,
        days=days,
        now_epoch=now_epoch,
        rng=rng,
        progress=progress,
    )
    progress(f"   {clicks.clicks} clicks")
    return History(connections=len(connections), shares=plan, snapshots=snapshots, clicks=clicks)
