"""Sending one Web Push message: encryption, VAPID and the push service's answer.

The payload is encrypted for the browser (RFC 8291, "aes128gcm" content coding of RFC
8188) by pywebpush's `WebPusher.encode`, the request is signed with the deployment's VAPID
key (RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`, by py_vapid), and it is
POSTed (RFC 8030, with `TTL`, `Urgency` and sometimes `Topic`) through Chorus' SSRF-safe
transport: the endpoint came from a browser, so it is an address someone else wrote.
pywebpush's own `send` would use requests, outside that transport, so it is not used.

Nothing here touches the database: `services/sending.py` keeps the subscriptions' books.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02  # type: ignore[import-untyped]
from pywebpush import WebPusher, WebPushException  # type: ignore[import-untyped]

from chorus.core.http import RefusedAddress, SafeTransport, check_url, retry_after_seconds

if TYPE_CHECKING:
    from collections.abc import Mapping

# A push service keeps at most 4096 bytes of encrypted payload (RFC 8291 §4); the coding
# adds 86 bytes of header, a 16-byte tag and a padding delimiter.
MAX_PLAINTEXT = 3993
# The JWT's lifetime: RFC 8292 allows at most 24 hours; half leaves room for clock skew.
TOKEN_SECONDS = 12 * 3600
# The longest Retry-After we believe; a larger one is a broken header, not a plan.
MAX_RETRY_AFTER = 24 * 3600
# How much of an error answer is read: enough for a reason, never a flood.
MAX_ERROR_BYTES = 2000


class Result(StrEnum):
    SENT = "sent"  # 201/202: the push service took it
    EXPIRED = "expired"  # 404/410: the subscription is gone for good
    RETRY = "retry"  # 429, 5xx, a timeout, a network error: try again later
    FAILED = "failed"  # 400, 401, 403, 413, ...: this message will not go through
    REFUSED = "refused"  # the address is not one Chorus sends to (private network, ...)


@dataclass(frozen=True)
class PushAnswer:
    result: Result
    status_code: int | None = None
    error: str = ""
    retry_after: int | None = None
    location: str = ""


@dataclass(frozen=True)
class Vapid:
    """The deployment's VAPID identity: its private key, its public key as browsers take it
    (applicationServerKey, base64url) and its contact (`sub`: mailto: or https:)."""

    private_key: ec.EllipticCurvePrivateKey
    public_key: str
    subject: str


@dataclass(frozen=True)
class Target:
    """Where one push goes: the endpoint and the browser's keys (base64url)."""

    endpoint: str
    p256dh: str
    auth: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding (browsers send it without); ValueError if not."""
    cleaned = text.strip()
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError("not base64url") from error


def public_key_text(private_key: ec.EllipticCurvePrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def origin(endpoint: str) -> str:
    """The endpoint's origin, the JWT's audience: scheme, host and a port if not default."""
    url = httpx.URL(endpoint)
    default = {"https": 443, "http": 80}.get(url.scheme)
    port = f":{url.port}" if url.port and url.port != default else ""
    return f"{url.scheme}://{url.host}{port}"


def vapid_authorization(vapid: Vapid, endpoint: str, *, now: float | None = None) -> str:
    """The `Authorization` header for a push to `endpoint` (RFC 8292 §3)."""
    claims = {
        "aud": origin(endpoint),
        "exp": int(now if now is not None else time.time()) + TOKEN_SECONDS,
        "sub": vapid.subject,
    }
    signed: Mapping[str, str] = Vapid02(private_key=vapid.private_key).sign(claims)
    return signed["Authorization"]


def encrypt(target: Target, payload: bytes) -> bytes:
    """The payload encrypted for the browser (aes128gcm); ValueError for unusable keys."""
    pusher = WebPusher(
        {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
    )
    try:
        encoded = pusher.encode(payload, content_encoding="aes128gcm")
    except WebPushException as error:
        raise ValueError(str(error.message)) from error
    body: bytes = encoded["body"]
    return body


def client() -> httpx.Client:
    """One client for a batch (its connections are reused per push service): the SSRF-safe
    transport, HTTP_TIMEOUT, no redirects, no proxy from the environment."""
    return httpx.Client(
        transport=SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
        timeout=httpx.Timeout(settings.HTTP_TIMEOUT),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": settings.HTTP_USER_AGENT},
    )


def push(
    http: httpx.Client,
    *,
    target: Target,
    payload: bytes,
    vapid: Vapid,
    ttl: int,
    urgency: str = "normal",
    topic: str = "",
) -> PushAnswer:
    """POST one encrypted message to the target's push service; never raises."""
    try:
        check_url(target.endpoint)
    except RefusedAddress as error:
        return PushAnswer(Result.REFUSED, error=str(error))
    try:
        body = encrypt(target, payload)
        authorization = vapid_authorization(vapid, target.endpoint)
    except Exception as error:  # broken keys: pywebpush, http_ece and py_vapid raise many kinds
        return PushAnswer(
            Result.FAILED, error=f"the subscription's keys are unusable ({error})"[:300]
        )
    headers = {
        "Authorization": authorization,
        "TTL": str(ttl),
        "Urgency": urgency,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
    if topic:
        headers["Topic"] = topic
    host = httpx.URL(target.endpoint).host
    try:
        with http.stream("POST", target.endpoint, content=body, headers=headers) as response:
            return _answer(response, host)
    except httpx.TimeoutException:
        return PushAnswer(Result.RETRY, error=f"{host} did not answer in time")
    except httpx.ConnectError as error:
        if "BLOCKED:" in str(error):  # SafeTransport refused the address
            return PushAnswer(
                Result.REFUSED,
                error=f"{host} points to a private or local network address, which is not allowed",
            )
        return PushAnswer(Result.RETRY, error=f"{host} could not be reached")
    except httpx.HTTPError as error:
        return PushAnswer(Result.RETRY, error=f"{host}: {type(error).__name__}")


def _answer(response: httpx.Response, host: str) -> PushAnswer:
    status = response.status_code
    if 200 <= status < 300:
        return PushAnswer(
            Result.SENT, status_code=status, location=response.headers.get("location", "")[:300]
        )
    reason = f"{host} answered {status}"
    detail = _read_some(response)
    if detail:
        reason += f": {detail}"
    if status in (404, 410):
        return PushAnswer(Result.EXPIRED, status_code=status, error=reason)
    if status == 429 or status >= 500:
        return PushAnswer(
            Result.RETRY,
            status_code=status,
            error=reason,
            retry_after=retry_after(response.headers.get("retry-after", "")),
        )
    return PushAnswer(Result.FAILED, status_code=status, error=reason)


def _read_some(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_ERROR_BYTES:
            break
    text = b"".join(chunks)[:MAX_ERROR_BYTES].decode("utf-8", "replace")
    return " ".join(text.split())[:200]


def retry_after(value: str) -> int | None:
    return retry_after_seconds(value, longest=MAX_RETRY_AFTER)
