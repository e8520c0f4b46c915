"""The certification check on the share path: is this member allowed to share this post
to X?

Builds an organization of 50,000 members with five certifications, certificates for most
members (valid, expired and revoked ones mixed, renewals too), the social media policy in
three versions with acknowledgements, and gates of every kind that a share meets (sharing
at all: the policy; sharing to X; a sensitive campaign; a sensitive topic; posts marked
"only certified members"). Then times `gate_check(action="share", network="x", post=...)`
for many members, certified or not, and counts its queries. Targets: at most one query
for every member, and p95 under 20 ms.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set. Run alone with
`python -m bench.bench_gates` (options: --members, --sample, --iterations), or with every
benchmark by `make bench`.
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

TARGET_P95_MS = 20.0
CERTIFICATIONS = 5


def step_run(members: int, sample: int, iterations: int) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: build the organization, then measure."""
    from datetime import timedelta

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_scopes import scope

    from chorus.accounts.models import Membership, Organization, ProgramStatus, User
    from chorus.content.models import Post, PostState, Topic
    from chorus.training.models import (
        Certificate,
        Certification,
        Course,
        CourseCompletion,
        CourseState,
        Gate,
        GateAction,
        Policy,
        PolicyAcknowledgement,
        PolicyVersion,
    )
    from chorus.training.selectors.gates import gate_check

    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    now = timezone.now()
    organization = Organization.objects.create(name="Bench Corp", slug="bench-gates")
    with transaction.atomic(), scope(organization=organization):
        users = User.objects.bulk_create(
            (User(email=f"m{i}@gates.bench.example", name=f"Member {i}") for i in range(members)),
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
        courses = Course.objects.bulk_create(
            Course(
                organization=organization,
                title=f"Course {n}",
                state=CourseState.PUBLISHED,
                major_version=1,
                required=True,
            )
            for n in range(CERTIFICATIONS * 2)
        )
        certifications = Certification.objects.bulk_create(
            Certification(organization=organization, name=f"Certification {n}")
            for n in range(CERTIFICATIONS)
        )
        for n, certification in enumerate(certifications):
            certification.courses.set(courses[2 * n : 2 * n + 2])
        # Most members finished the first courses; completions are what the fix link reads.
        CourseCompletion.objects.bulk_create(
            (
                CourseCompletion(
                    organization=organization,
                    membership=member,
                    course=course,
                    major_version=1,
                    minor_version=0,
                )
                for index, member in enumerate(memberships)
                for course in courses[: 1 + index % 4]
            ),
            batch_size=5000,
        )
        certificates = []
        for index, member in enumerate(memberships):
            for n, certification in enumerate(certifications):
                # A quarter of the members hold everything; the others a mix.
                kind = 0 if index % 4 == 0 else (index + n) % 5
                if kind == 4:
                    continue  # never certified
                issued = now - timedelta(days=400 if kind == 3 else 30 + index % 300)
                certificates.append(
                    Certificate(
                        organization=organization,
                        certification=certification,
                        membership=member,
                        code=f"c{index}-{n}",
                        issued_at=issued,
                        expires_at=issued + timedelta(days=365),
                        revoked_at=now if kind == 2 and index % 7 == 0 else None,
                    )
                )
                if kind == 3:  # expired, then renewed
                    certificates.append(
                        Certificate(
                            organization=organization,
                            certification=certification,
                            membership=member,
                            code=f"r{index}-{n}",
                            issued_at=now - timedelta(days=20),
                            expires_at=now + timedelta(days=345),
                            renewal=True,
                        )
                    )
        Certificate.objects.bulk_create(certificates, batch_size=5000)
        policy = Policy.objects.create(organization=organization, title="Policy", draft="Be kind.")
        versions = [
            PolicyVersion.objects.create(
                organization=organization, policy=policy, number=n, title="Policy", body="Be kind."
            )
            for n in (1, 2, 3)
        ]
        PolicyAcknowledgement.objects.bulk_create(
            (
                PolicyAcknowledgement(
                    organization=organization,
                    version=versions[2 if index % 4 == 0 else index % 3],
                    membership=member,
                )
                for index, member in enumerate(memberships)
            ),
            batch_size=5000,
        )
        topics = Topic.objects.bulk_create(
            Topic(organization=organization, name=f"Topic {n}") for n in range(8)
        )
        first, second, third, fourth, fifth = certifications
        Gate.objects.bulk_create(
            [
                Gate(organization=organization, action=GateAction.SHARE, requires_policy=True),
                Gate(organization=organization, action=GateAction.SHARE, certification=first),
                Gate(
                    organization=organization,
                    action=GateAction.NETWORK,
                    certification=second,
                    network="x",
                ),
                Gate(
                    organization=organization,
                    action=GateAction.NETWORK,
                    certification=third,
                    network="linkedin",
                ),
                Gate(
                    organization=organization,
                    action=GateAction.SENSITIVE,
                    certification=third,
                    campaign="Earnings",
                ),
                Gate(
                    organization=organization,
                    action=GateAction.SENSITIVE,
                    certification=fourth,
                    topic=topics[0],
                ),
                Gate(organization=organization, action=GateAction.SENSITIVE, certification=fifth),
                Gate(organization=organization, action=GateAction.CARE, certification=fifth),
            ]
        )
        post = Post.objects.create(
            organization=organization,
            title="Quarterly results",
            state=PostState.LIVE,
            campaign="Earnings",
            requires_certification=True,
        )
        post.topics.set(topics[:2])
    built = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    measured = memberships[:: max(1, members // sample)][:sample]
    timings: list[float] = []
    queries: set[int] = set()
    allowed = 0
    with scope(organization=organization):
        shared_post = Post.objects.prefetch_related("topics").get(pk=post.pk)
        for member in measured:
            member = Membership.objects.select_related("organization").get(pk=member.pk)
            with CaptureQueriesContext(connection) as captured:
                verdict = gate_check(
                    membership=member, action=GateAction.SHARE, network="x", post=shared_post
                )
            queries.add(len(captured))
            allowed += verdict.allowed
            for _ in range(iterations):
                begin = time.perf_counter()
                gate_check(
                    membership=member, action=GateAction.SHARE, network="x", post=shared_post
                )
                timings.append((time.perf_counter() - begin) * 1000)
    timings.sort()
    return {
        "vendor": connection.vendor,
        "members": members,
        "certificates": len(certificates),
        "build_seconds": built,
        "checks": len(timings),
        "allowed": allowed,
        "measured": len(measured),
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "p99": timings[int(0.99 * (len(timings) - 1))],
        "queries": sorted(queries),
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = [
        "--members",
        str(options.members),
        "--sample",
        str(options.sample),
        "--iterations",
        str(options.iterations),
    ]
    return run_step("bench.bench_gates", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_gates")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=40, help="members measured")
    parser.add_argument("--iterations", type=int, default=50, help="checks per member")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    # `make bench` calls main() with no arguments: the full size.
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-gates-") as temp:
        work = Path(temp)
        print("   gates on SQLite", flush=True)
        results.append(run_on(f"sqlite:///{work / 'gates.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            print("   gates on PostgreSQL", flush=True)
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
                f"{result['certificates']:,}",
                str(result["checks"]),
                f"{result['allowed']}/{result['measured']}",
                f"{result['p50']:.2f}",
                f"{result['p95']:.2f}",
                f"{result['p99']:.2f}",
                queries,
            ]
        )
        checks.append(
            Check(
                target=f"{name}: a member's gate decided in at most one query",
                passed=max(result["queries"]) <= 1,
                detail=f"{queries} queries",
            )
        )
        checks.append(
            Check(
                target=f"{name}: p95 of the check under {TARGET_P95_MS:.0f} ms",
                passed=result["p95"] < TARGET_P95_MS,
                detail=f"{result['p95']:.2f} ms",
            )
        )
    notes = [
        f"gate_check(action=share, network=x, post) for {options.sample} members x "
        f"{options.iterations} checks after a first counted one; eight gates (policy, share,"
        f" X, LinkedIn, a campaign, a topic, posts marked certified-only, care)."
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Gates: may this member share this post to X?",
        columns=[
            "database",
            "members",
            "certificates",
            "checks",
            "allowed",
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
        print(json.dumps(step_run(arguments.members, arguments.sample, arguments.iterations)))
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
