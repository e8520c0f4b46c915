"""A stand-in for Slack's Web API on loopback (http.server in a thread).

It answers the methods Chorus calls in the shapes Slack documents (``{"ok": true, ...}``,
errors as ``{"ok": false, "error": "..."}`` with HTTP 200, a rate limit as HTTP 429 with
Retry-After), checks the bot token on every call and the app's credentials (HTTP Basic) on
``oauth.v2.access``, and records every call: method, headers, and its arguments from the
query string, a form body or a JSON body.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "app-client-secret"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CODE = "oauth-code-from-slack"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
TEAM_ID = "T9TK3CUKW"
BOT_USER_ID = "U0KRQLJ9H"


@dataclass
class Call:
    method: str
    verb: str
    headers: dict[str, str]
    args: dict[str, Any]

    @property
    def token(self) -> str:
        value = self.headers.get("authorization", "")
        return value.removeprefix("Bearer ") if value.startswith("Bearer ") else ""


@dataclass
class Queued:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class FakeSlack:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    tokens: set[str] = field(default_factory=lambda: {BOT_TOKEN})
    team: dict[str, str] = field(default_factory=lambda: {"id": TEAM_ID, "name": "Acme Inc"})
    bot_user_id: str = BOT_USER_ID
    token_to_issue: str = BOT_TOKEN
    channels: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 200
    # Answers to give once, in order, per method (before the normal answer).
    queued: dict[str, list[Queued]] = field(default_factory=dict)

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        raw: str | None = None,
    ) -> None:
        body: Any = raw if raw is not None else {"ok": False, "error": error}
        self.queued.setdefault(method, []).append(Queued(status, body, headers or {}))

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def add_channel(
        self, channel_id: str, name: str, *, private: bool = False, member: bool = True
    ) -> None:
        self.channels.append(
            {
                "id": channel_id,
                "name": name,
                "is_channel": True,
                "is_private": private,
                "is_archived": False,
                "is_member": member,
                "created": 1449252889,
            }
        )

    def add_user(self, email: str, user_id: str, name: str, **extra: Any) -> None:
        self.users[email] = {
            "id": user_id,
            "team_id": self.team["id"],
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "deleted": False,
            "is_bot": False,
            "profile": {"email": email, "real_name": name, "display_name": name.split(" ")[0]},
            **extra,
        }

    # --- the methods ------------------------------------------------------------------

    def answer(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        waiting = self.queued.get(call.method)
        if waiting:
            queued = waiting.pop(0)
            return queued.status, queued.body, queued.headers
        if call.method == "oauth.v2.access":
            return 200, self.oauth_v2_access(call), {}
        if call.token not in self.tokens:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = {
            "auth.revoke": self.auth_revoke,
            "conversations.list": self.conversations_list,
            "conversations.info": self.conversations_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "conversations.open": self.conversations_open,
            "chat.postMessage": self.chat_post_message,
        }.get(call.method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(call), {}

    def oauth_v2_access(self, call: Call) -> dict[str, Any]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if call.headers.get("authorization") != expected:
            return {"ok": False, "error": "invalid_client_id"}
        if call.args.get("code") != CODE:
            return {"ok": False, "error": "invalid_code"}
        self.tokens.add(self.token_to_issue)
        return {
            "ok": True,
            "access_token": self.token_to_issue,
            "token_type": "bot",
            "scope": "chat:write,channels:read,groups:read,im:write,users:read,users:read.email",
            "bot_user_id": self.bot_user_id,
            "app_id": "A0KRD7HC3",
            "team": dict(self.team),
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U1234"},
        }

    def auth_revoke(self, call: Call) -> dict[str, Any]:
        self.tokens.discard(call.token)
        return {"ok": True, "revoked": True}

    def conversations_list(self, call: Call) -> dict[str, Any]:
        limit = min(int(call.args.get("limit") or 100), self.page_size)
        start = int(str(call.args.get("cursor") or "cursor-0").removeprefix("cursor-"))
        page = self.channels[start : start + limit]
        more = start + limit < len(self.channels)
        return {
            "ok": True,
            "channels": page,
            "response_metadata": {"next_cursor": f"cursor-{start + limit}" if more else ""},
        }

    def conversations_info(self, call: Call) -> dict[str, Any]:
        for channel in self.channels:
            if channel["id"] == call.args.get("channel"):
                return {"ok": True, "channel": channel}
        return {"ok": False, "error": "channel_not_found"}

    def users_lookup_by_email(self, call: Call) -> dict[str, Any]:
        user = self.users.get(str(call.args.get("email")))
        if user is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": user}

    def conversations_open(self, call: Call) -> dict[str, Any]:
        users = str(call.args.get("users") or "")
        if not any(user["id"] == users for user in self.users.values()):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + users[1:]}}

    def chat_post_message(self, call: Call) -> dict[str, Any]:
        channel = call.args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not call.args.get("text") and not call.args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = f"1700000000.{len(self.calls_to('chat.postMessage')):06d}"
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": call.args["text"]}}


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    state = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self, verb: str) -> None:
            parts = urlsplit(self.path)
            args: dict[str, Any] = dict(parse_qsl(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            if body and content_type.startswith("application/json"):
                args.update(json.loads(body))
            elif body:
                args.update(dict(parse_qsl(body.decode())))
            call = Call(
                method=parts.path.rsplit("/", 1)[-1],
                verb=verb,
                headers={k.lower(): v for k, v in self.headers.items()},
                args=args,
            )
            state.calls.append(call)
            status, answer, headers = state.answer(call)
            raw = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            kind = "text/plain" if isinstance(answer, str) else "application/json; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
