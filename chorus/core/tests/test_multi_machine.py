"""Chorus on two machines, as real processes on loopback (README: Production, several machines).

Two "machines" share one PostgreSQL database (its own, created here and dropped at the end)
and one Redis (database 14): each runs a web node (gunicorn, 2 workers, its own DATA_DIR,
CLICKS_BACKEND=redis), a task worker and a scheduler. A fake Mastodon on loopback (a small
HTTP server in this process) receives the published shares. While a bounded stream of clicks
goes to both nodes and members schedule shares through the API, one web node, one worker and
the scheduler holding the lock are killed with SIGKILL. Then: every click answered with a
302 is stored exactly once, every due share is published exactly once, and the surviving
scheduler enqueues the periodic click drain again within the failover bound
(SCHEDULER_HEARTBEAT_SECONDS + the drain's period).

Runs once in CI: `.ci/run` deselects the `multi_machine` marker in its SQLite pass. Skipped,
with the reason, only when PostgreSQL or Redis does not answer on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
import redis
from cryptography.fernet import Fernet

pytestmark = pytest.mark.multi_machine

ROOT = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
REDIS_URL = "redis://127.0.0.1:6379/14"
# The members' Mastodon server, served by the fake on loopback (HTTP_LOOPBACK_ORIGINS).
INSTANCE = "https://mastodon.multi.test"
STREAM = "chorus:clicks"
HEARTBEAT = 5  # SCHEDULER_HEARTBEAT_SECONDS for the run
DRAIN_PERIOD = 15  # PERIODIC_SECONDS["chorus.links.tasks.clicks_drain"]
CLICKS = 600
# Shares scheduled before the run (seconds after setup) and through the API during it.
DUE_SETUP = [20, 25, 30, 35, 40, 45]
DUE_API = [15, 20, 25, 30, 35, 40]
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0 Safari/537.36"
)


def postgres_admin_url() -> str:
    """The PostgreSQL server the suite runs on (its DATABASE_URL), else 127.0.0.1:5432."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def unavailable() -> str | None:
    try:
        psycopg.connect(postgres_admin_url(), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"No PostgreSQL answers at {postgres_admin_url()}: {error}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as error:
        return f"No Redis answers at {REDIS_URL}: {error}"
    finally:
        client.close()
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The fake Mastodon ----------------------------------------------------------------------


class FakeMastodon(ThreadingHTTPServer):
    """POST /api/v1/statuses as Mastodon answers it, honouring the Idempotency-Key: a
    repeated key gets the status already made. Counts the statuses made per key."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _MastodonHandler)
        self.lock = threading.Lock()
        self.created: Counter[str] = Counter()  # idempotency key -> statuses made
        self.requests: Counter[str] = Counter()  # idempotency key -> requests
        self.texts: dict[str, str] = {}
        self.statuses: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _MastodonHandler(BaseHTTPRequestHandler):
    server: FakeMastodon

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/api/v1/statuses" or not self.headers.get("Authorization"):
            self._answer(404, {"error": "Record not found"})
            return
        key = self.headers.get("Idempotency-Key", "")
        fake = self.server
        with fake.lock:
            fake.requests[key] += 1
            if key not in fake.statuses:
                status_id = str(100000 + len(fake.statuses))
                fake.created[key] += 1
                fake.texts[key] = str(body.get("status", ""))
                fake.statuses[key] = {
                    "id": status_id,
                    "url": f"{fake.url}/@member/{status_id}",
                    "uri": f"{fake.url}/users/member/statuses/{status_id}",
                    "visibility": "public",
                    "content": body.get("status", ""),
                }
            status = fake.statuses[key]
        self._answer(200, status)

    def _answer(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# The processes --------------------------------------------------------------------------


@dataclass
class Node:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a machine dies
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Deployment:
    tmp: Path
    database_url: str
    fake_url: str
    ports: dict[str, int] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)

    def env(self, machine: str) -> dict[str, str]:
        data_dir = self.tmp / f"machine-{machine}"
        data_dir.mkdir(exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST", "DATABASE_URL", "DATA_DIR", "CLICKS_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="chorus.settings",
            DATA_DIR=str(data_dir),
            DATABASE_URL=self.database_url,
            REDIS_URL=REDIS_URL,
            CLICKS_BACKEND="redis",
            SECRET_KEY="multi-machine-test-secret-key-shared-by-every-machine",
            ENCRYPTION_KEYS=self.encryption_key,
            SITE_URL=f"http://127.0.0.1:{self.ports['web-a']}",
            HTTP_ALLOW_LOOPBACK="true",
            HTTP_LOOPBACK_ORIGINS=f"{INSTANCE}={self.fake_url}",
            SCHEDULER_HEARTBEAT_SECONDS=str(HEARTBEAT),
            LOG_LEVEL="INFO",
            DEBUG="false",
        )
        return env

    encryption_key: str = field(default_factory=lambda: Fernet.generate_key().decode())

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env("a"),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def add(self, name: str, machine: str, args: list[str]) -> Node:
        node = Node(name, args, self.env(machine), self.tmp / f"{name}.log")
        self.nodes[name] = node
        return node

    def stop(self) -> None:
        for node in self.nodes.values():
            node.kill(signal.SIGTERM)


def wait_for(condition: Any, *, timeout: float, every: float = 0.5, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@pytest.fixture
def database() -> Iterator[str]:
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CHORUS_REQUIRE_REDIS") and "Redis" in reason:
            pytest.fail(f"{reason} (CHORUS_REQUIRE_REDIS is set)")
        pytest.skip(reason)
    name = f"chorus_multi_{os.getpid()}"
    admin = postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(STREAM)
    try:
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    finally:
        client.delete(STREAM)
        client.close()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    server = FakeMastodon()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def holds_lock(node: Node) -> bool:
    return "This scheduler holds the lock" in node.text()


def drain_enqueues(database_url: str) -> list[datetime]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT enqueued_at FROM django_tasks_database_dbtaskresult"
            " WHERE task_path = 'chorus.links.tasks.clicks_drain' ORDER BY enqueued_at"
        ).fetchall()
    return [row[0] for row in rows]


def stored_markers(database_url: str) -> Counter[str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT referrer_host, count(*) FROM links_click"
            " WHERE referrer_host LIKE %s GROUP BY referrer_host",
            ["%.clicks.test"],
        ).fetchall()
    return Counter(dict(rows))


def share_states(database_url: str) -> dict[int, tuple[str, str]]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT id, status, idempotency_key::text FROM sharing_share"
        ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_two_machines_survive_losing_a_web_node_a_worker_and_the_scheduler(
    tmp_path: Path, database: str, fake_mastodon: FakeMastodon
) -> None:
    started = time.monotonic()
    deployment = Deployment(tmp_path, database, fake_mastodon.url)
    for name in ("web-a", "web-b"):
        deployment.ports[name] = free_port()

    # Upgrade order: migrate once, from one machine, before the processes start.
    deployment.manage("migrate", "--no-input", "--verbosity", "0", timeout=900)
    migrated = time.monotonic()
    out = deployment.manage(
        "shell",
        "-c",
        "from chorus.core.tests.multi_machine_setup import setup; "
        f"setup({INSTANCE!r}, {DUE_SETUP!r})",
    )
    world = json.loads(out.strip().splitlines()[-1])
    codes: list[str] = world["codes"]

    for name, machine in (("web-a", "a"), ("web-b", "b")):
        port = deployment.ports[name]
        deployment.add(
            name,
            machine,
            [
                str(BIN / "gunicorn"),
                "chorus.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--no-control-socket",
            ],
        )
    for machine in ("a", "b"):
        deployment.add(
            f"worker-{machine}", machine, [PYTHON, "manage.py", "db_worker", "--interval", "1"]
        )
        deployment.add(f"scheduler-{machine}", machine, [PYTHON, "manage.py", "scheduler"])
    try:
        for node in deployment.nodes.values():
            node.start()
        bases = [f"http://127.0.0.1:{deployment.ports[name]}" for name in ("web-a", "web-b")]

        def ready() -> bool:
            for base in bases:
                try:
                    if httpx.get(f"{base}/readyz", timeout=10).status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
            return True

        wait_for(ready, timeout=120, what="both web nodes to answer /readyz")
        schedulers = [deployment.nodes["scheduler-a"], deployment.nodes["scheduler-b"]]
        wait_for(
            lambda: any(holds_lock(node) for node in schedulers),
            timeout=30,
            what="a scheduler to take the lock",
        )
        active = [node for node in schedulers if holds_lock(node)]
        assert len(active) == 1, "both schedulers say they hold the lock"
        active_scheduler = active[0]
        standby = next(node for node in schedulers if node is not active_scheduler)

        # The clicks, one marker each (the referrer's host), spread over both nodes. --------
        answered: list[str] = []
        refused: list[str] = []
        record = threading.Lock()

        def click(number: int) -> None:
            marker = f"c{number}.clicks.test"
            base = bases[number % 2]
            code = codes[number % len(codes)]
            try:
                response = httpx.get(
                    f"{base}/l/{code}",
                    headers={"User-Agent": UA, "Referer": f"https://{marker}/post"},
                    timeout=5,
                )
            except httpx.HTTPError:
                with record:
                    refused.append(marker)
                return
            with record:
                (answered if response.status_code == 302 else refused).append(marker)

        # Shares through the API, each member with their own token, on alternating nodes.
        api_shares: list[int] = []

        def schedule(index: int, token: str) -> None:
            due = datetime.now(UTC) + timedelta(seconds=DUE_API[index])
            for base in (bases[index % 2], *bases):
                try:
                    response = httpx.post(
                        f"{base}/api/v1/shares",
                        headers={"Authorization": f"Bearer {token}"},
                        json={
                            "post_id": world["post"],
                            "network": "mastodon",
                            "text": f"Scheduled through the API, {index}",
                            "scheduled_for": due.isoformat(),
                        },
                        # A busy machine queues it behind the clicks: wait for the answer.
                        timeout=120,
                    )
                except httpx.ConnectError:
                    continue  # a dead node: the load balancer tries the next one
                assert response.status_code == 201, response.text
                api_shares.append(response.json()["id"])
                return
            pytest.fail("no web node took the share")

        killed: dict[str, datetime] = {}
        clicks_began = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = []
            for number in range(CLICKS):
                futures.append(pool.submit(click, number))
                if number % 100 == 50:
                    index = number // 100
                    schedule(index, world["tokens"][index])
                if number == 200:
                    deployment.nodes["web-a"].kill()
                    killed["web-a"] = datetime.now(UTC)
                if number == 300:
                    deployment.nodes["worker-a"].kill()
                    killed["worker-a"] = datetime.now(UTC)
                if number == 400:
                    active_scheduler.kill()
                    killed["scheduler"] = datetime.now(UTC)
                time.sleep(0.04)
            for future in futures:
                future.result()
        clicks_took = time.monotonic() - clicks_began

        # The standby scheduler takes the lock, and the drain is enqueued again. ------------
        wait_for(lambda: holds_lock(standby), timeout=HEARTBEAT * 3, what="the standby's lock")
        scheduler_killed = killed["scheduler"]
        wait_for(
            lambda: any(t > scheduler_killed for t in drain_enqueues(database)),
            timeout=HEARTBEAT + DRAIN_PERIOD + 10,
            what="the click drain to be enqueued again",
        )
        enqueues = drain_enqueues(database)
        before = [t for t in enqueues if t <= scheduler_killed]
        after = [t for t in enqueues if t > scheduler_killed]
        assert before, "the killed scheduler never enqueued the drain"
        takeover = (after[0] - scheduler_killed).total_seconds()
        gap = (after[0] - before[-1]).total_seconds()
        # Documented bound: a heartbeat to take the lock, then the task's own period (and a
        # few seconds for a busy machine to run the jobs).
        assert takeover <= HEARTBEAT + DRAIN_PERIOD + 5, takeover

        # Every answered click stored exactly once (a dead drainer's pending entries are
        # claimed by the living one). ---------------------------------------------------------
        def all_stored() -> Counter[str] | None:
            found = stored_markers(database)
            return found if set(answered) <= set(found) else None

        stored = wait_for(all_stored, timeout=120, every=2, what="every answered click stored")
        duplicates = {marker: n for marker, n in stored.items() if n > 1}
        assert not duplicates, f"clicks stored more than once: {duplicates}"
        assert not set(stored) - set(answered), "a click without a 302 answer was stored"
        assert len(answered) >= CLICKS // 2, (len(answered), len(refused))

        # Every due share published exactly once. ----------------------------------------------
        expected = {share["id"] for share in world["shares"]} | set(api_shares)
        assert len(expected) == len(DUE_SETUP) + len(api_shares)

        def all_published() -> dict[int, tuple[str, str]] | None:
            states = share_states(database)
            done = all(states[pk][0] == "shared" for pk in expected)
            return states if done else None

        states = wait_for(all_published, timeout=120, every=2, what="every due share published")
        keys = {states[pk][1] for pk in expected}
        assert set(fake_mastodon.created) == keys
        assert all(count == 1 for count in fake_mastodon.created.values()), fake_mastodon.created
        assert len(set(fake_mastodon.texts.values())) == len(keys)

        for name in ("web-b", "worker-b", "scheduler-a", "scheduler-b"):
            node = deployment.nodes[name]
            if node is active_scheduler:
                continue
            assert node.process is not None and node.process.poll() is None, node.text()[-3000:]
        errors = [
            name
            for name, node in deployment.nodes.items()
            if re.search(r"^Traceback", node.text(), re.MULTILINE) and name != "web-a"
        ]
        assert not errors, {name: deployment.nodes[name].text()[-3000:] for name in errors}
    finally:
        deployment.stop()
    figures = {
        "clicks_sent": CLICKS,
        "clicks_answered": len(answered),
        "clicks_refused": len(refused),
        "clicks_stored": sum(stored.values()),
        "clicks_seconds": round(clicks_took, 1),
        "shares_due": len(expected),
        "shares_published": sum(fake_mastodon.created.values()),
        "publish_requests": sum(fake_mastodon.requests.values()),
        "drain_takeover_seconds": round(takeover, 1),
        "drain_gap_seconds": round(gap, 1),
        "migrate_seconds": round(migrated - started, 1),
        "total_seconds": round(time.monotonic() - started, 1),
    }
    print("multi-machine figures:", json.dumps(figures))
