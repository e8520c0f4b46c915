"""The customer care benchmark: ingesting and routing 10,000 conversations, and the inbox's
first page with 100,000 conversations in the organization.

1. **Ingest and route**: an organization with 50 care agents (opted in, cleared, on duty,
   each taking up to 250 open conversations, some matching a language or a tag) and a
   Mastodon listening source. 10,000 customer posts, each starting a thread, plus one
   reply in an existing thread for every 10 (11,000 posts), are handed to
   `chorus.care.services.ingest.incoming_ingest` in batches of 40, as a poll delivers a
   page (language detection, de-duplication, threads, targets; ingest then routes what is
   new through `chorus.care.services.routing.conversations_route`), then
   `conversations_route` once more for whatever is left. Target: under 60 s in all.
2. **The inbox**: conversations are bulk-inserted up to 100,000 (statuses, priorities,
   networks, assignees and tags spread as a busy year has them), then the first page
   (50 rows) is timed ~100 times through `chorus.care.selectors.inbox.inbox_page` and
   `GET /care/` through Django's test client (middleware, session, template), for an
   agent (their default view) and an admin (everything open). Target: p95 under 100 ms.

Runs on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set (a throwaway database
is created there and dropped after). Run alone with `python -m bench.bench_care` (options:
--scale, e.g. 0.1 for a quick check; --iterations), or with every benchmark by
`make bench`.
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
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.child import run_step
from bench.report import Check, Report

INGEST_TARGET_SECONDS = 60.0
INBOX_TARGET_P95_MS = 100.0
CONVERSATIONS = 10_000
TOTAL = 100_000
AGENTS = 50
PAGE_SIZE = 40  # a poll's page
LANGUAGES = ("en", "de", "fr")
TEXTS = {
    "en": "My order has not arrived yet and the tracking page shows nothing, can you help?",
    "de": "Meine Bestellung ist noch nicht angekommen und die Sendungsverfolgung zeigt nichts.",
    "fr": "Ma commande n'est toujours pas arrivée et le suivi n'affiche rien, pouvez-vous aider ?",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(timings: list[float]) -> dict[str, float]:
    timings = sorted(timings)
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "runs": len(timings),
    }


def timed(action: Callable[[], Any], iterations: int) -> dict[str, float]:
    action()  # warm up
    timings = []
    for _ in range(iterations):
        begin = time.perf_counter()
        action()
        timings.append((time.perf_counter() - begin) * 1000)
    return percentiles(timings)


def step_run(scale: float, iterations: int) -> dict[str, Any]:
    """In a child process with DATABASE_URL set: build, ingest and route, then measure."""
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
    from django.urls import reverse
    from django.utils import timezone

    from chorus.accounts.models import Membership, Organization, ProgramStatus, User
    from chorus.care.models import (
        CareAgent,
        CareSource,
        CareTag,
        Conversation,
        ConversationStatus,
        Origin,
        Priority,
        SourceKind,
    )
    from chorus.care.selectors.inbox import InboxFilters, inbox_page
    from chorus.care.services.ingest import incoming_ingest, language_detect
    from chorus.care.services.routing import conversations_route
    from chorus.core.tenancy import in_organization
    from chorus.networks.base import Incoming

    call_command("migrate", verbosity=0, interactive=False)
    count = max(100, int(CONVERSATIONS * scale))
    total = max(count * 2, int(TOTAL * scale))
    now = timezone.now()

    # The organization, its agents and a source ------------------------------------------
    with transaction.atomic():
        organization = Organization.objects.create(name="Bench Care", slug="bench-care")
        users = User.objects.bulk_create(
            User(email=f"agent{i}@care.bench.example", name=f"Agent {i}") for i in range(AGENTS)
        )
        admin_user = User.objects.create(email="admin@care.bench.example", name="Admin")
        memberships = Membership.objects.bulk_create(
            Membership(
                organization=organization,
                user=user,
                program_status=ProgramStatus.JOINED,
                # What CareAgent.save keeps equal to opted_in (bulk_create skips save).
                answers_customers=True,
            )
            for user in users
        )
        admin = Membership.objects.create(
            organization=organization,
            user=admin_user,
            is_admin=True,
            program_status=ProgramStatus.JOINED,
        )
        tags = CareTag.objects.bulk_create(
            CareTag(organization=organization, name=name)
            for name in ("Billing", "Delivery", "App", "Returns")
        )
        agents = CareAgent.objects.bulk_create(
            CareAgent(
                organization=organization,
                membership=membership,
                opted_in=True,
                opted_in_at=now,
                on_duty=True,
                cleared=True,
                languages=[] if i % 3 == 0 else [LANGUAGES[i % len(LANGUAGES)]],
                work_days=[0, 1, 2, 3, 4, 5, 6],
                work_start="00:00",
                work_end="23:59",
                max_open=250,
            )
            for i, membership in enumerate(memberships)
        )
        CareAgent.tags.through.objects.bulk_create(
            CareAgent.tags.through(careagent_id=agent.pk, caretag_id=tags[i % len(tags)].pk)
            for i, agent in enumerate(agents)
            if i % 2
        )
        source = CareSource.objects.create(
            organization=organization,
            kind=SourceKind.MASTODON_MENTIONS,
            name="Mentions of @bench",
            instance="https://mastodon.bench.example",
            handle="@bench@mastodon.bench.example",
        )

    # 1. Ingest and route -----------------------------------------------------------------
    def post(i: int, *, reply_to: int | None = None) -> Incoming:
        language = LANGUAGES[i % len(LANGUAGES)]
        remote = f"{100000000 + i}" if reply_to is None else f"{900000000 + i}"
        root = "" if reply_to is None else f"{100000000 + reply_to}"
        return Incoming(
            remote_id=remote,
            url=f"https://mastodon.bench.example/@customer{i % 5000}/{remote}",
            text=f"@bench {TEXTS[language]} #{i}",
            author_handle=f"@customer{i % 5000}@mastodon.bench.example",
            author_name=f"Customer {i % 5000}",
            posted_at=now - timedelta(seconds=count - i),
            parent_id=root,
            root_id=root,
        )

    items = []
    for i in range(count):
        items.append(post(i))
        if i % 10 == 9:
            items.append(post(i, reply_to=i - 5))
    # What a running worker has loaded already: the URL configuration (notifications link
    # to conversations) and the language detector's model.
    reverse("care_inbox")
    language_detect(TEXTS["en"])
    log(f"   ingesting {len(items):,} posts in pages of {PAGE_SIZE}")
    started = time.perf_counter()
    with in_organization(organization):
        for start in range(0, len(items), PAGE_SIZE):
            incoming_ingest(
                organization=organization,
                items=items[start : start + PAGE_SIZE],
                network="mastodon",
                origin=Origin.SOURCE,
                source=source,
            )
        ingested = time.perf_counter() - started
        routed_late = conversations_route(organization=organization)
    ingest_seconds = time.perf_counter() - started
    with in_organization(organization):
        conversations_made = Conversation.objects.count()
        assigned = Conversation.objects.filter(assignee__isnull=False).count()

    # 2. The inbox with 100,000 conversations ---------------------------------------------
    log(f"   inserting conversations up to {total:,}")
    statuses = [
        ConversationStatus.CLOSED,
        ConversationStatus.CLOSED,
        ConversationStatus.CLOSED,
        ConversationStatus.ANSWERED,
        ConversationStatus.ASSIGNED,
        ConversationStatus.NEW,
        ConversationStatus.ESCALATED,
        ConversationStatus.AWAITING_APPROVAL,
    ]
    priorities = list(Priority.values)
    networks = ("mastodon", "bluesky", "x")
    more = total - conversations_made
    built_started = time.perf_counter()
    with transaction.atomic():
        rows = Conversation.objects.bulk_create(
            (
                Conversation(
                    organization=organization,
                    network=networks[i % len(networks)],
                    origin=Origin.SOURCE,
                    thread_key=f"bench:{i}",
                    subject="",
                    customer_handle=f"@buyer{i % 20000}@bench.example",
                    language=LANGUAGES[i % len(LANGUAGES)],
                    status=statuses[i % len(statuses)],
                    priority=priorities[i % len(priorities)],
                    assignee=(
                        memberships[i % AGENTS]
                        if statuses[i % len(statuses)] != ConversationStatus.NEW
                        else None
                    ),
                    opened_at=now - timedelta(minutes=5 * i + 60),
                    last_message_at=now - timedelta(minutes=5 * i + 30),
                    first_response_due=now - timedelta(minutes=5 * i),
                    resolution_due=now + timedelta(minutes=1440 - 5 * i),
                    resolved_at=(
                        now - timedelta(minutes=5 * i)
                        if statuses[i % len(statuses)] == ConversationStatus.CLOSED
                        else None
                    ),
                )
                for i in range(more)
            ),
            batch_size=2000,
        )
        Conversation.tags.through.objects.bulk_create(
            (
                Conversation.tags.through(conversation_id=row.pk, caretag_id=tags[i % len(tags)].pk)
                for i, row in enumerate(rows)
                if i % 3 == 0
            ),
            batch_size=5000,
        )
    build_seconds = time.perf_counter() - built_started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # What autovacuum does soon after a bulk load: without the visibility map,
            # PostgreSQL cannot use index-only scans for the status counts.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")

    agent_membership = memberships[1]
    measured: dict[str, Any] = {}
    with in_organization(organization):
        for name, member in (("agent", agent_membership), ("admin", admin)):
            member = Membership.objects.select_related("organization", "user").get(pk=member.pk)
            filters = InboxFilters()
            rows_shown = len(inbox_page(membership=member, filters=filters, limit=50).rows)
            measured[f"selector_{name}"] = {
                **timed(
                    lambda member=member, filters=filters: inbox_page(  # type: ignore[misc]
                        membership=member, filters=filters, limit=50
                    ),
                    iterations,
                ),
                "rows": rows_shown,
            }
    for name, member in (("agent", agent_membership), ("admin", admin)):
        client = Client()
        client.force_login(member.user)
        first = client.get("/care/")
        assert first.status_code == 200, first.status_code

        def page(client: Client = client) -> None:
            response = client.get("/care/")
            assert response.status_code == 200

        measured[f"page_{name}"] = timed(page, iterations)
    return {
        "vendor": connection.vendor,
        "posts": len(items),
        "conversations": conversations_made,
        "assigned": assigned,
        "routed_late": routed_late,
        "ingest_only_seconds": ingested,
        "ingest_seconds": ingest_seconds,
        "total": total,
        "build_seconds": build_seconds,
        "measured": measured,
    }


def run_on(database_url: str, data_dir: Path, options: argparse.Namespace) -> dict[str, Any]:
    arguments = ["--scale", str(options.scale), "--iterations", str(options.iterations)]
    return run_step("bench.bench_care", database_url, data_dir, arguments)  # type: ignore[no-any-return]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_care")
    parser.add_argument("step", nargs="?", default="")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--iterations", type=int, default=100)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    options = parse(argv if argv is not None else [])
    from bench.bench_redirect import throwaway_database

    results = []
    with tempfile.TemporaryDirectory(prefix="chorus-bench-care-") as temp:
        work = Path(temp)
        print("   care on SQLite", flush=True)
        results.append(run_on(f"sqlite:///{work / 'care.sqlite3'}", work / "data", options))
        if os.getenv("BENCH_DATABASE_URL"):
            print("   care on PostgreSQL", flush=True)
            with throwaway_database(work) as database_url:
                results.append(run_on(database_url, work / "data", options))
    rows, checks = [], []
    for result in results:
        name = "PostgreSQL" if result["vendor"] == "postgresql" else "SQLite"
        rows.append(
            [
                name,
                "ingest + route",
                f"{result['posts']:,} posts → {result['conversations']:,}",
                "",
                f"{result['ingest_seconds']:.1f} s",
                f"{result['assigned']:,} assigned",
            ]
        )
        for key, label in (
            ("selector_agent", "inbox_page, agent"),
            ("selector_admin", "inbox_page, admin"),
            ("page_agent", "GET /care/, agent"),
            ("page_admin", "GET /care/, admin"),
        ):
            figures = result["measured"][key]
            rows.append(
                [
                    name,
                    label,
                    f"{result['total']:,} conversations",
                    f"{figures['p50']:.1f}",
                    f"{figures['p95']:.1f}",
                    f"{figures['runs']} runs",
                ]
            )
        checks.append(
            Check(
                target=f"{name}: ingesting and routing {result['conversations']:,} "
                f"conversations under {INGEST_TARGET_SECONDS:.0f} s",
                passed=result["ingest_seconds"] < INGEST_TARGET_SECONDS,
                detail=f"{result['ingest_seconds']:.1f} s",
            )
        )
        for key in ("page_agent", "page_admin"):
            p95 = result["measured"][key]["p95"]
            checks.append(
                Check(
                    target=f"{name}: p95 of the inbox's first page ({key.split('_')[1]}) "
                    f"under {INBOX_TARGET_P95_MS:.0f} ms",
                    passed=p95 < INBOX_TARGET_P95_MS,
                    detail=f"{p95:.1f} ms",
                )
            )
    notes = [
        f"Ingest: pages of {PAGE_SIZE} posts through incoming_ingest (it routes what is new), "
        f"then conversations_route once; {AGENTS} agents taking up to 250 each. Inbox: "
        f"{options.iterations} runs after a warm-up; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end.",
    ]
    return Report(
        title="Care: ingest and route, the inbox's first page",
        columns=["database", "what", "size", "p50 ms", "p95 / total", "note"],
        rows=rows,
        checks=checks,
        notes=notes,
    )


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.step == "run":
        print(json.dumps(step_run(arguments.scale, arguments.iterations)))
    else:
        from bench.report import render

        print("\n" + render(main(sys.argv[1:])))
