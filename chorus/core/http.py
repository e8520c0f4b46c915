"""The one way Chorus fetches anything from the internet: SSRF-safe, bounded in size and time.

Every connection goes to an address we resolved and checked ourselves (so a DNS answer
cannot change between the check and the connection), every redirect is followed by hand
and checked again, and no proxy from the environment is used. Private, loopback,
link-local, multicast and reserved addresses are refused; tests that run servers on
loopback allow it explicitly (`allow_loopback=True` or the HTTP_ALLOW_LOOPBACK setting).
"""

from __future__ import annotations

import ipaddress
import socket
import time
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import httpcore
import httpx
from django.conf import settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that failed, with a message a curator can read ("timed out", ...)."""


class BlockedAddress(FetchError):
    pass


def address_allowed(address: str, *, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast


class SafeBackend(httpcore.SyncBackend):
    """Resolves the host itself and connects only to an allowed address."""

    def __init__(self, *, allow_loopback: bool) -> None:
        self.allow_loopback = allow_loopback

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise httpcore.ConnectError(f"the host name {host} could not be resolved") from error
        addresses = [str(answer[4][0]) for answer in answers]
        allowed = [a for a in addresses if address_allowed(a, allow_loopback=self.allow_loopback)]
        if not addresses or len(allowed) != len(addresses):
            # One private answer among public ones is refused too: it is how rebinding starts.
            raise httpcore.ConnectError(f"BLOCKED: {host} points to an address that is not allowed")
        return super().connect_tcp(allowed[0], port, timeout, local_address, socket_options)


class SafeTransport(httpx.HTTPTransport):
    def __init__(self, *, allow_loopback: bool) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=10,
            network_backend=SafeBackend(allow_loopback=allow_loopback),
        )


@dataclass
class FetchResult:
    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes = b""
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).split(";", 1)[0].strip().lower()

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


def check_url(url: str) -> httpx.URL:
    """The URL, if it is an absolute http(s) URL with a host; FetchError otherwise."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise FetchError("not a valid web address") from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError("only http and https addresses can be fetched")
    if parsed.userinfo:
        raise FetchError("addresses with a user name or password are not fetched")
    return parsed


def fetch(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    allow_loopback: bool | None = None,
) -> FetchResult:
    """GET `url`, following up to 5 redirects, reading at most `max_bytes`.

    Returns the final response (any status, 304 included); raises FetchError with a
    readable reason when nothing usable came back.
    """
    max_bytes = max_bytes or settings.HTTP_MAX_BYTES
    timeout = timeout or settings.HTTP_TIMEOUT
    if allow_loopback is None:
        allow_loopback = settings.HTTP_ALLOW_LOOPBACK
    deadline = time.monotonic() + timeout * 3
    request_headers = {"User-Agent": settings.HTTP_USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    request_headers.update(headers or {})
    redirects: list[str] = []
    current = check_url(url)
    with httpx.Client(
        transport=SafeTransport(allow_loopback=allow_loopback),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with client.stream("GET", current, headers=request_headers) as response:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        redirects.append(str(current))
                        current = check_url(str(current.join(response.headers["location"])))
                        continue
                    content = _read_bounded(response, max_bytes=max_bytes, deadline=deadline)
                    return FetchResult(
                        url=str(current),
                        status_code=response.status_code,
                        headers=response.headers,
                        content=content,
                        redirects=redirects,
                    )
            except httpx.TimeoutException as error:
                raise FetchError("timed out") from error
            except httpx.ConnectError as error:
                if "BLOCKED:" in str(error):
                    raise BlockedAddress(
                        "the address points to a private or local network, which is not allowed"
                    ) from error
                raise FetchError(f"could not connect ({_short(error)})") from error
            except httpx.DecodingError as error:
                raise FetchError("the response could not be decoded") from error
            except httpx.HTTPError as error:
                raise FetchError(f"the request failed ({_short(error)})") from error
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")


def _read_bounded(response: httpx.Response, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the response is too large (over {max_bytes // 1_000_000} MB)")
    chunks: list[bytes] = []
    size = 0
    # iter_bytes decompresses, so the limit also holds against a gzip bomb.
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the response is too large (over {max_bytes // 1_000_000} MB)")
        if time.monotonic() > deadline:
            raise FetchError("timed out")
        chunks.append(chunk)
    return b"".join(chunks)


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text[:120]
