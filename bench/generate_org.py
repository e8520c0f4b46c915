"""A large synthetic organization for the analytics benchmark, bulk-inserted.

At scale 1: 50,000 members (each in a department, a region and a language group, a few tiny
groups, some open invitations), 5,000 posts over 92 days (two thirds in campaigns), 500,000
shares (SHARED, a tracked link each; members with a connected account share through the API
and get engagement snapshots), some members' network accounts with follower counts, and 10
million clicks: people (repeat visitors within a day are not unique, a few self-clicks),
bots, HEAD requests and prefetches, skewed across links (a few shares get most clicks),
decaying over the days after each share, fewer at weekends, in time order as the drainer
writes them.

Small tables go through `bulk_create`; links, shares, metric snapshots and clicks through raw
SQL (COPY on PostgreSQL, executemany on SQLite) in large transactions, with the clicks'
secondary indexes dropped during the load and built again after (timed with the rest).

Run alone: `python -m bench.generate_org --scale 0.01 [--database-url URL]` (default: a
SQLite file in the temporary directory, kept; the URL's database must exist).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

FULL = {"members": 50_000, "posts": 5_000, "shares": 500_000, "clicks": 10_000_000}
DAYS = 92
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
Progress = Callable[[str], None]


def sizes(scale: float) -> dict[str, int]:
    return {name: max(5, round(count * scale)) for name, count in FULL.items()}


def _stamp(moment: float, vendor: str) -> str:
    """A UTC epoch time as the backend stores it (SQLite: Django's naive text)."""
    text = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if text.endswith(".000000"):  # str() of a datetime drops a zero fraction
        text = text[:-7]
    return text if vendor == "sqlite" else text + "+00"


def _insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Raw bulk insert: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

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
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
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


def _next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(cursor.fetchone()[0]) + 1


def _reset_sequences(models: Sequence[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's plain indexes (not keys or unique constraints)."""
    from django.db import connection

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


def _weighted(rng: random.Random, count: int, shape: float) -> list[float]:
    """Pareto weights: a few items get most of the activity."""
    return [rng.paretovariate(shape) for _ in range(count)]


def generate(*, scale: float = 1.0, seed: int = 6, progress: Progress = print) -> dict[str, Any]:
    """Build the organization in the current database (migrated). Returns what was built."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from chorus.accounts.models import (
        Group,
        GroupKind,
        Invitation,
        Membership,
        Organization,
        ProgramStatus,
        User,
    )
    from chorus.content.models import Post, PostState
    from chorus.links.models import Click, Link
    from chorus.sharing.models import (
        NetworkConnection,
        Share,
        ShareMethod,
        ShareMetrics,
        ShareStatus,
    )

    rng = random.Random(seed)
    size = sizes(scale)
    vendor = connection.vendor
    timings: dict[str, float] = {}
    started = mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        timings[name] = round(now - mark, 2)
        mark = now
        progress(f"   {name}: {timings[name]:.1f} s")

    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            synchronous = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -400000")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")

    today = timezone.localdate()
    first_day = today - timedelta(days=DAYS - 1)
    epoch0 = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC).timestamp()
    now_epoch = time.time()

    # -- members, groups, invitations --
    members = size["members"]
    with transaction.atomic():
        organization = Organization.objects.create(name="Analytics Corp", slug="bench-analytics")
        password = make_password("bench-admin-password")
        users = User.objects.bulk_create(
            (
                User(
                    email=f"m{i}@analytics.bench.example",
                    name=f"Member {i}",
                    password=password if i == 0 else "!",
                )
                for i in range(members)
            ),
            batch_size=5000,
        )
        joined_at = timezone.now() - timedelta(days=DAYS + 30)
        statuses = [ProgramStatus.JOINED] * 85 + [ProgramStatus.NOT_JOINED] * 12
        statuses += [ProgramStatus.LEFT] * 3
        memberships = Membership.objects.bulk_create(
            (
                Membership(
                    organization=organization,
                    user=user,
                    is_admin=i == 0,
                    is_curator=i < 20,
                    is_active=i == 0 or rng.random() > 0.02,
                    program_status=ProgramStatus.JOINED if i == 0 else rng.choice(statuses),
                    program_status_changed_at=joined_at,
                    **(
                        {"public_ranking": rng.random() > 0.1}
                        if hasattr(Membership, "public_ranking")
                        else {}
                    ),
                )
                for i, user in enumerate(users)
            ),
            batch_size=5000,
        )
        kinds = [(GroupKind.DEPARTMENT, 20), (GroupKind.REGION, 8), (GroupKind.LANGUAGE, 5)]
        groups = {
            kind: Group.objects.bulk_create(
                Group(organization=organization, kind=kind, name=f"{kind.label} {n}")
                for n in range(count)
            )
            for kind, count in kinds
        }
        tiny = Group.objects.bulk_create(
            Group(organization=organization, kind=GroupKind.DEPARTMENT, name=f"Tiny team {n}")
            for n in range(3)
        )
        Through = Group.members.through
        department_weights = _weighted(rng, 20, 1.2)
        through_rows = []
        for index, member in enumerate(memberships):
            department = rng.choices(groups[GroupKind.DEPARTMENT], department_weights)[0]
            through_rows.append(Through(group_id=department.pk, membership_id=member.pk))
            for kind, count in kinds[1:]:
                group = groups[kind][index % count]
                through_rows.append(Through(group_id=group.pk, membership_id=member.pk))
        for n, group in enumerate(tiny):
            through_rows += [
                Through(group_id=group.pk, membership_id=memberships[k].pk)
                for k in range(n + 1, n + 4)
            ]
        Through.objects.bulk_create(through_rows, batch_size=10_000)
        Invitation.objects.bulk_create(
            (
                Invitation(
                    organization=organization,
                    email=f"invited{i}@analytics.bench.example",
                    token_hash=f"{rng.getrandbits(256):064x}",
                    expires_at=timezone.now() + timedelta(days=14),
                )
                for i in range(max(1, members // 50))
            ),
            batch_size=5000,
        )
    lap("members")

    # -- network accounts (followers) --
    connections: dict[tuple[int, str], int] = {}
    with transaction.atomic():
        connection_rows = []
        for member in memberships:
            for network, chance in (("linkedin", 0.3), ("mastodon", 0.05), ("bluesky", 0.05)):
                if rng.random() < chance:
                    connection_rows.append(
                        NetworkConnection(
                            organization=organization,
                            membership=member,
                            network=network,
                            account_id=f"{network}-{member.pk}",
                            handle=f"member{member.pk}",
                            followers=int(rng.lognormvariate(6, 1.3)),
                            access_token="bench-token",
                        )
                    )
        for connection_row in NetworkConnection.objects.bulk_create(
            connection_rows, batch_size=5000
        ):
            connections[connection_row.membership_id, connection_row.network] = connection_row.pk
    lap("connections")

    # -- posts over the days, in campaigns --
    posts = size["posts"]
    campaigns = [f"Campaign {n}" for n in range(20)]
    day_weights = [
        0.3 if (first_day + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(DAYS)
    ]
    post_moments = sorted(
        epoch0 + rng.choices(range(DAYS), day_weights)[0] * 86400 + rng.uniform(7 * 3600, 18 * 3600)
        for _ in range(posts)
    )
    with transaction.atomic():
        post_rows = Post.objects.bulk_create(
            (
                Post(
                    organization=organization,
                    title=f"Story {i}",
                    link_url=f"https://news.analytics.bench.example/story-{i}",
                    state=PostState.LIVE,
                    campaign=rng.choice(campaigns) if rng.random() < 0.66 else "",
                    publish_start=datetime.fromtimestamp(moment, UTC),
                    created_at=datetime.fromtimestamp(moment, UTC),
                )
                for i, moment in enumerate(post_moments)
            ),
            batch_size=5000,
        )
    lap("posts")

    # -- shares and their links --
    share_count = size["shares"]
    post_weights = _weighted(rng, posts, 1.3)
    member_weights = _weighted(rng, members, 1.1)
    for index, member in enumerate(memberships):  # people outside the program do not share
        if member.program_status != ProgramStatus.JOINED or not member.is_active:
            member_weights[index] = 0.0
    network_names = [name for name, _ in NETWORKS]
    network_weights = [weight for _, weight in NETWORKS]
    seen: set[tuple[int, int, str]] = set()
    # (link id, share moment, network, membership index, api)
    plan: list[tuple[int, float, str, int, bool]] = []
    link_id = _next_id(Link._meta.db_table)
    share_id = _next_id(Share._meta.db_table)

    def picks() -> Iterable[tuple[int, int, str]]:
        for _ in range(20):  # duplicates and future moments are skipped: draw again
            count = share_count * 2
            yield from zip(
                rng.choices(range(posts), post_weights, k=count),
                rng.choices(range(members), member_weights, k=count),
                rng.choices(network_names, network_weights, k=count),
                strict=True,
            )

    link_rows, share_rows = [], []
    stamp_now = _stamp(now_epoch, vendor)
    for p, m, network in picks():
        if len(plan) >= share_count:
            break
        key = (p, m, network)
        if key in seen:
            continue
        moment = post_moments[p] + min(rng.expovariate(1 / 30000), 20 * 86400)
        if moment >= now_epoch:
            continue
        seen.add(key)
        post, member = post_rows[p], memberships[m]
        connection_id = connections.get((member.pk, network))
        api = connection_id is not None
        created = _stamp(moment, vendor)
        code = f"b{link_id:x}"
        link_rows.append(
            (organization.pk, code, post.pk, member.pk, network, post.link_url, True, created)
        )
        share_rows.append(
            (
                share_id,
                organization.pk,
                member.pk,
                post.pk,
                network,
                ShareMethod.API.value if api else ShareMethod.INTENT.value,
                ShareStatus.SHARED.value,
                f"Worth reading https://go.example/{code}",
                link_id,
                connection_id,
                created,
                f"{network}-{share_id}" if api else "",
                f"{rng.getrandbits(128):032x}",
                created,
                stamp_now,
            )
        )
        plan.append((link_id, moment, network, m, api))
        link_id += 1
        share_id += 1
    zero = (0, 0, 0, 0)
    with transaction.atomic():
        first_link = _next_id(Link._meta.db_table)
        _insert(
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
        )
        _insert(
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
            ],
            ((*row, False, 1, "", "", "", "", "", "") for row in share_rows),
        )
        _reset_sequences([Link, Share])
    del link_rows, share_rows
    lap("shares")

    # -- engagement snapshots of API shares --
    def metric_rows() -> Iterable[tuple[Any, ...]]:
        first_share = share_id - len(plan)
        for index, (_, moment, network, _, api) in enumerate(plan):
            if not api:
                continue
            reactions = reposts = replies = impressions = 0
            for hours in (2, 26, 74, 170):
                fetched = moment + hours * 3600
                if fetched >= now_epoch:
                    break
                reactions += int(rng.expovariate(1 / 6))
                reposts += int(rng.expovariate(1 / 1.5))
                replies += int(rng.expovariate(1 / 1))
                impressions += int(rng.expovariate(1 / 300))
                yield (
                    first_share + index,
                    _stamp(fetched, vendor),
                    reactions,
                    reposts,
                    replies,
                    impressions if network == "linkedin" else None,
                )

    with transaction.atomic():
        snapshots = _insert(
            ShareMetrics._meta.db_table,
            ["share_id", "fetched_at", "reactions", "reposts", "replies", "impressions"],
            metric_rows(),
        )
    lap("metrics")

    # -- clicks, day by day, in time order --
    click_table = Click._meta.db_table
    indexes = _secondary_indexes(click_table)
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    link_weights = _weighted(rng, len(plan), 1.2)
    by_day: list[list[int]] = [[] for _ in range(DAYS)]
    # The part of a link's clicks that falls before today's end (recent shares: not all).
    weekends = [0.6 if (first_day + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(DAYS)]
    fits = [
        sum(share * weekends[day + age] for age, share in enumerate(DECAY[: DAYS - day]))
        for day in range(DAYS)
    ]
    fitted = 0.0
    for index, (_, moment, *_rest) in enumerate(plan):
        day = int((moment - epoch0) // 86400)
        by_day[day].append(index)
        fitted += link_weights[index] * fits[day]
    per_weight = size["clicks"] / fitted
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
    for day in range(DAYS):
        start = epoch0 + day * 86400
        end = min(start + 86400, now_epoch)
        if end <= start:
            day_clicks.append(0)
            continue
        weekend = weekends[day]
        rows: list[tuple[float, tuple[Any, ...]]] = []
        for age, share in enumerate(DECAY):
            if day - age < 0:
                break
            for index in by_day[day - age]:
                link, moment, network, _, _ = plan[index]
                mean = expected[index] * share * weekend
                n = int(mean) + (rng.random() < mean - int(mean))
                if not n:
                    continue
                begin = max(start, moment) if age == 0 else start
                referrer = REFERRERS.get(network, "")
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
                    _stamp(at, vendor),
                    what,
                    bot,
                    host,
                    device,
                    visitor,
                    unique,
                    own,
                )

        with transaction.atomic():
            _insert(click_table, columns, click_rows())
        if day % 10 == 9:
            progress(f"   clicks: day {day + 1}/{DAYS}, {sequence:,} so far")
    lap("clicks")
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)
    lap("click indexes")

    # -- the links' counters, as the drainer keeps them --
    with transaction.atomic(), connection.cursor() as cursor:
        updates = [
            (c[0], c[1], c[2], c[3], _stamp(c[4], vendor) if c[4] else None, plan[i][0])
            for i, c in enumerate(counters)
            if c[4]
        ]
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
            _insert(
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if vendor == "sqlite":  # what the application runs with
            cursor.execute(f"PRAGMA synchronous = {int(synchronous)}")
    lap("counters and statistics")

    busiest = max(range(DAYS), key=lambda d: day_clicks[d])
    return {
        "vendor": vendor,
        "scale": scale,
        "organization_id": organization.pk,
        "admin_user_id": users[0].pk,
        "members": members,
        "posts": posts,
        "shares": len(plan),
        "api_shares": sum(1 for row in plan if row[4]),
        "snapshots": snapshots,
        "connections": len(connections),
        "clicks": sequence,
        "first_day": first_day.isoformat(),
        "last_day": today.isoformat(),
        "busiest_day": (first_day + timedelta(days=busiest)).isoformat(),
        "busiest_day_clicks": day_clicks[busiest],
        "days": [(first_day + timedelta(days=d)).isoformat() for d in range(DAYS)],
        "seconds": round(time.monotonic() - started, 1),
        "timings": timings,
    }


def setup_django(database_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings")
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate_org")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args(argv)
    url = options.database_url
    if not url:
        url = (
            f"sqlite:///{tempfile.gettempdir()}/chorus-org-{options.scale:g}-{os.getpid()}.sqlite3"
        )
        print(f"   into {url}", flush=True)
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="chorus-org-data-"))
    setup_django(url)
    result = generate(
        scale=options.scale, seed=options.seed, progress=lambda s: print(s, flush=True)
    )
    result.pop("days")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
