"""The leaderboard benchmark: the top 50 and a member's own rank in a 50,000-member program.

Builds an organization of 50,000 members taking part in the program (at scale 1), each in
one of 12 departments, with their points this week, month, quarter and all time (PointTotal
rows, bulk-inserted: skewed, a few members with most points, many ties at small totals and
members without points in the shorter periods; 5% chose not to be ranked). Then, for each
period, times `selectors.leaderboard` (the top 50) and `selectors.my_rank` (rank, two above
and two below) for members spread over the board (the top, the middle, the last with
points), and a department's top 50, with their query counts. Target: p95 under 50 ms each.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set (a throwaway database
is created there and dropped after). Run alone with `python -m bench.bench_leaderboard`
(options: --scale, e.g. 0.1 for a quick check; --iterations), or with every benchmark by
`make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.child import run_step
from bench.report import Check, Report

TARGET_P95_MS = 50.0
MEMBERS = 50_000
DEPARTMENTS = 12
# Of each period's points, the share in the next shorter one (a member's month is about a
# third of their quarter), and how many members earned nothing in it.
SHORTER = {"quarter": (0.45, 0.25), "month": (0.35, 0.45), "week": (0.3, 0.65)}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
    }


def points_by_period(rng: random.Random) -> dict[str, int]:
    """One member's points: all time skewed (Pareto), each shorter period a part of it."""
    points = {"all": int(rng.paretovariate(1.1) * 15) if rng.random() < 0.92 else 0}
    longer = "all"
    for period, (part, idle) in SHORTER.items():
        earned = points[longer] if rng.random() >= idle else 0
        points[period] = int(earned * part * rng.uniform(0.5, 1.5))
        longer = period
    return points


def build(members: int) -> tuple[Any, list[Any], Any]:
    """The organization, its memberships and one department."""
    from django.db import transaction

    from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
    from chorus.accounts.models import ProgramStatus as Status
    from chorus.gamification.models import PointTotal
    from chorus.gamification.selectors.leaderboard import period_start

    rng = random.Random(7)
    with transaction.atomic():
        organization = Organization.objects.create(name="Bench Corp", slug="bench-leaderboard")
        users = User.objects.bulk_create(
            (User(email=f"m{i}@rank.bench.example", name=f"Member {i}") for i in range(members)),
            batch_size=5000,
        )
        memberships = Membership.objects.bulk_create(
            (
                Membership(
                    organization=organization,
                    user=user,
                    program_status=Status.JOINED,
                    public_ranking=rng.random() >= 0.05,
                )
                for user in users
            ),
            batch_size=5000,
        )
        departments = Group.objects.bulk_create(
            Group(organization=organization, kind=GroupKind.DEPARTMENT, name=f"Department {n}")
            for n in range(DEPARTMENTS)
        )
        Through = Group.members.through
        Through.objects.bulk_create(
            (
                Through(group_id=departments[i % DEPARTMENTS].pk, membership_id=member.pk)
                for i, member in enumerate(memberships)
            ),
            batch_size=10_000,
        )
        starts = {period: period_start(period) for period in ("week", "month", "quarter", "all")}
        totals = []
        for member in memberships:
            for period, points in points_by_period(rng).items():
                if points or period == "all":  # the award path makes the all-time row first
                    totals.append(
                        PointTotal(
                            organization=organization,
                            membership=member,
                            period=period,
                            starts=starts[period],
                            points=points,
                        )
                    )
        PointTotal.objects.bulk_create(totals, batch_size=10_000)
    return organization, memberships, departments[0]


