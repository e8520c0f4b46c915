"""The SCIM benchmark: an identity provider provisions 50,000 users and 500 groups.

Serves `chorus.wsgi:application` with granian on loopback, on a throwaway database with one
organization and a SCIM token, and provisions through the HTTP endpoints as Okta does,
from several concurrent clients: every user created (POST /Users), then every group created
(POST /Groups) and filled by PATCH "add members" in batches, then a sample of users looked
up by userName and deactivated by PATCH. Afterwards the counts are read back through the
API. The issue's target: all of it within 10 minutes on this machine.

Run alone with `python -m bench.bench_scim`, or with every benchmark by `make bench`.
Environment: BENCH_DATABASE_URL (a PostgreSQL server URL: a throwaway database is created
on it and dropped after; default a SQLite file in a temporary directory), BENCH_SCIM_USERS
(default 50000), BENCH_SCIM_GROUPS (default 500), BENCH_SCIM_CLIENTS (default 8),
BENCH_SCIM_WORKERS (granian workers, default 2).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.bench_redirect import free_port, throwaway_database
from bench.report import Check, Report

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.getenv("BENCH_SCIM_USERS", "50000"))
GROUPS = int(os.getenv("BENCH_SCIM_GROUPS", "500"))
CLIENTS = int(os.getenv("BENCH_SCIM_CLIENTS", "8"))
WORKERS = int(os.getenv("BENCH_SCIM_WORKERS", "2"))
MEMBERS_PER_PATCH = 100
DEACTIVATED = 500
TARGET_SECONDS = 600.0
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def step_setup() -> dict[str, Any]:
    """Migrate, then an organization, its admin and a SCIM token (the secret printed)."""
    import django

    django.setup()
    from django.core.management import call_command

    from chorus.accounts.models import Membership, Organization, User
    from chorus.identity.scim.services.tokens import scim_token_create

    call_command("migrate", verbosity=0, interactive=False)
    organization = Organization.objects.create(name="Bench Corp", slug="bench")
    admin = User.objects.create_user("admin@bench.example.com", password=None, name="Admin")
    Membership.objects.create(organization=organization, user=admin, is_admin=True)
    _, secret = scim_token_create(organization=organization, actor=admin, name="Bench IdP")
    return {"secret": secret}


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[int]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "granian"),
        "--interface=wsgi",
        f"--workers={WORKERS}",
        "--blocking-threads=1",
        "--host=127.0.0.1",
        f"--port={port}",
        "--log-level=warning",
        "chorus.wsgi:application",
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
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/scim/v2/ServiceProviderConfig")
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"granian did not answer:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    """One identity provider connection: keep-alive, bearer token, timings kept."""

    def __init__(self, port: int, secret: str) -> None:
        self.port = port
        self.headers = {
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/scim+json",
            "Host": "127.0.0.1",
        }
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.timings: list[float] = []
        self.errors: list[str] = []

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(method, "/scim/v2/" + path, body=data, headers=self.headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.errors.append(f"{method} {path}: {exc}")
            return 0, None
        self.timings.append(time.perf_counter() - started)
        if response.status >= 400:
            self.errors.append(f"{method} {path}: {response.status} {raw[:200]!r}")
        return response.status, json.loads(raw) if raw else None


# The CPU seconds the clients (this process) spent, to show they are not what limits the
# rate: the server's two workers share this machine's cores with them.
client_cpu_seconds = 0.0


def run_phase(
    port: int, secret: str, jobs: list[Any], work: Callable[[Client, Any], None]
) -> tuple[float, list[float], list[str]]:
    """Run `work` over `jobs` from CLIENTS threads (one keep-alive connection each);
    (seconds, latencies, errors)."""
    global client_cpu_seconds
    clients = [Client(port, secret) for _ in range(CLIENTS)]
    lock = threading.Lock()
    queue = iter(jobs)

    def loop(client: Client) -> None:
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                return
            work(client, job)

    started = time.monotonic()
    cpu_started = time.process_time()
    threads = [threading.Thread(target=loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    client_cpu_seconds += time.process_time() - cpu_started
    timings = [t for client in clients for t in client.timings]
    errors = [e for client in clients for e in client.errors]
    return seconds, timings, errors


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def user_body(number: int) -> dict[str, Any]:
    email = f"user{number:06d}@bench.example.com"
    return {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "externalId": f"00u{number:017d}",
        "name": {"givenName": f"Given{number}", "familyName": f"Family{number}"},
        "displayName": f"Given{number} Family{number}",
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "locale": "en-US",
        "active": True,
    }


def provision(port: int, secret: str) -> dict[str, Any]:
    user_ids: dict[int, str] = {}

    def create_user(client: Client, number: int) -> None:
        status, body = client.call("POST", "Users", user_body(number))
        if status == 201:
            user_ids[number] = body["id"]

    phases: dict[str, tuple[float, list[float], list[str], int]] = {}
    seconds, timings, errors = run_phase(port, secret, list(range(USERS)), create_user)
    phases["POST /Users"] = (seconds, timings, errors, USERS)
    print(f"   {USERS:,} users in {seconds:.1f} s ({USERS / seconds:.0f}/s)", flush=True)

    group_ids: dict[int, str] = {}

    def create_group(client: Client, number: int) -> None:
        body = {"schemas": [GROUP_SCHEMA], "displayName": f"Team {number:03d}", "members": []}
        status, answer = client.call("POST", "Groups", body)
        if status == 201:
            group_ids[number] = answer["id"]

    seconds, timings, errors = run_phase(port, secret, list(range(GROUPS)), create_group)
    phases["POST /Groups"] = (seconds, timings, errors, GROUPS)

    # Every user in one team, and every fifth in a second one: 60,000 memberships.
    batches: list[tuple[str, list[str]]] = []
    ordered = [user_ids[n] for n in sorted(user_ids)]
    for number, group_id in sorted(group_ids.items()):
        team = ordered[number::GROUPS] + ordered[(number + 1) % GROUPS :: GROUPS * 5]
        for start in range(0, len(team), MEMBERS_PER_PATCH):
            batches.append((group_id, team[start : start + MEMBERS_PER_PATCH]))
    memberships = sum(len(members) for _, members in batches)

    def add_members(client: Client, batch: tuple[str, list[str]]) -> None:
        group_id, members = batch
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": m} for m in members]}
            ],
        }
        client.call("PATCH", f"Groups/{group_id}", body)

    seconds, timings, errors = run_phase(port, secret, batches, add_members)
    phases["PATCH /Groups (add members)"] = (seconds, timings, errors, len(batches))
    print(f"   {memberships:,} memberships in {seconds:.1f} s", flush=True)

    # Leavers: looked up by userName, then deactivated, as Okta does.
    def deactivate(client: Client, number: int) -> None:
        email = f"user{number:06d}@bench.example.com"
        status, found = client.call("GET", f"Users?filter=userName%20eq%20%22{email}%22")
        if status == 200 and found.get("Resources"):
            body = {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "replace", "value": {"active": False}}],
            }
            client.call("PATCH", f"Users/{found['Resources'][0]['id']}", body)

    leavers = list(range(0, USERS, max(1, USERS // DEACTIVATED)))[:DEACTIVATED]
    seconds, timings, errors = run_phase(port, secret, leavers, deactivate)
    phases["GET filter + PATCH active=false"] = (seconds, timings, errors, len(leavers) * 2)

    check = Client(port, secret)
    _, users_page = check.call("GET", "Users?count=1")
    _, active_page = check.call("GET", "Users?count=1&filter=active%20eq%20false")
    _, groups_page = check.call("GET", "Groups?count=1&excludedAttributes=members")
    return {
        "phases": phases,
        "users_created": len(user_ids),
        "groups_created": len(group_ids),
        "memberships": memberships,
        "users_listed": users_page["totalResults"] if users_page else 0,
        "inactive_listed": active_page["totalResults"] if active_page else 0,
        "groups_listed": groups_page["totalResults"] if groups_page else 0,
        "leavers": len(leavers),
    }


def build_report(result: dict[str, Any], database: str) -> Report:
    rows = []
    total_seconds = 0.0
    all_errors: list[str] = []
    for name, (seconds, timings, errors, count) in result["phases"].items():
        total_seconds += seconds
        all_errors += errors
        rows.append(
            [
                name,
                f"{count:,}",
                f"{seconds:.1f}",
                f"{count / seconds:.0f}" if seconds else "-",
                f"{percentile(timings, 0.5) * 1000:.1f}",
                f"{percentile(timings, 0.95) * 1000:.1f}",
                str(len(errors)),
            ]
        )
    users_seconds = result["phases"]["POST /Users"][0]
    checks = [
        Check(
            f"{USERS:,} users and {GROUPS} groups provisioned in under 10 minutes",
            total_seconds < TARGET_SECONDS,
            f"{total_seconds:.0f} s in all; users at {USERS / users_seconds:.0f}/s",
        ),
        Check(
            "every request answered without an error",
            not all_errors,
            f"{len(all_errors)} errors" + (f", first: {all_errors[0]}" if all_errors else ""),
        ),
        Check(
            "what was sent is what the API lists",
            result["users_listed"] == USERS + 1
            and result["groups_listed"] == GROUPS
            and result["inactive_listed"] == result["leavers"],
            f"{result['users_listed']:,} users (the admin included), "
            f"{result['groups_listed']} groups, {result['inactive_listed']} deactivated",
        ),
    ]
    return Report(
        title=f"SCIM provisioning through HTTP (granian, {WORKERS} workers, {CLIENTS} clients)",
        columns=["phase", "requests", "seconds", "requests/s", "p50 ms", "p95 ms", "errors"],
        rows=rows,
        checks=checks,
        notes=[
            f"{database}; {result['memberships']:,} group memberships in PATCHes of "
            f"{MEMBERS_PER_PATCH}; {os.cpu_count()} CPUs",
            f"the clients used {client_cpu_seconds:.0f} CPU seconds of the "
            f"{sum(phase[0] for phase in result['phases'].values()):.0f} s",
        ],
    )


def main() -> Report | None:
    with tempfile.TemporaryDirectory(prefix="chorus-bench-scim-") as temp:
        work = Path(temp)
        with throwaway_database(work) as database_url:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "chorus.settings",
                "DATABASE_URL": database_url,
                "DATA_DIR": str(work / "data"),
                "DEBUG": "false",
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECRET_KEY": "bench",
                "DB_CONN_MAX_AGE": "60",
                "LOG_LEVEL": "WARNING",
            }
            setup = subprocess.run(
                [sys.executable, "-m", "bench.bench_scim", "setup"],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if setup.returncode != 0:
                raise RuntimeError(f"setup failed:\n{setup.stdout}\n{setup.stderr}")
            secret = json.loads(setup.stdout.strip().splitlines()[-1])["secret"]
            with serve(env, work / "granian.log") as port:
                result = provision(port, secret)
    database = "PostgreSQL" if os.getenv("BENCH_DATABASE_URL") else "SQLite"
    return build_report(result, database)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        print(json.dumps(step_setup()))
    else:
        from bench.report import render

        report = main()
        if report is not None:
            print("\n" + render(report))
