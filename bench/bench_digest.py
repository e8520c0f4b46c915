"""The weekly digest benchmark: 50,000 members' digests built and handed to an SMTP server.

Builds an organization of 50,000 joined members (at scale 1) in 20 departments, with 30
live posts of the week (some for everyone, some for one department), every member wanting
the digest by email at Monday 09:00 Berlin. Then, at that moment (time-machine):
`digests_queue_due` (what the 15-minute task does), and the sender against a real aiosmtpd
server on loopback, in two phases: a sender stopped midway (a budget of a few seconds), a
"killed worker" (a batch claimed and never finished, left SENDING), then the recovery
(`deliveries_recover` after the claim lapsed) and a sender that finishes the rest. It counts
what the SMTP server received per recipient: nobody may get the digest twice.
Target: everything under 10 minutes; peak Python memory (tracemalloc) flat, i.e. not
growing with the number of members.

Run alone with `python -m bench.bench_digest --scale 0.04` (2,000 members) for a quick
check, or with every benchmark by `make bench`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from bench.report import Check, Report

MEMBERS = 50_000
TARGET_SECONDS = 600.0
MONDAY_NINE_BERLIN = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Counting:
    """An SMTP handler that only counts messages per recipient (what a relay would queue)."""

    def __init__(self) -> None:
        self.per_recipient: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for recipient in envelope.rcpt_tos:
            self.per_recipient[recipient] += 1
        return "250 OK"


def build(members: int) -> Any:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from chorus.accounts.models import Group, Membership, Organization, ProgramStatus, User
    from chorus.content.models import Post, PostState
    from chorus.notifications.models import DeliveryPreference

    organization = Organization.objects.create(name="Bench", slug="bench-digest")
    password = make_password(None)
    groups = Group.objects.bulk_create(
        Group(organization=organization, name=f"Department {n}") for n in range(20)
    )
    step = 5000
    for start in range(0, members, step):
        count = min(step, members - start)
        users = User.objects.bulk_create(
            User(email=f"m{start + n}@bench.test", name=f"M {start + n}", password=password)
            for n in range(count)
        )
        memberships = Membership.objects.bulk_create(
            Membership(organization=organization, user=user, program_status=ProgramStatus.JOINED)
            for user in users
        )
        Group.members.through.objects.bulk_create(
            Group.members.through(group_id=groups[i % 20].pk, membership_id=m.pk)
            for i, m in enumerate(memberships)
        )
        DeliveryPreference.objects.bulk_create(
            DeliveryPreference(
                organization=organization,
                membership=m,
                time_zone="Europe/Berlin",
                quiet_hours=False,
                daily_cap=5,
            )
            for m in memberships
        )
        log(f"  {start + count} members")
    now = MONDAY_NINE_BERLIN - datetime.timedelta(days=2)
    for n in range(30):
        post = Post.objects.create(
            organization=organization,
            title=f"Post {n}",
            commentary="Why it matters.",
            state=PostState.LIVE,
            target_all=n % 3 != 0,
            created_at=now - datetime.timedelta(hours=n),
        )
        if n % 3 == 0:
            post.target_groups.add(groups[n % 20])
    del timezone
    return organization


def run(members: int) -> Report:
    import time_machine
    from aiosmtpd.controller import Controller
    from django.conf import settings

    from chorus.core.tenancy import across_organizations
    from chorus.notifications.models import Delivery, DeliveryStatus
    from chorus.notifications.services.sending import (
        BATCH,
        CLAIM_MINUTES,
        _claim,
        deliveries_recover,
        deliveries_send_run,
    )
    from chorus.reach.services.digests import digests_queue_due

    handler = Counting()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "https://chorus.example"
    rows: list[list[str]] = []
    with across_organizations("the benchmark builds and checks its world"):
        log(f"building {members} members")
        organization = build(members)
        tracemalloc.start()
        started = time.monotonic()
        with time_machine.travel(MONDAY_NINE_BERLIN, tick=True):
            t = time.monotonic()
            queued = digests_queue_due(organization=organization)
            rows.append(["queue the digests", f"{queued}", f"{time.monotonic() - t:.1f} s"])
            t = time.monotonic()
            first = deliveries_send_run(organization_id=organization.pk, budget_seconds=3)
            rows.append(["sender stopped midway", f"{first}", f"{time.monotonic() - t:.1f} s"])
            # A worker killed after claiming a batch: its rows stay SENDING.
            killed = len(_claim(organization_id=organization.pk))
            rows.append(["batch claimed by a killed worker", f"{killed}", ""])
        with time_machine.travel(
            MONDAY_NINE_BERLIN + datetime.timedelta(minutes=CLAIM_MINUTES + 1), tick=True
        ):
            deliveries_recover()
            t = time.monotonic()
            rest = deliveries_send_run(organization_id=organization.pk, budget_seconds=3600)
            rows.append(["sender resumed", f"{rest}", f"{time.monotonic() - t:.1f} s"])
        total = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        statuses = Counter(
            Delivery.objects.filter(organization=organization).values_list("status", flat=True)
        )
    controller.stop()
    twice = sum(1 for count in handler.per_recipient.values() if count > 1)
    received = sum(handler.per_recipient.values())
    rows.append(["total", f"{received} received", f"{total:.1f} s"])
    rows.append(["peak traced memory", "", f"{peak / 1e6:.1f} MB"])
    return Report(
        title=f"Weekly digest, {members} members (SMTP on loopback)",
        columns=["step", "deliveries", "time"],
        rows=rows,
        checks=[
            Check("under 10 minutes", total < TARGET_SECONDS, f"{total:.1f} s"),
            Check("nobody got it twice", twice == 0, f"{twice} recipients twice"),
            Check(
                "every digest sent or left uncertain",
                statuses.get(DeliveryStatus.QUEUED, 0) == 0,
                ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
            ),
        ],
        notes=[
            f"Claimed batches hold {BATCH}; the killed worker's batch is UNCERTAIN, never resent.",
        ],
    )


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_digest")
    parser.add_argument("--scale", type=float, default=1.0)
    arguments = parser.parse_args(argv if argv is not None else [])
    members = max(100, int(MEMBERS * arguments.scale))
    directory = tempfile.mkdtemp(prefix="bench-digest-")
    os.environ["DATA_DIR"] = directory
    os.environ["TASKS_BACKEND"] = "immediate"
    from bench.generate_org import setup_django

    setup_django(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
    from django.conf import settings

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return run(members)


if __name__ == "__main__":
    from bench.report import render

    print(render(main(sys.argv[1:])))
