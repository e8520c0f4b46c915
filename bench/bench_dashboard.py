"""The analytics benchmark: rollups of a large organization's days, then its program dashboard.

Generates an organization with bench/generate_org.py (at scale 1: 50,000 members, 5,000
posts, 500,000 shares, 10 million clicks over 92 days), then
- rolls up every day (`chorus.analytics.rollups.rollup_day`) and the daily headcounts
  (`headcount_snapshot`), timing each day; target: the busiest day's clicks in under a
  minute;
- times the program dashboard, `GET /analytics/?days=90`, through Django's test client
  signed in as an admin (middleware, session, selectors, templates), many times, with its
  query count; targets: p95 under 200 ms on PostgreSQL and under 500 ms on SQLite;
- times the top-members figure (`ranking_selectors.top_members`) for the same 90 days.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set (a throwaway database
is created there and dropped after). Run alone with `python -m bench.bench_dashboard`
(options: --scale, e.g. 0.01 for a quick check; --iterations), or with every benchmark by
`make bench`. What is missing (rollups, dashboard) is reported as not measured.
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

TARGET_ROLLUP_SECONDS = 60.0
TARGET_P95_MS = {"postgresql": 200.0, "sqlite": 500.0}
DASHBOARD_URL = "/analytics/?days=90"
# The figures the dashboard shows, timed one by one (those that exist).
SELECTORS = [
    "totals",
    "daily_series",
    "network_mix",
    "top_posts",
    "top_members",
    "group_comparison",
    "adoption",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "p99": timings[int(0.99 * (len(timings) - 1))],
    }


def measure_dashboard(
    client: Any, admin_user_id: int, iterations: int, max_seconds: float = 120.0
) -> dict[str, Any]:
    """Time GET DASHBOARD_URL as the admin; {"missing": [...]} when there is no page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chorus.accounts.models import User

    client.force_login(User.objects.get(pk=admin_user_id))
    first = client.get(DASHBOARD_URL)  # warm up the session and caches
    if first.status_code == 404:
        raise LookupError(f"the dashboard view is missing (GET {DASHBOARD_URL} answers 404)")
    if first.status_code != 200:
        raise LookupError(f"GET {DASHBOARD_URL} answers {first.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(DASHBOARD_URL)
    queries = len(captured)  # read now: the next request empties the log
    slowest = sorted(captured.captured_queries, key=lambda query: -float(query["time"]))[:3]
    timings: list[float] = []
    deadline = time.monotonic() + max_seconds
    while len(timings) < iterations and (len(timings) < 5 or time.monotonic() < deadline):
        begin = time.perf_counter()
        response = client.get(DASHBOARD_URL)
        timings.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, response.status_code
    return {
        "dashboard": {
            "requests": len(timings),
            "queries": queries,
            "bytes": len(first.content),
            "slowest_queries": [
                f"{float(query['time']) * 1000:.0f} ms ...{sql_tail(query['sql'])}"
                for query in slowest
            ],
            **percentiles(timings),
        }
    }


def sql_tail(sql: str) -> str:
    """The query from its FROM on (the column list says little), shortened."""
    start = sql.find(" FROM ")
    return sql[max(start, 0) :][:200]


def measure_selectors(organization: Any) -> dict[str, float]:
    """Milliseconds of each figure the dashboard shows (median of three), to see the cost."""
    from chorus.analytics.selectors import dashboard as dashboard_selectors
    from chorus.analytics.selectors import filters as filter_selectors
    from chorus.analytics.selectors import rankings as ranking_selectors

    filters = filter_selectors.filters_parse(organization=organization, params={"days": "90"})
    found = {}
    for name in SELECTORS:
        figure = getattr(dashboard_selectors, name, None) or getattr(ranking_selectors, name, None)
        if figure is None:
            continue
        timings = []
        for _ in range(3):
            begin = time.perf_counter()
            figure(organization=organization, filters=filters)
            timings.append((time.perf_counter() - begin) * 1000)
        found[name] = statistics.median(timings)
    return found


def step_run(scale: float, iterations: int, max_seconds: float) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: generate, roll up, then measure."""
    from bench.generate_org import generate, setup_django

    setup_django(os.environ["DATABASE_URL"])
    from datetime import date

    from django.conf import settings

    # Plain static URLs: production's manifest needs `collectstatic` (a dict look-up).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.db import connection
    from django.test import Client

    from chorus.accounts.models import Organization
    from chorus.core.tenancy import in_organization

    result: dict[str, Any] = {"vendor": connection.vendor, "missing": []}
    log(f"   generating at scale {scale:g}")
    built = generate(scale=scale, progress=log)
    days = [date.fromisoformat(day) for day in built.pop("days")]
    result["generated"] = built
    result["days"] = len(days)
    organization_id = built["organization_id"]

    # -- rollups ---------------------------------------------------------------------------
    try:
        from chorus.analytics import rollups
    except ImportError:
        rollups = None  # type: ignore[assignment]
    if rollups is None or not hasattr(rollups, "rollup_day"):
        result["missing"].append("the rollups are missing (chorus.analytics.rollups.rollup_day)")
    else:
        try:
            log("   rolling up every day")
            seconds: dict[str, float] = {}
            rows = 0
            for day in days:
                begin = time.perf_counter()
                # As the periodic task does: the rollups run in the organization's scope.
                with in_organization(organization_id):
                    rows += rollups.rollup_day(organization_id=organization_id, day=day)
                seconds[day.isoformat()] = time.perf_counter() - begin
            busiest = built["busiest_day"]
            result["rollups"] = {
                "rows": rows,
                "total": sum(seconds.values()),
                "busiest_day": busiest,
                "busiest_seconds": seconds[busiest],
                "slowest_day": max(seconds, key=lambda day: seconds[day]),
                "slowest_seconds": max(seconds.values()),
            }
            log(f"   rollups: {rows:,} rows in {sum(seconds.values()):.1f} s")
            if hasattr(rollups, "headcount_snapshot"):
                timings = []
                for day in days:
                    begin = time.perf_counter()
                    with in_organization(organization_id):
                        rollups.headcount_snapshot(organization_id=organization_id, day=day)
                    timings.append(time.perf_counter() - begin)
                result["headcounts"] = {"total": sum(timings), "slowest": max(timings)}
            else:
                result["missing"].append("the headcounts are missing (rollups.headcount_snapshot)")
        except Exception as error:  # work in progress elsewhere: report it
            result["missing"].append(f"the rollups fail ({type(error).__name__}: {error})")
    with connection.cursor() as cursor:
        # What autovacuum does on a live PostgreSQL: statistics, and the visibility map
        # that lets the rollups' covering indexes answer without the table.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    # -- the dashboard ---------------------------------------------------------------------
    try:
        result.update(measure_dashboard(Client(), built["admin_user_id"], iterations, max_seconds))
    except LookupError as error:
        result["missing"].append(str(error))
    except Exception as error:  # work in progress elsewhere: report it, measure the rest
        result["missing"].append(f"the dashboard fails ({type(error).__name__}: {error})")

    # -- top members -------------------------------------------------------------------------
    try:
        from chorus.analytics.selectors import filters as filter_selectors
        from chorus.analytics.selectors import rankings as ranking_selectors
    except ImportError:
        ranking_selectors = None  # type: ignore[assignment]
    if ranking_selectors is None or not hasattr(ranking_selectors, "top_members"):
        result["missing"].append(
            "top members are missing (chorus.analytics.selectors.rankings.top_members)"
        )
    else:
        organization = Organization.objects.get(pk=organization_id)
        with in_organization(organization):
            try:
                filters = filter_selectors.filters_parse(
                    organization=organization, params={"days": "90"}
                )
                ranking_selectors.top_members(organization=organization, filters=filters)
                timings = []
                deadline = time.monotonic() + max_seconds / 2
                while len(timings) < iterations and (
                    len(timings) < 5 or time.monotonic() < deadline
                ):
                    begin = time.perf_counter()
                    ranking_selectors.top_members(organization=organization, filters=filters)
                    timings.append((time.perf_counter() - begin) * 1000)
                result["top_members"] = percentiles(timings)
                result["selectors"] = measure_selectors(organization)
            except Exception as error:
                result["missing"].append(f"top members fail ({type(error).__name__}: {error})")
    return result


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = ["--scale", str(options.scale), "--iterations", str(options.iterations)]
    arguments += ["--max-seconds", str(options.max_seconds)]
    return run_step("bench.bench_dashboard", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_dashboard")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument(
        "--only", choices=["sqlite", "postgresql"], default="", help="one database alone"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1: 10 million clicks")
    parser.add_argument("--iterations", type=int, default=50, help="dashboard requests")
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="fewer requests past this (at least 5)"
    )
    return parser.parse_args(argv)


def build_report(results: list[dict[str, Any]], options: argparse.Namespace) -> Report:
    rows, checks, notes = [], [], []
    for result in results:
        vendor = result["vendor"]
        name = "PostgreSQL" if vendor == "postgresql" else "SQLite"
        built = result["generated"]
        rollup = result.get("rollups")
        dashboard = result.get("dashboard")
        top = result.get("top_members")
        rows.append(
            [
                name,
                f"{built['clicks']:,}",
                f"{built['seconds']:.0f}",
                f"{rollup['busiest_seconds']:.2f}" if rollup else "-",
                f"{rollup['total']:.0f}" if rollup else "-",
                f"{dashboard['p50']:.0f}" if dashboard else "-",
                f"{dashboard['p95']:.0f}" if dashboard else "-",
                f"{dashboard['p99']:.0f}" if dashboard else "-",
                str(dashboard["queries"]) if dashboard else "-",
                f"{top['p95']:.0f}" if top else "-",
            ]
        )
        if rollup:
            checks.append(
                Check(
                    target=f"{name}: rollup of the busiest day under {TARGET_ROLLUP_SECONDS:.0f} s",
                    passed=rollup["busiest_seconds"] < TARGET_ROLLUP_SECONDS,
                    detail=(
                        f"{rollup['busiest_seconds']:.2f} s for {built['busiest_day_clicks']:,}"
                        f" requests on {rollup['busiest_day']} (slowest day"
                        f" {rollup['slowest_seconds']:.2f} s)"
                    ),
                )
            )
        if dashboard:
            target = TARGET_P95_MS[vendor]
            checks.append(
                Check(
                    target=f"{name}: p95 of the program dashboard (90 days) under {target:.0f} ms",
                    passed=dashboard["p95"] < target,
                    detail=f"{dashboard['p95']:.1f} ms, {dashboard['queries']} queries",
                )
            )
        timings = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in built["timings"].items())
        notes.append(
            f"{name}: generated {built['members']:,} members, {built['posts']:,} posts,"
            f" {built['shares']:,} shares ({built['api_shares']:,} through the API,"
            f" {built['snapshots']:,} metric snapshots), {built['clicks']:,} requests in"
            f" {built['seconds']:.0f} s ({timings})"
        )
        if "headcounts" in result:
            headcounts = result["headcounts"]
            notes.append(
                f"{name}: headcounts of {result['days']} days in"
                f" {headcounts['total']:.1f} s (slowest {headcounts['slowest']:.2f} s)"
            )
        if result.get("selectors"):
            figures = ", ".join(f"{key} {ms:.0f}" for key, ms in result["selectors"].items())
            notes.append(f"{name}: the dashboard's figures one by one, ms: {figures}")
        if dashboard:
            notes += [f"{name}: slow query: {query}" for query in dashboard["slowest_queries"]]
        notes += [f"{name}: not measured: {what}" for what in result["missing"]]
    notes.append(
        f"GET {DASHBOARD_URL} through Django's test client as an admin, up to"
        f" {options.iterations} requests ({options.max_seconds:.0f} s) after a warm-up;"
        f" scale {options.scale:g}. {os.cpu_count()} CPUs, load"
        f" average {os.getloadavg()[0]:.1f} at the end."
    )
    return Report(
        title="Analytics: rollups and the program dashboard",
        columns=[
            "database",
            "clicks",
            "generated s",
            "busiest day rollup s",
            "all rollups s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "queries",
            "top members p95 ms",
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
    with tempfile.TemporaryDirectory(prefix="chorus-bench-analytics-") as temp:
        work = Path(temp)
        if options.only != "postgresql":
            log("   analytics on SQLite")
            sqlite = f"sqlite:///{work / 'analytics.sqlite3'}"
            results.append(run_on(sqlite, work / "data", options))
        if os.getenv("BENCH_DATABASE_URL") and options.only != "sqlite":
            log("   analytics on PostgreSQL")
            with throwaway_database(work) as database_url:
                results.append(run_on(database_url, work / "data", options))
    return build_report(results, options)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.step == "run":
        found = step_run(arguments.scale, arguments.iterations, arguments.max_seconds)
        log(f"   result: {json.dumps(found)}")
        print(json.dumps(found))
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
