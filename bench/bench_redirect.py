"""The redirect benchmark: `/l/<code>` on the production server against the floor.

Loads 100,000 links into a throwaway database, serves `chorus.wsgi:application` with granian
(2 workers) on loopback and drives it with wrk: Zipf-skewed codes, real browser and crawler
user agents, a few HEAD requests (bench/redirect.lua). The floor is bench/floor_app.py (a
bare constant 302) on the same server with the same settings. Afterwards the drainer stores
the clicks, and the stored clicks plus previews are compared with the requests sent.

Run alone with `python -m bench.bench_redirect`, or with every benchmark by `make bench`.
Environment: BENCH_DATABASE_URL (a PostgreSQL server URL: a throwaway database is created
on it and dropped after; default a SQLite file in a temporary directory), BENCH_DURATION
(seconds, default 20), BENCH_REDIRECT_OPTIONS and BENCH_FLOOR_OPTIONS (granian options of each).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.report import Check, Report

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "redirect.lua"
LINKS = 100_000
POSTS = 100
MEMBERS = 150
DURATION = int(os.getenv("BENCH_DURATION", "20"))
WARMUP_SECONDS = 3
CONNECTIONS = 64
WRK_THREADS = 2
WORKERS = 2
# granian runs WSGI applications on a pool of Python threads per worker (default: 256).
# The GIL lets one run at a time. Each app gets the settings it does best with here: the
# floor two Python threads; the redirect, as README's "machines for link traffic" says,
# one Python thread and one runtime thread per worker (measured: 33k/s against 24k/s).
FLOOR_OPTIONS = os.getenv("BENCH_FLOOR_OPTIONS", "--blocking-threads=2").split()
REDIRECT_OPTIONS = os.getenv(
    "BENCH_REDIRECT_OPTIONS", "--blocking-threads=1 --runtime-threads=1"
).split()
SAMPLES = 20  # links whose redirect is checked by hand before the run

# Targets from the issue.
MIN_FLOOR_RATIO = 0.5
MAX_P99_MS = 5.0
MAX_RSS_MB = 150.0
# The most RSS may grow over the second half of the timed run and still be called flat.
FLAT_GROWTH_MB = 5.0


@dataclass
class Run:
    name: str
    wrk: dict[str, Any]
    warmup: dict[str, Any]
    rss: dict[int, list[float]] = field(default_factory=dict)  # pid -> MB, one per second
    rss_timed_start: dict[int, float] = field(default_factory=dict)
    probes: int = 0  # redirects requested by hand (they are clicks too)

    @property
    def rps(self) -> float:
        return float(self.wrk["requests"]) / (float(self.wrk["duration_us"]) / 1e6)

    @property
    def errors(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.wrk["errors"].items()}


# wrk ---------------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        print("wrk is missing and we are not root: install it with `apt-get install wrk`.")
        return None
    print("Installing wrk from Debian...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        # The package lists may be missing or stale (a fresh container): refresh, retry.
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    found = shutil.which("wrk")
    if not found:
        print("Could not install wrk: the redirect benchmark is skipped.")
    return found


def run_wrk(wrk: str, port: int, codes: Path, seconds: int, seed: int) -> dict[str, Any]:
    command = [
        wrk,
        f"--threads={WRK_THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=2s",
        f"--script={LUA_SCRIPT}",
        f"http://127.0.0.1:{port}",
        "--",
        str(codes),
        str(seed),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))  # type: ignore[no-any-return]
    raise RuntimeError(f"wrk gave no result:\n{result.stdout}\n{result.stderr}")


# The database and Django (in a child process, so this one never imports settings) -----


@contextmanager
def throwaway_database(directory: Path) -> Iterator[str]:
    server = os.getenv("BENCH_DATABASE_URL", "")
    if not server:
        yield f"sqlite:///{directory / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"chorus_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_step(step: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_redirect", step, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def step_setup(codes_path: str) -> dict[str, Any]:
    """Migrate, then bulk-insert an organization, posts, members and the links."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from chorus.accounts.models import Membership, Organization, ProgramStatus, User
    from chorus.content.models import Network, Post, PostState
    from chorus.links.models import Link
    from chorus.links.services.links import new_code, tracked_destination

    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        organization = Organization.objects.create(name="Bench Corp", slug="bench")
        users = User.objects.bulk_create(
            User(email=f"member{i}@bench.example", name=f"Member {i}") for i in range(MEMBERS)
        )
        members = Membership.objects.bulk_create(
            Membership(organization=organization, user=user, program_status=ProgramStatus.JOINED)
            for user in users
        )
        posts = Post.objects.bulk_create(
            Post(
                organization=organization,
                title=f"Announcement {i}",
                link_url=f"https://news.bench.example/2025/story-{i}?ref=newsroom",
                state=PostState.LIVE,
                campaign=f"campaign-{i % 7}",
            )
            for i in range(POSTS)
        )
        codes: set[str] = set()
        while len(codes) < LINKS:
            codes.add(new_code())
        code_list = list(codes)
        links = []
        shares = (
            (post, member, network)
            for post in posts
            for member in members
            for network in Network.values
        )
        for code, (post, member, network) in zip(code_list, islice(shares, LINKS), strict=True):
            destination = tracked_destination(
                post.link_url, network=network, campaign=post.campaign
            )
            links.append(
                Link(
                    organization=organization,
                    post=post,
                    membership=member,
                    network=network,
                    destination=destination,
                    code=code,
                )
            )
        Link.objects.bulk_create(links, batch_size=5000)
    random.shuffle(code_list)
    Path(codes_path).write_text("\n".join(code_list) + "\n")
    samples = [[link.code, link.destination] for link in random.sample(links, SAMPLES)]
    return {"links": Link.objects.count(), "samples": samples}


