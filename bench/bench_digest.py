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
    """An SMTP handler that writes each recipient to a file (what a relay would queue). It
    runs in a process of its own, as a real SMTP server does: in the sender's process it
    would compete with it for the interpreter."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "a", buffering=1)  # noqa: SIM115 (open while serving)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for recipient in envelope.rcpt_tos:
            self.file.write(recipient + "\n")
        return "250 OK"


def smtp_serve(port: int, path: str) -> None:
    """`python -m bench.bench_digest smtp <port> <file>`: serve until killed."""
    import logging

    from aiosmtpd.controller import Controller

    logging.disable(logging.INFO)
    controller = Controller(Counting(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def received(path: str) -> Counter[str]:
    with open(path) as lines:
        return Counter(line.strip() for line in lines if line.strip())


def rss_megabytes() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


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


def _smtp_settings(port: int) -> None:
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "https://chorus.example"


def send_forever(organization_id: int, port: int) -> None:
    """`python -m bench.bench_digest send <org> <port>`: a worker sending at Monday 09:00,
    until the benchmark kills it with SIGKILL (mid-batch)."""
    import time_machine

    from chorus.core.tenancy import in_organization
    from chorus.notifications.services.sending import deliveries_send_run

    _smtp_settings(port)
    # A few minutes after the digests were queued (their rows are due from then).
    moment = MONDAY_NINE_BERLIN + datetime.timedelta(minutes=5)
    with time_machine.travel(moment, tick=True), in_organization(organization_id):
        deliveries_send_run(organization_id=organization_id, budget_seconds=3600)


def run(members: int, database_url: str, directory: str) -> Report:
    import subprocess
    import threading

    import time_machine

    from chorus.core.tenancy import across_organizations, in_organization
    from chorus.notifications.models import Delivery, DeliveryStatus
    from chorus.notifications.services.sending import (
        BATCH,
        CLAIM_MINUTES,
        deliveries_recover,
        deliveries_send_run,
    )
    from chorus.reach.services.digests import digests_queue_due

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = str(Path(directory) / "received.txt")
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": directory}
    root = str(Path(__file__).resolve().parent.parent)
    smtp = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_digest", "smtp", str(port), inbox],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert smtp.stdout is not None
    smtp.stdout.readline()
    _smtp_settings(port)
    rows: list[list[str]] = []
    samples: list[tuple[int, float]] = []
    try:
        with across_organizations("the benchmark builds and checks its world"):
            log(f"building {members} members")
            organization = build(members)
            started = time.monotonic()
            with time_machine.travel(MONDAY_NINE_BERLIN, tick=True):
                t = time.monotonic()
                queued = digests_queue_due(organization=organization)
                rows.append(["queue the digests", f"{queued}", f"{time.monotonic() - t:.1f} s"])
            # A worker in its own process, killed with SIGKILL while it sends.
            t = time.monotonic()
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.bench_digest",
                    "send",
                    str(organization.pk),
                    str(port),
                ],
                cwd=root,
                env=env,
            )
            # Killed once it has sent about a fifth (or after a minute), in the middle of a batch.
            while time.monotonic() - t < 60 and worker.poll() is None:
                if sum(received(inbox).values()) >= members // 5 + BATCH // 2:
                    break
                time.sleep(0.05)
            worker.kill()
            worker.wait()
            before_kill = sum(received(inbox).values())
            statuses = Counter(
                Delivery.objects.filter(organization=organization).values_list("status", flat=True)
            )
            rows.append(
                [
                    "worker killed with SIGKILL",
                    f"{before_kill} sent, {statuses.get(DeliveryStatus.SENDING, 0)} claimed",
                    f"{time.monotonic() - t:.1f} s",
                ]
            )
            # The claim lapses; the next run marks it and sends the rest.
            later = MONDAY_NINE_BERLIN + datetime.timedelta(minutes=CLAIM_MINUTES + 60)
            with time_machine.travel(later, tick=True), in_organization(organization):
                recovered = deliveries_recover()
                t = time.monotonic()
                done = threading.Event()

                def sample() -> None:
                    with across_organizations("the benchmark watches its sender"):
                        while not done.wait(1.0):
                            sent = Delivery.objects.filter(
                                organization=organization, status=DeliveryStatus.SENT
                            ).count()
                            samples.append((sent, rss_megabytes()))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                rest = deliveries_send_run(organization_id=organization.pk, budget_seconds=3600)
                done.set()
                sampler.join()
                rows.append(
                    [
                        "sender resumed",
                        f"{rest} ({recovered['uncertain']} left uncertain)",
                        f"{time.monotonic() - t:.1f} s",
                    ]
                )
            total = time.monotonic() - started
            statuses = Counter(
                Delivery.objects.filter(organization=organization).values_list("status", flat=True)
            )
    finally:
        smtp.kill()
        smtp.wait()
    counts = received(inbox)
    twice = sum(1 for count in counts.values() if count > 1)
    rows.append(["total", f"{sum(counts.values())} received", f"{total:.1f} s"])
    rate = rest / max(0.001, float(rows[-2][2].split()[0]))
    rows.append(["sending rate", "", f"{rate:.0f} emails/s"])
    early = samples[len(samples) // 10][1] if samples else 0.0
    peak = max((megabytes for _sent, megabytes in samples), default=0.0)
    rows.append(
        ["sender's memory (RSS)", "at 10% of the run / peak", f"{early:.0f} / {peak:.0f} MB"]
    )
    return Report(
        title=f"Weekly digest, {members} members (SMTP on loopback)",
        columns=["step", "deliveries", "time"],
        rows=rows,
        checks=[
            Check("under 10 minutes", total < TARGET_SECONDS, f"{total:.1f} s"),
            Check("nobody got it twice", twice == 0, f"{twice} recipients twice"),
            Check(
                "every digest sent, or left uncertain by the killed worker",
                statuses.get(DeliveryStatus.QUEUED, 0) == 0
                and statuses.get(DeliveryStatus.SENDING, 0) == 0,
                ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
            ),
            Check("memory flat", peak - early < 100, f"+{peak - early:.0f} MB after 10%"),
        ],
        notes=[
            f"A sender claims {BATCH} deliveries at a time and hands them to the channel 25 "
            "at a time: what the killed worker had handed over is UNCERTAIN (it may have "
            "gone) and never sent again; what it had only claimed is sent by the next run.",
        ],
    )


def _setup(directory: str) -> str:
    os.environ["DATA_DIR"] = directory
    from bench.generate_org import setup_django

    database_url = os.environ.get("BENCH_DIGEST_DATABASE_URL") or (
        f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
    )
    setup_django(database_url)
    from django.conf import settings

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return database_url


def main(argv: list[str] | None = None) -> Report | None:
    arguments = argv if argv is not None else []
    if arguments[:1] == ["smtp"]:
        smtp_serve(int(arguments[1]), arguments[2])
        return None
    if arguments[:1] == ["send"]:
        _setup(os.environ["DATA_DIR"])
        send_forever(int(arguments[1]), int(arguments[2]))
        return None
    parser = argparse.ArgumentParser(prog="python -m bench.bench_digest")
    parser.add_argument("--scale", type=float, default=1.0)
    options = parser.parse_args(arguments)
    members = max(100, int(MEMBERS * options.scale))
    directory = tempfile.mkdtemp(prefix="bench-digest-")
    database_url = _setup(directory)
    return run(members, database_url, directory)


if __name__ == "__main__":
    from bench.report import render

    found = main(sys.argv[1:])
    if found is not None:
        print(render(found))
