"""A real webhook receiver on loopback that checks every message's signature with the
standardwebhooks library, as a customer's endpoint would."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from chorus.webhooks.catalog import EVENT_NAMES
from chorus.webhooks.services.endpoints import EndpointFields, endpoint_create


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    # The payload, when a secret in `secrets` verified the signature; None otherwise.
    verified: dict[str, Any] | None
    verified_with: list[str] = field(default_factory=list)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []  # answered in turn; 200 once empty
        self.delay = 0.0
        self.secrets: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/chorus"

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.verified and r.verified["type"] == event_type]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {key.lower(): value for key, value in self.headers.items()}
                verified = None
                verified_with = []
                for secret in receiver.secrets:
                    try:
                        verified = Webhook(secret).verify(body, headers)
                        verified_with.append(secret)
                    except WebhookVerificationError:
                        continue
                receiver.received.append(Received(headers, body, verified, verified_with))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b'{"ok":true}' if status < 300 else b"<b>broken</b> " + b"x" * 2000
                try:
                    self.send_response(status)
                    self.send_header("content-type", "text/plain")
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *args: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT = 0.5
    settings.SITE_URL = "https://chorus.example"
    # Which event types an organization's endpoints receive is cached: start clean.
    cache.clear()


@pytest.fixture
def receiver() -> Any:
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(organization: Any, admin_member: Any, receiver: Receiver) -> Any:
    """An endpoint of the organization subscribed to every event, at the receiver."""
    made = endpoint_create(
        organization=organization,
        actor=admin_member.user,
        fields=EndpointFields(url=receiver.url, description="CRM", event_types=list(EVENT_NAMES)),
    )
    receiver.secrets.append(made.secret)
    return made
