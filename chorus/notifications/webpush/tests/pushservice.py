"""A Web Push service on loopback, and browsers that subscribe to it.

`PushService` is a real HTTP server: it takes what Chorus POSTs to a subscription's
endpoint, checks the request as RFC 8030 (TTL, Urgency, Topic), RFC 8292 (the VAPID
`Authorization: vapid t=<JWT>, k=<key>`: an ES256 signature by the key, `aud` the
endpoint's origin, `exp` within 24 hours, a `sub`) and RFC 8188/8291 (`Content-Encoding:
aes128gcm`, at most 4096 bytes) say, and hands the body to the `Browser` whose endpoint it
is, which decrypts it with its own private key and auth secret, as a browser does.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's side of a subscription: a P-256 key pair and a 16-byte auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))
    endpoint: str = ""

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription_json(self) -> dict[str, Any]:
        """What PushSubscription.toJSON() gives in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }

    def decrypt(self, body: bytes) -> bytes:
        plain: bytes = http_ece.decrypt(
            body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return plain


def vapid_claims(header: str, *, audience: str) -> tuple[dict[str, Any], str]:
    """The JWT's claims and the public key of a valid `vapid` Authorization header;
    AssertionError saying what is wrong otherwise."""
    scheme, _, rest = header.partition(" ")
    assert scheme.lower() == "vapid", f"scheme {scheme!r}"
    parts = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert set(parts) == {"t", "k"}, f"parameters {sorted(parts)}"
    token, key = parts["t"], parts["k"]
    head, claims_text, signature = token.split(".")
    assert json.loads(unb64url(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    assert len(raw) == 64, "an ES256 signature is r and s, 32 bytes each"
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    try:
        public_key.verify(
            encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
            f"{head}.{claims_text}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        raise AssertionError("the JWT's signature does not verify with k") from None
    claims: dict[str, Any] = json.loads(unb64url(claims_text))
    assert claims.get("aud") == audience, f"aud {claims.get('aud')!r}, not {audience!r}"
    now = time.time()
    assert now < claims["exp"] <= now + 24 * 3600, f"exp {claims['exp']} is not within 24 hours"
    assert str(claims.get("sub", "")).startswith(("mailto:", "https:")), "sub"
    return claims, key


@dataclass
class Push:
    path: str
    headers: dict[str, str]
    body: bytes
    claims: dict[str, Any] = field(default_factory=dict)
    vapid_key: str = ""
    payload: Any = None


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class PushService:
    origin: str
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Push] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # What to answer, one per request in order; then 201 Created, as push services do.
    answers: list[Answer] = field(default_factory=list)

    def browser(self) -> Browser:
        """A new browser subscribed to this service."""
        path = f"/push/{b64url(os.urandom(12))}"
        browser = Browser(endpoint=self.origin + path)
        self.browsers[path] = browser
        return browser

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.answers.append(
            Answer(status, {k.replace("_", "-"): v for k, v in headers.items()}, body)
        )

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> None:
        push = Push(path=path, headers=headers, body=body)
        self.received.append(push)
        try:
            push.claims, push.vapid_key = vapid_claims(
                headers.get("authorization", ""), audience=self.origin
            )
        except (AssertionError, ValueError, KeyError) as error:
            self.problems.append(f"VAPID: {error}")
        if not headers.get("ttl", "").isdigit():
            self.problems.append(f"TTL {headers.get('ttl')!r}")
        if headers.get("urgency", "normal") not in {"very-low", "low", "normal", "high"}:
            self.problems.append(f"Urgency {headers.get('urgency')!r}")
        topic = headers.get("topic")
        if topic is not None and (
            len(topic) > 32 or not all(c.isalnum() or c in "-_" for c in topic)
        ):
            self.problems.append(f"Topic {topic!r}")
        if headers.get("content-encoding") != "aes128gcm":
            self.problems.append(f"Content-Encoding {headers.get('content-encoding')!r}")
        if len(body) > 4096:
            self.problems.append(f"{len(body)} bytes, more than 4096")
        browser = self.browsers.get(path)
        if browser is None:
            self.problems.append(f"no browser at {path}")
            return
        try:
            push.payload = json.loads(browser.decrypt(body))
        except Exception as error:  # http_ece raises several kinds
            self.problems.append(f"the browser cannot decrypt the payload: {error!r}")


@pytest.fixture
def push_service(settings: Any) -> Iterator[PushService]:
    settings.HTTP_ALLOW_LOOPBACK = True
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            service.receive(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            answer = service.answers.pop(0) if service.answers else Answer(201)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.status == 201:
                self.send_header("Location", f"{service.origin}/message/{len(service.received)}")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(origin=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