def timed(function: Callable[[], Any], iterations: int) -> tuple[list[float], int]:
    """Timings in ms of `iterations` calls after a warm-up, and the queries of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    timings = []
    for _ in range(iterations):
        begin = time.perf_counter()
        function()
        timings.append((time.perf_counter() - begin) * 1000)
    return timings, len(captured)


def step_run(scale: float, iterations: int) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: build the organization, then measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from chorus.gamification.models import PointTotal
    from chorus.gamification.selectors import leaderboard as selectors

    call_command("migrate", verbosity=0, interactive=False)
    members = max(100, int(MEMBERS * scale))
    started = time.monotonic()
    organization, memberships, department = build(members)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a live database has them
    built = time.monotonic() - started
    log(f"   built {members:,} members in {built:.1f} s")

    results: dict[str, Any] = {}
    for period in ("week", "month", "quarter", "all"):
        starts = selectors.period_start(period)
        ranked = list(
            PointTotal.objects.filter(
                organization=organization, period=period, starts=starts, points__gt=0
            )
            .order_by("-points", "membership_id")
            .values_list("membership_id", flat=True)
        )
        # Members at the top, a quarter, the middle, three quarters and the end of the board.
        picks = {ranked[int(f * (len(ranked) - 1))] for f in (0, 0.25, 0.5, 0.75, 1)}
        measured = [member for member in memberships if member.pk in picks]
        top, top_queries = timed(
            partial(selectors.leaderboard, organization=organization, period=period),
            iterations,
        )
        group_top, group_queries = timed(
            partial(
                selectors.leaderboard,
                organization=organization,
                period=period,
                group_id=department.pk,
            ),
            iterations,
        )
        own: list[float] = []
        own_queries: set[int] = set()
        for member in measured:
            timings, queries = timed(
                partial(
                    selectors.my_rank, organization=organization, membership=member, period=period
                ),
                max(5, iterations // len(measured)),
            )
            own += timings
            own_queries.add(queries)
        in_department = set(department.members.values_list("pk", flat=True))
        on_board = [pk for pk in ranked if pk in in_department]
        picks = {on_board[int(f * (len(on_board) - 1))] for f in (0, 0.5, 1)} if on_board else set()
        group_own: list[float] = []
        for member in (member for member in memberships if member.pk in picks):
            timings, _queries = timed(
                partial(
                    selectors.my_rank,
                    organization=organization,
                    membership=member,
                    period=period,
                    group_id=department.pk,
                ),
                max(5, iterations // 3),
            )
            group_own += timings
        results[period] = {
            "ranked": len(ranked),
            "top": {**percentiles(top), "queries": top_queries},
            "group_top": {**percentiles(group_top), "queries": group_queries},
            "my_rank": {**percentiles(own), "queries": sorted(own_queries)},
            "group_my_rank": percentiles(group_own or [0.0]),
        }
        log(f"   {period}: {json.dumps(results[period])}")
    return {
        "vendor": connection.vendor,
        "members": members,
        "build_seconds": built,
        "periods": results,
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = ["--scale", str(options.scale), "--iterations", str(options.iterations)]
    return run_step("bench.bench_leaderboard", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_leaderboard")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--scale", type=float, default=1.0, help="1: 50,000 members")
    parser.add_argument("--iterations", type=int, default=50, help="calls of each read")
    return parser.parse_args(argv)


def build_report(results: list[dict[str, Any]], options: argparse.Namespace) -> Report:
    rows, checks = [], []
    for result in results:
        name = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
        for period, found in result["periods"].items():
            rows.append(
                [
                    name,
                    period,
                    f"{found['ranked']:,}",
                    f"{found['top']['p50']:.1f} / {found['top']['p95']:.1f}",
                    f"{found['my_rank']['p50']:.1f} / {found['my_rank']['p95']:.1f}",
                    f"{found['group_top']['p50']:.1f} / {found['group_top']['p95']:.1f}",
                    f"{found['group_my_rank']['p50']:.1f} / {found['group_my_rank']['p95']:.1f}",
                    f"{found['top']['queries']} / "
                    + "-".join(str(n) for n in found["my_rank"]["queries"])
                    + f" / {found['group_top']['queries']}",
                ]
            )
        for read in ("top", "my_rank"):
            worst = max(found[read]["p95"] for found in result["periods"].values())
            label = "the top 50" if read == "top" else "a member's own rank with neighbours"
            checks.append(
                Check(
                    target=f"{name}: p95 of {label} under {TARGET_P95_MS:.0f} ms in every period",
                    passed=worst < TARGET_P95_MS,
                    detail=f"worst period {worst:.1f} ms",
                )
            )
    notes = [
        f"selectors.leaderboard and selectors.my_rank called directly, {options.iterations}"
        " calls each after a warm-up; own rank measured for 5 members from the top to the"
        f" end of each board; a department is 1/{DEPARTMENTS} of the members. Scale"
        f" {options.scale:g}, {results[0]['members'] if results else 0:,} members."
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Leaderboard: the top 50 and a member's own rank",
        columns=[
            "database",
            "period",
            "ranked",
            "top 50 p50/p95 ms",
            "my rank p50/p95 ms",
            "department top 50 p50/p95 ms",
            "department my rank p50/p95 ms",
            "queries (top / mine / dept)",
        ],
        rows=rows,
        checks=checks,
        notes=notes,
    )


def main(argv: list[str] | None = None) -> Report:
    # `make bench` calls main() with no arguments: the full size.
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-leaderboard-") as temp:
        work = Path(temp)
        log("   leaderboard on SQLite")
        results.append(run_on(f"sqlite:///{work / 'leaderboard.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            log("   leaderboard on PostgreSQL")
            with throwaway_database(work) as database_url:
                results.append(run_on(database_url, work / "data", options))
    return build_report(results, options)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.step == "run":
        found = step_run(arguments.scale, arguments.iterations)
        print(json.dumps(found))
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
