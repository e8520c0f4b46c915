"""Sentry: a loopback HTTP server stands in for the ingest endpoint and receives the event."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sentry_sdk
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from chorus.accounts.tasks import invitations_send
from chorus.operations.sentry import sentry_init
from chorus.operations.tests.test_metrics import DB_TASKS, run_ready_tasks


class Ingest(ThreadingHTTPServer):
    envelopes: list[bytes]
    received: threading.Event


class Handler(BaseHTTPRequestHandler):
    server: Ingest

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]

            body = brotli.decompress(body)
        self.server.envelopes.append(body)
        self.server.received.set()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def ingest() -> Iterator[Ingest]:
    server = Ingest(("127.0.0.1", 0), Handler)
    server.envelopes = []
    server.received = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sentry(ingest: Ingest) -> Iterator[Ingest]:
    sentry_init(
        dsn=f"http://publickey@127.0.0.1:{ingest.server_address[1]}/1",
        traces_sample_rate=0,
        environment="test",
    )
    try:
        yield ingest
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.init()  # no DSN: nothing is sent by later tests


def events(envelopes: list[bytes]) -> list[dict[str, Any]]:
    found = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


@override_settings(TASKS=DB_TASKS)
def test_a_failing_task_reaches_sentry_without_personal_data(sentry, db):
    # A task called with what it does not take fails in the worker (TypeError); the
    # email in its arguments must not travel with the report.
    invitations_send.enqueue(invitation_ids=[1], language="en", email="maya@acme.example")
    assert run_ready_tasks() == 1
    assert DBTaskResult.objects.get().status == "FAILED"
    sentry_sdk.flush(timeout=5)
    assert sentry.received.wait(5)
    [event] = [event for event in events(sentry.envelopes) if event.get("exception")]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "TypeError"
    assert event["release"].startswith("chorus@")
    assert event["environment"] == "test"
    assert "task_id" in event["tags"]
    raw = b"".join(sentry.envelopes)
    assert b"maya@acme.example" not in raw
    assert "user" not in event


def test_nothing_is_set_up_without_a_dsn(tmp_path):
    """A fresh process with the settings and no SENTRY_DSN has no active Sentry client."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    environment |= {"DJANGO_SETTINGS_MODULE": "chorus.settings", "DATA_DIR": str(tmp_path)}
    code = (
        "import django; django.setup(); import sentry_sdk; "
        "print(sentry_sdk.get_client().is_active())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