def step_drain() -> dict[str, Any]:
    """Store every click the server appended, then count what was stored."""
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count, Sum

    from chorus.links.models import Click, ClickKind, Link
    from chorus.links.services.links import clicks_store
    from chorus.links.sinks import FileSink

    sink = FileSink(settings.CLICKS_DIR)
    started = time.monotonic()
    # Pretend a minute passed, so the buckets the server wrote last are taken too.
    drained = sink.drain(clicks_store, batch_size=5000, now=time.time() + 60)
    seconds = time.monotonic() - started
    kinds = dict(Click.objects.values_list("kind").annotate(n=Count("id")).order_by())
    counters = Link.objects.aggregate(
        clicks=Sum("clicks"), self_clicks=Sum("self_clicks"), previews=Sum("previews")
    )
    left = list(Path(settings.CLICKS_DIR).glob("clicks-*.tsv")) if sink.directory.exists() else []
    return {
        "drained": drained,
        "seconds": seconds,
        "clicks": int(kinds.get(ClickKind.CLICK, 0)),
        "previews": sum(int(n) for kind, n in kinds.items() if kind != ClickKind.CLICK),
        "kinds": kinds,
        "counters": {k: int(v or 0) for k, v in counters.items()},
        "files_left": len(left),
    }


# The server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, method: str = "GET") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, headers={"User-Agent": "Mozilla/5.0 bench probe"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


@contextmanager
def serve(
    app: str, env: dict[str, str], log: Path, options: list[str]
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "granian"),
        "--interface=wsgi",
        f"--workers={WORKERS}",
        *options,
        "--host=127.0.0.1",
        f"--port={port}",
        "--log-level=warning",
        app,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"granian exited:\n{log.read_text()}")
            try:
                get(port, "/l/unknown-code")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"granian did not answer:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield process, port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The fields after the command name (which may contain spaces) start at ") ".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """VmRSS of each worker process, once a second."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.samples: dict[int, list[float]] = {pid: [] for pid in pids}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(1)

    def sample(self) -> None:
        for pid, series in self.samples.items():
            value = rss_mb(pid)
            if value is not None:
                series.append(value)

    def latest(self) -> dict[int, float]:
        return {pid: series[-1] for pid, series in self.samples.items() if series}

    def stop(self) -> None:
        self._done.set()
        self.join()
        self.sample()


