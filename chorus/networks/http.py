"""HTTP for the networks' APIs: one SSRF-safe client with a time limit, errors made typed.

Messages never carry tokens: they are built from the network's label and its own error
text, never from a request, its URL or its headers.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import idna
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chorus.core.http import SafeTransport
from chorus.core.validators import validate_web_url
from chorus.networks.base import RateLimited, Unavailable

# Longest Retry-After we believe; a bigger one is a broken header, not a plan.
MAX_RETRY_AFTER = 24 * 3600


def client_options() -> dict[str, Any]:
    """What every httpx client talking to a network is built with: the SSRF-safe transport,
    HTTP_TIMEOUT, no redirects followed, no proxy from the environment."""
    return {
        "transport": SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
        "timeout": httpx.Timeout(settings.HTTP_TIMEOUT),
        "follow_redirects": False,
        "trust_env": False,
        "headers": {"User-Agent": settings.HTTP_USER_AGENT, "Accept": "application/json"},
    }


@contextlib.contextmanager
def typed_errors(label: str) -> Iterator[None]:
    """Timeouts and connection failures inside the block become Unavailable."""
    try:
        yield
    except httpx.TimeoutException as error:
        raise Unavailable(_("%(network)s did not answer in time.") % {"network": label}) from error
    except httpx.ConnectError as error:
        if "BLOCKED:" in str(error):  # SafeTransport refused the address
            raise Unavailable(
                _("%(network)s points to a private or local network address.") % {"network": label}
            ) from error
        raise Unavailable(_("%(network)s could not be reached.") % {"network": label}) from error
    except httpx.HTTPError as error:
        raise Unavailable(_("%(network)s could not be reached.") % {"network": label}) from error


def routed(url: str) -> str:
    """`url`, or where a test serves its origin on loopback (HTTP_LOOPBACK_ORIGINS).

    Tests of several processes cannot fake a network with respx: they run a fake server on
    loopback and map a server's origin ("https://mastodon.example") to it. Only while
    HTTP_ALLOW_LOOPBACK is on, which production never sets.
    """
    if not settings.HTTP_ALLOW_LOOPBACK:
        return url
    origins: dict[str, str] = getattr(settings, "HTTP_LOOPBACK_ORIGINS", {})
    for origin, target in origins.items():
        if url == origin or url.startswith(f"{origin}/"):
            return target + url[len(origin) :]
    return url


def request(label: str, method: str, url: str, **options: Any) -> httpx.Response:
    """Send one request through the SSRF-safe transport, within HTTP_TIMEOUT.

    Timeouts and connection failures become Unavailable; any answer is returned as is.
    """
    with typed_errors(label), httpx.Client(**client_options()) as client:
        return client.request(method, routed(url), **options)


def body(label: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object the network answered, or Unavailable when it is not one."""
    try:
        parsed = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Unavailable(
            _("%(network)s sent an answer Chorus could not read.") % {"network": label}
        ) from error
    if not isinstance(parsed, dict):
        raise Unavailable(
            _("%(network)s sent an answer Chorus could not read.") % {"network": label}
        )
    return parsed


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON error object of a failed answer, or {} when there is none."""
    try:
        parsed = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def retry_after(response: httpx.Response, *, reset_header: str = "") -> float | None:
    """Seconds to wait: Retry-After (seconds or an HTTP date), else the network's own reset
    header (`reset_header`: epoch seconds, or an ISO 8601 time as Mastodon sends). None when
    neither says; never more than MAX_RETRY_AFTER."""
    now = time.time()
    value = response.headers.get("retry-after", "").strip()
    if value:
        with contextlib.suppress(ValueError):
            return _bounded(float(value))
        with contextlib.suppress(TypeError, ValueError):
            return _bounded(parsedate_to_datetime(value).timestamp() - now)
    reset = response.headers.get(reset_header, "").strip() if reset_header else ""
    if reset:
        with contextlib.suppress(ValueError):
            return _bounded(float(reset) - now)
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(reset)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return _bounded(moment.timestamp() - now)
    return None


def _bounded(seconds: float) -> float:
    return max(0.0, min(seconds, float(MAX_RETRY_AFTER)))


def server_url(value: str, *, network: str, example: str, accept_http: bool = False) -> str:
    """A server a member typed (a Mastodon instance, a Bluesky PDS) as "https://host".

    ValueError with a message they can act on for anything but a public server name on the
    standard https port: no path, no credentials, no IP address, IDNA-encoded. With
    `accept_http`, "http://host" is taken to mean the same server over https.
    """
    text = value.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise ValueError(_("'%(value)s' is not a server address.") % {"value": value}) from error
    if parts.scheme not in (("https", "http") if accept_http else ("https",)):
        raise ValueError(
            _("A %(network)s server is reached over https, for example %(example)s.")
            % {"network": network, "example": example}
        )
    if parts.username or parts.password:
        raise ValueError(
            _("Enter only the server, for example %(example)s.") % {"example": example}
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            _("Enter only the server, without a path, for example %(example)s.")
            % {"example": example}
        )
    if port not in (None, 443):
        raise ValueError(
            _("%(network)s servers are reached on the standard https port.") % {"network": network}
        )
    host = (parts.hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValueError(_("Enter the server's name, not an IP address."))
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ValueError(_("'%(host)s' is not a valid server name.") % {"host": host}) from error
    if "." not in ascii_host:
        raise ValueError(_("'%(host)s' is not a server name on the internet.") % {"host": host})
    server = f"https://{ascii_host.lower()}"
    try:
        validate_web_url(server)  # what every address people give Chorus goes through
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    return server


def raise_for_transient(label: str, response: httpx.Response) -> None:
    """RateLimited on 429, Unavailable on 5xx; other statuses are the caller's to read."""
    if response.status_code == 429:
        raise RateLimited(
            _("%(network)s asks Chorus to slow down.") % {"network": label},
            retry_after=retry_after(response),
            status=429,
        )
    if response.status_code >= 500:
        raise Unavailable(
            _("%(network)s is not available right now (%(status)s).")
            % {"network": label, "status": response.status_code},
            status=response.status_code,
        )


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (RFC 7636 §4.1, 64 unreserved characters) and its S256 challenge."""
    verifier = str(generate_token(64))
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of `verifier` (RFC 7636 §4.2), computed by Authlib."""
    return str(create_s256_code_challenge(verifier))
