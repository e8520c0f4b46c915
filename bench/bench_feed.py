"""The feed benchmark: a member's first feed page in a large organization.

Builds an organization of 10,000 members (each in a department, a region and a language
group) and 5,000 live posts (some for everyone, the rest targeted at one or two kinds of
group, with captions, topics, a post of the day), then times `GET /feed/` through Django's
test client (the whole request cycle: middleware, session, selectors, templates) for
several members, many times each, and counts its queries. Target: p95 under 50 ms, and the
same number of queries whatever the organization's size.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set (a throwaway database
is created there and dropped after). Run alone with `python -m bench.bench_feed` (options:
--members, --posts, --sample, --iterations), or with every benchmark by `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.child import run_step
from bench.report import Check, Report

TARGET_P95_MS = 50.0
DEPARTMENTS, REGIONS, LANGUAGES = 12, 6, 3


def step_run(members: int, posts: int, sample: int, iterations: int) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: build the organization, then measure."""
    from datetime import timedelta

    import django

    django.setup()
    from django.conf import settings

    # Plain static URLs: production's manifest needs `collectstatic` (a dict look-up).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from chorus.accounts.models import (
        Group,
        GroupKind,
        Membership,
        Organization,
        ProgramStatus,
        User,
    )
    from chorus.content.models import Caption, Post, PostState, Topic
    from chorus.sharing.models import PostView, Share, ShareMethod, ShareStatus

    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    now = timezone.now()
    with transaction.atomic():
        organization = Organization.objects.create(name="Bench Corp", slug="bench-feed")
        users = User.objects.bulk_create(
            (User(email=f"m{i}@feed.bench.example", name=f"Member {i}") for i in range(members)),
            batch_size=2000,
        )
        memberships = Membership.objects.bulk_create(
            (
                Membership(
                    organization=organization, user=user, program_status=ProgramStatus.JOINED
                )
                for user in users
            ),
            batch_size=2000,
        )
        kinds = [
            (GroupKind.DEPARTMENT, DEPARTMENTS),
            (GroupKind.REGION, REGIONS),
            (GroupKind.LANGUAGE, LANGUAGES),
        ]
        groups = {
            kind: Group.objects.bulk_create(
                Group(organization=organization, kind=kind, name=f"{kind} {n}")
                for n in range(count)
            )
            for kind, count in kinds
        }
        Through = Group.members.through
        Through.objects.bulk_create(
            (
                Through(group_id=groups[kind][index % count].pk, membership_id=member.pk)
                for index, member in enumerate(memberships)
                for kind, count in kinds
            ),
            batch_size=5000,
        )
        topics = Topic.objects.bulk_create(
            Topic(organization=organization, name=f"Topic {n}") for n in range(8)
        )
        post_rows = Post.objects.bulk_create(
            (
                Post(
                    organization=organization,
                    title=f"Announcement {i}",
                    commentary="Why this matters to our customers.",
                    link_url=f"https://news.bench.example/2025/story-{i}",
                    preview_title=f"Story {i}",
                    preview_site_name="Bench News",
                    preview_image_url=f"https://news.bench.example/img/{i}.jpg",
                    state=PostState.LIVE,
                    target_all=i % 5 < 2,
                    publish_start=now - timedelta(minutes=i),
                    post_of_the_day=timezone.localdate() if i == posts // 2 else None,
                    created_at=now - timedelta(minutes=i),
                )
                for i in range(posts)
            ),
            batch_size=2000,
        )
        # Targeted posts: one department, or a department and a region, or a language.
        Targets = Post.target_groups.through
        targets = []
        for i, post in enumerate(post_rows):
            if post.target_all:
                continue
            department = groups[GroupKind.DEPARTMENT][i % DEPARTMENTS]
            if i % 5 == 2:
                chosen = [department]
            elif i % 5 == 3:
                chosen = [department, groups[GroupKind.REGION][i % REGIONS]]
            else:
                chosen = [groups[GroupKind.LANGUAGE][i % LANGUAGES]]
            targets += [Targets(post_id=post.pk, group_id=group.pk) for group in chosen]
        Targets.objects.bulk_create(targets, batch_size=5000)
        Post.topics.through.objects.bulk_create(
            (
                Post.topics.through(post_id=post.pk, topic_id=topics[i % len(topics)].pk)
                for i, post in enumerate(post_rows)
            ),
            batch_size=5000,
        )
        Caption.objects.bulk_create(
            (
                Caption(post=post, network=network, text=f"{text} {post.link_url}")
                for post in post_rows
                for network, text in (("linkedin", "A story worth reading:"), ("x", "Read:"))
            ),
            batch_size=5000,
        )
        # The measured members have seen a third of the posts and shared a few.
        measured = memberships[:: max(1, members // sample)][:sample]
        PostView.objects.bulk_create(
            (
                PostView(organization=organization, membership=member, post=post)
                for member in measured
                for post in post_rows[::3]
            ),
            batch_size=5000,
        )
        Share.objects.bulk_create(
            Share(
                organization=organization,
                membership=member,
                post=post,
                network="x",
                method=ShareMethod.INTENT,
                status=ShareStatus.SHARED,
                text="Read this",
            )
            for member in measured
            for post in post_rows[:40:4]
        )
    built = time.monotonic() - started
    # Fresh statistics, as a live database has them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    timings: list[float] = []
    queries: set[int] = set()
    cards = 0
    for member in measured:
        client = Client()
        client.force_login(member.user)
        first = client.get("/feed/")  # warm up the session and caches
        assert first.status_code == 200, first.status_code
        cards = max(cards, first.content.count(b'class="card feed-card'))
        with CaptureQueriesContext(connection) as captured:
            client.get("/feed/")
        queries.add(len(captured))
        for _ in range(iterations):
            begin = time.perf_counter()
            response = client.get("/feed/")
            timings.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200
    timings.sort()
    return {
        "vendor": connection.vendor,
        "members": members,
        "posts": posts,
        "build_seconds": built,
        "requests": len(timings),
        "cards": cards,
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "p99": timings[int(0.99 * (len(timings) - 1))],
        "queries": sorted(queries),
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = [
        "--members",
        str(options.members),
        "--posts",
        str(options.posts),
        "--sample",
        str(options.sample),
        "--iterations",
        str(options.iterations),
    ]
    return run_step("bench.bench_feed", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_feed")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=10, help="members measured")
    parser.add_argument("--iterations", type=int, default=30, help="requests per member")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    # `make bench` calls main() with no arguments: the full size.
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-feed-") as temp:
        work = Path(temp)
        print("   feed on SQLite", flush=True)
        results.append(run_on(f"sqlite:///{work / 'feed.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            print("   feed on PostgreSQL", flush=True)
            with throwaway_database(work) as database_url:
                results.append(run_on(database_url, work / "data", options))
    rows, checks = [], []
    for result in results:
        name = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
        queries = "/".join(str(n) for n in result["queries"])
        rows.append(
            [
                name,
                f"{result['members']:,}",
                f"{result['posts']:,}",
                str(result["requests"]),
                f"{result['p50']:.1f}",
                f"{result['p95']:.1f}",
                f"{result['p99']:.1f}",
                queries,
            ]
        )
        checks.append(
            Check(
                target=f"{name}: p95 of the first feed page under {TARGET_P95_MS:.0f} ms",
                passed=result["p95"] < TARGET_P95_MS,
                detail=f"{result['p95']:.1f} ms",
            )
        )
        checks.append(
            Check(
                target=f"{name}: one query count for every member",
                passed=len(result["queries"]) == 1,
                detail=f"{queries} queries ({result['cards']} cards a page)",
            )
        )
    notes = [
        f"GET /feed/ through Django's test client (middleware, session, templates), "
        f"{options.sample} members x {options.iterations} requests after a warm-up each;"
        f" each member has seen a third of the posts. {os.cpu_count()} CPUs, load average"
        f" {os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Feed: a member's first page",
        columns=[
            "database",
            "members",
            "posts",
            "requests",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "queries",
        ],
        rows=rows,
        checks=checks,
        notes=notes,
    )


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.step == "run":
        print(
            json.dumps(
                step_run(arguments.members, arguments.posts, arguments.sample, arguments.iterations)
            )
        )
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