def measure(
    name: str, app: str, env: dict[str, str], wrk: str, codes: Path, work: Path, samples: list[Any]
) -> Run:
    print(f"   {name}: starting {app}", flush=True)
    options = REDIRECT_OPTIONS if name == "redirect" else FLOOR_OPTIONS
    with serve(app, env, work / f"{name}.log", options) as (process, port):
        pids = workers_of(process.pid)
        probes = 0
        if name == "redirect":
            for code, destination in samples:
                status, location = get(port, f"/l/{code}")
                probes += 1
                if status != 302 or location != destination:
                    raise RuntimeError(f"/l/{code} answered {status} {location!r}")
        sampler = RssSampler(pids)
        sampler.start()
        print(f"   {name}: warming up for {WARMUP_SECONDS} s", flush=True)
        warmup = run_wrk(wrk, port, codes, WARMUP_SECONDS, seed=1)
        sampler.sample()
        timed_start = sampler.latest()
        print(f"   {name}: wrk for {DURATION} s at {CONNECTIONS} connections", flush=True)
        result = run_wrk(wrk, port, codes, DURATION, seed=2)
        sampler.stop()
    return Run(name, result, warmup, sampler.samples, timed_start, probes)


# The report ----------------------------------------------------------------------------


def error_text(run: Run) -> str:
    errors = {k: v for k, v in run.errors.items() if v}
    return ", ".join(f"{k} {v}" for k, v in errors.items()) if errors else "0"


def rss_text(run: Run) -> str:
    return " / ".join(f"{max(series):.0f}" for series in run.rss.values() if series) or "?"


