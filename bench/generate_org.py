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
Connections, shares, snapshots and clicks come from the same generator as the demo
organization's history (`chorus.demo.history`), here at full size.

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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

DAYS = 92
Progress = Callable[[str], None]


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
    from chorus.demo import history

    rng = random.Random(seed)
    size = history.sizes(scale)
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
        department_weights = history.weighted(rng, 20, 1.2)
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
    connections = history.connections_add(
        organization=organization, memberships=memberships, rng=rng
    )
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
    plan = history.shares_add(
        organization=organization,
        memberships=memberships,
        posts=post_rows,
        post_moments=post_moments,
        count=size["shares"],
        now_epoch=now_epoch,
        rng=rng,
        connections=connections,
    )
    lap("shares")

    # -- engagement snapshots of API shares --
    snapshots = history.metrics_add(plan=plan, now_epoch=now_epoch, rng=rng)
    lap("metrics")

    # -- clicks, day by day, in time order (indexes dropped and built again) --
    clicks = history.clicks_add(
        organization=organization,
        plan=plan,
        count=size["clicks"],
        first_day=first_day,
        days=DAYS,
        now_epoch=now_epoch,
        rng=rng,
        rebuild_indexes=True,
        progress=progress,
    )
    lap("clicks, indexes and counters")

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if vendor == "sqlite":  # what the application runs with
            cursor.execute(f"PRAGMA synchronous = {int(synchronous)}")
    lap("statistics")

    day_clicks = clicks.per_day
    busiest = max(range(DAYS), key=lambda d: day_clicks[d])
    return {
        "vendor": vendor,
        "scale": scale,
        "organization_id": organization.pk,
        "admin_user_id": users[0].pk,
        "members": members,
        "posts": posts,
        "shares": len(plan),
        "api_shares": sum(1 for share in plan if share.api),
        "snapshots": snapshots,
        "connections": len(connections),
        "clicks": clicks.clicks,
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
