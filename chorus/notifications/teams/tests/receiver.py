"""A Teams Workflows webhook on loopback: a real HTTP server that receives the cards Chorus
posts, checks each against the documented shape, and answers what a test asks for."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chorus.notifications.teams.models import TeamsWebhook

ELEMENT_TYPES = {"TextBlock", "Image", "Container", "ActionSet"}


def card_problems(payload: Any) -> list[str]:
    """What in `payload` differs from the body a "Post to a channel when a webhook request
    is received" workflow accepts: a message with one Adaptive Card attachment."""
    problems: list[str] = []
    if not isinstance(payload, dict) or set(payload) != {"type", "attachments"}:
        return [f"the envelope is not {{type, attachments}}: {payload!r:.200}"]
    if payload["type"] != "message":
        problems.append("type is not message")
    attachments = payload["attachments"]
    if not isinstance(attachments, list) or len(attachments) != 1:
        return [*problems, "not exactly one attachment"]
    attachment = attachments[0]
    if set(attachment) != {"contentType", "contentUrl", "content"}:
        problems.append(f"attachment keys: {sorted(attachment)}")
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append("contentType is not an Adaptive Card")
    if attachment.get("contentUrl") is not None:
        problems.append("contentUrl is not null")
    card = attachment.get("content", {})
    if card.get("$schema") != "http://adaptivecards.io/schemas/adaptive-card.json":
        problems.append("$schema")
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.4":
        problems.append("not an AdaptiveCard 1.4")
    if set(card) - {"$schema", "type", "version", "body", "actions"}:
        problems.append(f"unknown card keys: {sorted(set(card))}")
    if not isinstance(card.get("body"), list) or not card["body"]:
        problems.append("no body")
    for element in card.get("body", []):
        problems += _element_problems(element)
    for action in card.get("actions", []):
        problems += _action_problems(action)
    return problems


def _element_problems(element: dict[str, Any]) -> list[str]:
    kind = element.get("type")
    if kind not in ELEMENT_TYPES:
        return [f"unknown element {kind}"]
    if kind == "TextBlock" and (
        not isinstance(element.get("text"), str) or element.get("wrap") is not True
    ):
        return [f"TextBlock without text or wrap: {element}"]
    if kind == "Image" and not (
        str(element.get("url", "")).startswith(("https://", "http://")) and element.get("altText")
    ):
        return [f"Image without an absolute url or altText: {element}"]
    if kind == "Container":
        problems = [p for item in element.get("items", []) for p in _element_problems(item)]
        if "selectAction" in element:
            problems += _action_problems({"title": "-", **element["selectAction"]})
        return problems
    if kind == "ActionSet":
        return [p for action in element.get("actions", []) for p in _action_problems(action)]
    return []


def _action_problems(action: dict[str, Any]) -> list[str]:
    if action.get("type") != "Action.OpenUrl":
        return [f"not an Action.OpenUrl: {action}"]
    if not action.get("title") or not str(action.get("url", "")).startswith("http"):
        return [f"Action.OpenUrl without title or url: {action}"]
    return []


@dataclass
class Answer:
    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Receiver:
    url: str
    cards: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # What to answer, one per request in order; then 202 Accepted, as a workflow does.
    answers: list[Answer] = field(default_factory=list)

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.answers.append(Answer(status, headers or {}, body))


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.HTTP_ALLOW_LOOPBACK = True
    with running_receiver() as found:
        yield found


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A webhook on loopback for as long as the block runs (the caller allows loopback)."""
    found: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.headers.get("Content-Type") != "application/json":
                found.problems.append(f"Content-Type {self.headers.get('Content-Type')}")
            try:
                card = json.loads(body)
            except ValueError:
                found.problems.append("the body is not JSON")
                card = {}
            found.cards.append(card)
            found.problems.extend(card_problems(card))
            answer = found.answers.pop(0) if found.answers else Answer()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found = Receiver(
        url=f"http://127.0.0.1:{server.server_address[1]}/workflows/abc/triggers/manual"
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


def webhook_for(organization: Any, url: str, **values: Any) -> TeamsWebhook:
    values.setdefault("name", "Acme: General")
    return TeamsWebhook.objects.create(organization=organization, url=url, **values)
