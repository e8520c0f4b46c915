"""The training reports benchmark: completion and certification per group for 50,000 members.

Builds an organization of 50,000 members (at scale 1; 2% deactivated), each in one of 20
departments (skewed sizes), one of 8 regions and one of 5 language groups, with 3 tiny
groups (folded into "Other"), as `bench/generate_org.py` groups its members. Then 10
required published courses (8 for everyone, 2 for a department and for a region AND a
department), each with a current major version; completions of the current and of an older
major version for about two thirds of the members; 2 certifications with certificates
(valid, expiring within 30 days, renewed, expired, revoked); and submitted quiz attempts
over the last six months (first tries and retakes). Everything is bulk-inserted.

Then times counting the reports ahead as the periodic task does
(`services.reports.report_snapshots_refresh`: every kind of groups), the overview as pages
read it (`services.reports.training_report`: the stored report), the same counted live
(`selectors.reports.training_overview`: every group of every kind, every course and
certification; and departments only), the knowledge score per group and month counted live
(`knowledge_over_time`), and the page `GET /manage/training/reports/` through Django's test
client signed in as a trainer, with their query counts.
Target: p95 of the overview as pages read it, and of the page, under 200 ms.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set (a throwaway database
is created there and dropped after). Run alone with `python -m bench.bench_training_reports`
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
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.child import run_step
from bench.report import Check, Report

TARGET_P95_MS = 200.0
MEMBERS = 50_000
COURSES = 10
PAGE_URL = "/manage/training/reports/"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
    }


def build(members: int) -> dict[str, Any]:
    """The organization and everything the reports read; returns what was built."""
    from django.db import transaction
    from django.utils import timezone

    from chorus.accounts.models import Group, GroupKind, Membership, Organization, User
    from chorus.training.models import (
        Certificate,
        Certification,
        Course,
        CourseCompletion,
        CourseState,
        QuizAttempt,
    )

    rng = random.Random(15)
    now = timezone.now()
    counts: dict[str, int] = {"members": members}
    with transaction.atomic():
        organization = Organization.objects.create(name="Training Corp", slug="bench-training")
        users = User.objects.bulk_create(
            (
                User(email=f"m{i}@training.bench.example", name=f"Member {i}", password="!")
                for i in range(members)
            ),
            batch_size=5000,
        )
        memberships = Membership.objects.bulk_create(
            (
                Membership(
                    organization=organization,
                    user=user,
                    is_trainer=i == 0,
                    is_active=i == 0 or rng.random() > 0.02,
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
        weights = [1 / (n + 1) ** 1.2 for n in range(20)]
        rows = []
        for index, member in enumerate(memberships):
            department = rng.choices(groups[GroupKind.DEPARTMENT], weights)[0]
            rows.append(Through(group_id=department.pk, membership_id=member.pk))
            for kind, count in kinds[1:]:
                rows.append(
                    Through(group_id=groups[kind][index % count].pk, membership_id=member.pk)
                )
        for n, group in enumerate(tiny):
            rows += [
                Through(group_id=group.pk, membership_id=memberships[k].pk)
                for k in range(n + 1, n + 4)
            ]
        Through.objects.bulk_create(rows, batch_size=10_000)
        counts["group_memberships"] = len(rows)

        courses = Course.objects.bulk_create(
            Course(
                organization=organization,
                title=f"Course {n}",
                required=True,
                state=CourseState.PUBLISHED,
                target_all=n < COURSES - 2,
                major_version=1 + n % 3,
                minor_version=n % 2,
                published_at=now - timedelta(days=200),
            )
            for n in range(COURSES)
        )
        courses[-2].target_groups.add(groups[GroupKind.DEPARTMENT][0])
        courses[-1].target_groups.add(groups[GroupKind.DEPARTMENT][1], groups[GroupKind.REGION][0])
        completions = []
        for course in courses:
            for member in memberships:
                draw = rng.random()
                if draw < 0.6:
                    major = course.major_version
                elif draw < 0.7 and course.major_version > 1:
                    major = course.major_version - 1  # done before the last major change
                else:
                    continue
                completions.append(
                    CourseCompletion(
                        organization=organization,
                        membership=member,
                        course=course,
                        major_version=major,
                        minor_version=0,
                        score=rng.randint(70, 100),
                        completed_at=now - timedelta(days=rng.randint(0, 300)),
                    )
                )
        CourseCompletion.objects.bulk_create(completions, batch_size=10_000)
        counts["completions"] = len(completions)

        certifications = Certification.objects.bulk_create(
            Certification(organization=organization, name=f"Certified advocate {n}")
            for n in range(2)
        )
        certificates = []
        for certification in certifications:
            for member in memberships:
                draw = rng.random()
                if draw > 0.7:
                    continue
                issued = now - timedelta(days=rng.randint(1, 700))
                certificates.append(
                    Certificate(
                        organization=organization,
                        certification=certification,
                        membership=member,
                        code=f"{rng.getrandbits(128):032x}",
                        issued_at=issued,
                        expires_at=issued + timedelta(days=365),
                        revoked_at=now if draw < 0.02 else None,
                    )
                )
                if draw < 0.1:  # renewed: a newer certificate beside the old one
                    certificates.append(
                        Certificate(
                            organization=organization,
                            certification=certification,
                            membership=member,
                            code=f"{rng.getrandbits(128):032x}",
                            issued_at=now - timedelta(days=5),
                            expires_at=now + timedelta(days=360),
                            renewal=True,
                        )
                    )
        Certificate.objects.bulk_create(certificates, batch_size=10_000)
        counts["certificates"] = len(certificates)

        attempts = []
        for member in memberships:
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                course = rng.choice(courses)
                moment = now - timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 1440))
                for retake in range(rng.choice((1, 1, 2))):
                    at = moment + timedelta(hours=retake)
                    attempts.append(
                        QuizAttempt(
                            organization=organization,
                            membership=member,
                            course=course,
                            major_version=course.major_version,
                            started_at=at,
                            submitted_at=at,
                            score=min(100, rng.randint(40, 95) + 10 * retake),
                            passed=True,
                        )
                    )
        QuizAttempt.objects.bulk_create(attempts, batch_size=10_000)
        counts["quiz_attempts"] = len(attempts)
    return {
        "organization": organization,
        "trainer_user_id": users[0].pk,
        "counts": counts,
    }


def timed(function: Callable[[], Any], iterations: int) -> tuple[list[float], int]:
    """Timings in ms of `iterations` calls after a warm-up, and the queries of one call
    (counted by an execute wrapper: a request closes its connection at its end)."""
    from django.db import connection

    executed = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        function()
    timings = []
    for _ in range(iterations):
        begin = time.perf_counter()
        function()
        timings.append((time.perf_counter() - begin) * 1000)
    return timings, len(executed)


def step_run(scale: float, iterations: int) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: build the organization, then measure."""
    import django

    django.setup()
    from django.conf import settings

    # Plain static URLs: production's manifest needs `collectstatic` (a dict look-up).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from chorus.accounts.models import GroupKind, User
    from chorus.core.tenancy import in_organization
    from chorus.training.selectors import reports as selectors
    from chorus.training.services import reports as report_services

    call_command("migrate", verbosity=0, interactive=False)
    members = max(100, int(MEMBERS * scale))
    started = time.monotonic()
    built = build(members)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a live database has them
    seconds = time.monotonic() - started
    log(f"   built {json.dumps(built['counts'])} in {seconds:.1f} s")
    organization = built["organization"]

    results: dict[str, Any] = {}
    with in_organization(organization):
        overview = selectors.training_overview(organization=organization)
        lines = len(overview.lines)
        # Counting ahead, as the periodic task does (every kind of groups), a few times.
        timings, queries = timed(
            partial(report_services.report_snapshots_refresh, organization=organization),
            max(3, iterations // 10),
        )
        results["refresh"] = {**percentiles(timings), "queries": queries}
        log(f"   refresh: {json.dumps(results['refresh'])}")
        for name, function in (
            (
                "stored",
                partial(
                    report_services.training_report,
                    organization=organization,
                    filters=selectors.ReportFilters(),
                ),
            ),
            ("overview", partial(selectors.training_overview, organization=organization)),
            (
                "overview_departments",
                partial(
                    selectors.training_overview,
                    organization=organization,
                    filters=selectors.ReportFilters(kind=GroupKind.DEPARTMENT),
                ),
            ),
            ("knowledge", partial(selectors.knowledge_over_time, organization=organization)),
        ):
            timings, queries = timed(function, iterations)
            results[name] = {**percentiles(timings), "queries": queries}
            log(f"   {name}: {json.dumps(results[name])}")

    client = Client()
    client.force_login(User.objects.get(pk=built["trainer_user_id"]))
    first = client.get(PAGE_URL)
    if first.status_code != 200:
        raise LookupError(f"GET {PAGE_URL} answers {first.status_code}")

    def page() -> None:
        response = client.get(PAGE_URL)
        assert response.status_code == 200, response.status_code

    timings, queries = timed(page, iterations)
    results["page"] = {**percentiles(timings), "queries": queries, "bytes": len(first.content)}
    log(f"   page: {json.dumps(results['page'])}")
    return {
        "vendor": connection.vendor,
        "counts": built["counts"],
        "lines": lines,
        "build_seconds": seconds,
        "results": results,
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = ["--scale", str(options.scale), "--iterations", str(options.iterations)]
    return run_step("bench.bench_training_reports", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_training_reports")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--scale", type=float, default=1.0, help="1: 50,000 members")
    parser.add_argument("--iterations", type=int, default=50, help="calls of each read")
    return parser.parse_args(argv)


LABELS = {
    "refresh": "counting ahead: every kind of groups (the task)",
    "stored": "overview as pages read it (stored)",
    "overview": "overview counted live (every group)",
    "overview_departments": "overview counted live (departments)",
    "knowledge": "knowledge score counted live",
    "page": f"page GET {PAGE_URL}",
}


def build_report(results: list[dict[str, Any]], options: argparse.Namespace) -> Report:
    rows, checks = [], []
    for result in results:
        name = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
        for read, found in result["results"].items():
            rows.append(
                [
                    name,
                    LABELS[read],
                    f"{found['p50']:.1f}",
                    f"{found['p95']:.1f}",
                    str(found["queries"]),
                ]
            )
        for read in ("stored", "page"):
            p95 = result["results"][read]["p95"]
            checks.append(
                Check(
                    target=f"{name}: p95 of the training {LABELS[read]}"
                    f" under {TARGET_P95_MS:.0f} ms",
                    passed=p95 < TARGET_P95_MS,
                    detail=f"{p95:.1f} ms",
                )
            )
    counts = results[0]["counts"] if results else {}
    notes = [
        f"{counts.get('members', 0):,} members in {counts.get('group_memberships', 0):,} group"
        f" places (36 groups of 3 kinds, 3 tiny), {COURSES} required courses,"
        f" {counts.get('completions', 0):,} completions, {counts.get('certificates', 0):,}"
        f" certificates, {counts.get('quiz_attempts', 0):,} quiz attempts; the overview has"
        f" {results[0]['lines'] if results else 0} lines. {options.iterations} calls each after a"
        f" warm-up; scale {options.scale:g}. {os.cpu_count()} CPUs, load average"
        f" {os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Training reports: completion and certification per group",
        columns=["database", "read", "p50 ms", "p95 ms", "queries"],
        rows=rows,
        checks=checks,
        notes=notes,
    )


def main(argv: list[str] | None = None) -> Report:
    # `make bench` calls main() with no arguments: the full size.
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-training-") as temp:
        work = Path(temp)
        log("   training reports on SQLite")
        results.append(run_on(f"sqlite:///{work / 'training.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            log("   training reports on PostgreSQL")
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
