"""A best-practice space's first page with 10,000 threads.

Builds one organization with 200 members, one open space they all joined, 10,000 threads
(bulk-created, a few pinned, spread over a year of activity) with 3 replies each, and
read markers for the measured member. Then times, as that member through the Django test
client, the space's page (`/spaces/<id>/`: pinned threads, the first 25 by last activity,
unread markers, upcoming sessions), its second page by keyset, and the API's list
(`/api/v1/spaces/<id>/threads`), each ~50 times. Target: p95 under 200 ms.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set. Run alone with
`python -m bench.bench_spaces` (options: --threads, --iterations), or with every benchmark
by `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.child import run_step
from bench.report import Check, Report

TARGET_P95_MS = 200.0
MEMBERS = 200
REPLIES = 3


def _timed(call: Callable[[], None], iterations: int) -> dict[str, float]:
    call()  # warm up
    timings: list[float] = []
    for _ in range(iterations):
        begin = time.perf_counter()
        call()
        timings.append((time.perf_counter() - begin) * 1000)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "max": timings[-1],
    }


def step_run(threads: int, iterations: int) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: build the space, then measure."""
    from datetime import timedelta

    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone
    from django_scopes import scope

    from chorus.accounts.models import Membership, Organization, ProgramStatus, User
    from chorus.community.models import Message, Space, SpaceMember, Thread, ThreadRead

    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    now = timezone.now()
    organization = Organization.objects.create(name="Bench Corp", slug="bench-spaces")
    with transaction.atomic(), scope(organization=organization):
        users = User.objects.bulk_create(
            User(email=f"m{i}@spaces.bench.example", name=f"Member {i}") for i in range(MEMBERS)
        )
        members = Membership.objects.bulk_create(
            Membership(organization=organization, user=user, program_status=ProgramStatus.JOINED)
            for user in users
        )
        space = Space.objects.create(organization=organization, name="LinkedIn tips")
        SpaceMember.objects.bulk_create(
            SpaceMember(organization=organization, space=space, membership=member)
            for member in members
        )
        made = Thread.objects.bulk_create(
            (
                Thread(
                    organization=organization,
                    space=space,
                    author=members[n % MEMBERS],
                    title=f"What works on LinkedIn, take {n}",
                    pinned=n % 2000 == 0,
                    reply_count=REPLIES,
                    last_activity_at=now - timedelta(minutes=53 * n),
                    created_at=now - timedelta(minutes=53 * n + 60),
                )
                for n in range(threads)
            ),
            batch_size=2000,
        )
        Message.objects.bulk_create(
            (
                Message(
                    organization=organization,
                    thread=thread,
                    author=members[(n + r) % MEMBERS],
                    opening=r == 0,
                    body="Post in the morning, in your own words, and tag who helped.",
                    created_at=thread.created_at + timedelta(minutes=r),
                )
                for n, thread in enumerate(made)
                for r in range(REPLIES + 1)
            ),
            batch_size=5000,
        )
        reader = members[1]
        ThreadRead.objects.bulk_create(
            (
                ThreadRead(organization=organization, thread=thread, membership=reader, read_at=now)
                for thread in made[::3]
            ),
            batch_size=5000,
        )
    built = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client()
    client.force_login(reader.user)
    page_url = f"/spaces/{space.pk}/"
    first = client.get(page_url)
    assert first.status_code == 200, first.status_code
    api_url = f"/api/v1/spaces/{space.pk}/threads"
    listed = client.get(api_url).json()
    assert len(listed["threads"]) == 25 and listed["next"], listed
    deep_cursor = listed["next"]

    def page() -> None:
        response = client.get(page_url)
        assert response.status_code == 200

    def second_page() -> None:
        response = client.get(page_url, {"after": deep_cursor})
        assert response.status_code == 200

    def api_list() -> None:
        response = client.get(api_url)
        assert response.status_code == 200

    with scope(organization=organization):
        counted = {
            "threads": Thread.objects.filter(space=space).count(),
            "messages": Message.objects.filter(thread__space=space).count(),
        }
    return {
        "vendor": connection.vendor,
        **counted,
        "build_seconds": built,
        "measured": {
            "page": _timed(page, iterations),
            "second_page": _timed(second_page, iterations),
            "api": _timed(api_list, iterations),
        },
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = ["--threads", str(options.threads), "--iterations", str(options.iterations)]
    return run_step("bench.bench_spaces", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_spaces")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=50)
    return parser.parse_args(argv)


LABELS = {
    "page": "the space's first page",
    "second_page": "its second page (keyset)",
    "api": "the API's first page",
}


def main(argv: list[str] | None = None) -> Report:
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-spaces-") as temp:
        work = Path(temp)
        print("   spaces on SQLite", flush=True)
        results.append(run_on(f"sqlite:///{work / 'spaces.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            print("   spaces on PostgreSQL", flush=True)
            with throwaway_database(work) as database_url:
                results.append(run_on(database_url, work / "data", options))
    rows, checks = [], []
    for result in results:
        name = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
        for key, label in LABELS.items():
            figures = result["measured"][key]
            rows.append(
                [
                    name,
                    label,
                    f"{result['threads']:,}",
                    f"{result['messages']:,}",
                    f"{figures['p50']:.1f}",
                    f"{figures['p95']:.1f}",
                    f"{figures['max']:.1f}",
                ]
            )
            checks.append(
                Check(
                    target=f"{name}: {label}, p95 under {TARGET_P95_MS:.0f} ms",
                    passed=figures["p95"] < TARGET_P95_MS,
                    detail=f"{figures['p95']:.1f} ms",
                )
            )
    notes = [
        f"One open space, {MEMBERS} members, {options.threads:,} threads with {REPLIES} replies "
        f"each, a third of them read by the measured member; {options.iterations} requests per "
        f"row through the Django test client, signed in as a member. Built in "
        f"{results[0]['build_seconds']:.0f} s. {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Spaces: a space's first page with 10,000 threads",
        columns=["database", "what", "threads", "messages", "p50 ms", "p95 ms", "max ms"],
        rows=rows,
        checks=checks,
        notes=notes,
    )


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.step == "run":
        print(json.dumps(step_run(arguments.threads, arguments.iterations)))
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