def halves(run: Run, pid: int) -> tuple[float, float, float]:
    """RSS at the start, the middle and the end of the timed run."""
    series = run.rss[pid]
    timed = series[len(series) - (DURATION + 1) :] if len(series) > DURATION else series
    start = run.rss_timed_start.get(pid, timed[0])
    return start, timed[len(timed) // 2], timed[-1]


def grows_like_a_leak(run: Run) -> bool:
    # A leak grows evenly; the link cache filling up (bounded by the number of links)
    # grows fast at first and slows down. Flat: the second half adds at most half of the
    # first half's growth, or under FLAT_GROWTH_MB.
    for pid, series in run.rss.items():
        if not series:
            continue
        start, middle, end = halves(run, pid)
        second = end - middle
        if second > FLAT_GROWTH_MB or second > max(0.5 * (middle - start), 2.0):
            return True
    return False


def build_report(
    redirect: Run, floor: Run, stored: dict[str, Any], setup: dict[str, Any]
) -> Report:
    ratio = redirect.rps / floor.rps
    sent = redirect.probes + int(redirect.warmup["sent"]) + int(redirect.wrk["sent"])
    answered = redirect.probes + int(redirect.warmup["requests"]) + int(redirect.wrk["requests"])
    sent_previews = int(redirect.warmup["sent_previews"]) + int(redirect.wrk["sent_previews"])
    total_stored = int(stored["clicks"]) + int(stored["previews"])
    rows = []
    for run in (redirect, floor):
        latency = run.wrk["latency_us"]
        rows.append(
            [
                run.name,
                f"{run.rps:,.0f}",
                f"{latency['p50'] / 1000:.2f}",
                f"{latency['p99'] / 1000:.2f}",
                error_text(run),
                f"{run.rps / floor.rps:.0%}",
                rss_text(run),
                (
                    f"{stored['clicks']:,} + {stored['previews']:,} = {total_stored:,} / {sent:,}"
                    if run is redirect
                    else "-"
                ),
            ]
        )
    p99 = redirect.wrk["latency_us"]["p99"] / 1000
    peak = max((max(s) for s in redirect.rss.values() if s), default=0.0)
    checks = [
        Check(
            f"throughput >= {MIN_FLOOR_RATIO:.0%} of the floor",
            ratio >= MIN_FLOOR_RATIO,
            f"{redirect.rps:,.0f}/s against {floor.rps:,.0f}/s = {ratio:.0%}",
        ),
        Check(f"p99 < {MAX_P99_MS:g} ms", p99 < MAX_P99_MS, f"{p99:.2f} ms"),
        Check("zero errors", error_text(redirect) == "0", error_text(redirect)),
        Check(
            "stored clicks + previews = requests sent",
            answered <= total_stored <= sent,
            f"{stored['clicks']:,} clicks + {stored['previews']:,} previews = {total_stored:,};"
            f" sent {sent:,}, answered {answered:,}"
            + (
                f" ({sent - total_stored:,} written by wrk as it stopped were never answered)"
                if answered <= total_stored < sent
                else ""
            )
            + f"; crawler and HEAD requests sent {sent_previews:,}",
        ),
        Check(
            f"memory < {MAX_RSS_MB:g} MB per process and flat",
            peak < MAX_RSS_MB and not grows_like_a_leak(redirect),
            f"peak {peak:.0f} MB; over the timed run (start -> middle -> end) "
            + ", ".join(
                "{:.0f} -> {:.0f} -> {:.0f} MB".format(*halves(redirect, pid))
                for pid, series in redirect.rss.items()
                if series
            ),
        ),
    ]
    database = "PostgreSQL" if os.getenv("BENCH_DATABASE_URL") else "SQLite"
    notes = [
        f"{setup['links']:,} links on {database}; granian --interface wsgi --workers {WORKERS}"
        f" (redirect {' '.join(REDIRECT_OPTIONS)}, floor {' '.join(FLOOR_OPTIONS)});"
        f" wrk -t{WRK_THREADS} -c{CONNECTIONS}"
        f" -d{DURATION}s (after a {WARMUP_SECONDS} s warm-up) on {os.cpu_count()} CPUs;"
        f" load average {setup['load']:.1f} at the start (other work on the machine skews it).",
        f"Sent counts the warm-up, the timed run and {redirect.probes} checked redirects."
        " wrk stops with up to one request in flight per connection: the server may or may"
        " not have taken it, so stored must lie between answered and sent.",
        f"Drainer: {stored['drained']:,} records in {stored['seconds']:.1f} s"
        f" ({stored['drained'] / max(stored['seconds'], 1e-9):,.0f}/s); kinds {stored['kinds']};"
        f" link counters {stored['counters']}; files left {stored['files_left']}.",
        "RSS grows while each worker's link cache fills (one entry per code it has seen,"
        " at most one per link): that growth slows down; a leak's would not.",
    ]
    return Report(
        title="Redirect /l/<code> (granian, 2 workers) against the floor",
        columns=[
            "app",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "of floor",
            "peak RSS/worker MB",
            "stored clicks + previews / sent",
        ],
        rows=rows,
        checks=checks,
        notes=notes,
    )


def main() -> Report | None:
    wrk = ensure_wrk()
    if wrk is None:
        return None
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as temp:
        work = Path(temp)
        with throwaway_database(work) as database_url:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "chorus.settings",
                "DATABASE_URL": database_url,
                "DATA_DIR": str(work / "data"),
                "CLICKS_BACKEND": "file",
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECRET_KEY": "bench",
            }
            for variable in ("CLICKS_DIR", "REDIS_URL", "CLICKS_REDIS_URL"):
                env.pop(variable, None)
            codes = work / "codes.txt"
            started = time.monotonic()
            setup = django_step("setup", env, str(codes))
            setup["load"] = os.getloadavg()[0]
            print(
                f"   setup: {setup['links']:,} links in {time.monotonic() - started:.1f} s",
                flush=True,
            )
            floor = measure("floor", "bench.floor_app:application", env, wrk, codes, work, [])
            redirect = measure(
                "redirect", "chorus.wsgi:application", env, wrk, codes, work, setup["samples"]
            )
            print("   draining the clicks", flush=True)
            stored = django_step("drain", env)
    return build_report(redirect, floor, stored, setup)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("setup", "drain"):
        import django

        django.setup()
        from chorus.core.tenancy import across_organizations

        # The steps build and count the one bench organization's rows directly.
        with across_organizations("the benchmark's own organization"):
            result = step_setup(sys.argv[2]) if sys.argv[1] == "setup" else step_drain()
        print(json.dumps(result))
    else:
        from bench.report import render

        report = main()
        if report is not None:
            print("\n" + render(report))
