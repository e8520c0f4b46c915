"""HTTP for the networks' APIs: one SSRF-safe client with a time limit, errors made typed.

Messages never carry tokens: they are built from the network's label and its own error
text, never from a request, its URL or its headers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.conf import settings

from chorus.core.http import SafeTransport
from chorus.networks.base import RateLimited, Unavailable

# Longest Retry-After we believe; a bigger one is a broken header, not a plan.
MAX_RETRY_AFTER = 24 * 3600


def request(label: str, method: str, url: str, **options: Any) -> httpx.Response:
    """Send one request through the SSRF-safe transport, within HTTP_TIMEOUT.

    Timeouts and connection failures become Unavailable; any answer is returned as is.
    """
    timeout = httpx.Timeout(settings.HTTP_TIMEOUT)
    transport = SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK)
    headers = {
        "User-Agent": settings.HTTP_USER_AGENT,
        "Accept": "application/json",
        **options.pop("headers", {}),
    }
    try:
        with httpx.Client(
            transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
        ) as client:
            return client.request(method, url, headers=headers, **options)
    except httpx.TimeoutException as error:
        raise Unavailable(f"{label} did not answer in time.") from error
    except httpx.ConnectError as error:
        if "BLOCKED:" in str(error):  # SafeTransport refused the address
            raise Unavailable(f"{label} points to a private or local network address.") from error
        raise Unavailable(f"{label} could not be reached.") from error
    except httpx.HTTPError as error:
        raise Unavailable(f"{label} could not be reached.") from error


def body(label: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object the network answered, or Unavailable when it is not one."""
    try:
        parsed = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Unavailable(f"{label} sent an answer Chorus could not read.") from error
    if not isinstance(parsed, dict):
        raise Unavailable(f"{label} sent an answer Chorus could not read.")
    return parsed


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON error object of a failed answer, or {} when there is none."""
    try:
        parsed = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date), None when absent."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return float(max(0.0, min(moment.timestamp() - time.time(), MAX_RETRY_AFTER)))


def raise_for_transient(label: str, response: httpx.Response) -> None:
    """RateLimited on 429, Unavailable on 5xx; other statuses are the caller's to read."""
    if response.status_code == 429:
        raise RateLimited(
            f"{label} asks Chorus to slow down.", retry_after=retry_after(response), status=429
        )
    if response.status_code >= 500:
        raise Unavailable(
            f"{label} is not available right now ({response.status_code}).",
            status=response.status_code,
        )


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (RFC 7636, 43+ characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
