"""The one way Chorus fetches anything from the internet: SSRF-safe, bounded in size and time.

Every connection goes to an address we resolved and checked ourselves (so a DNS answer
cannot change between the check and the connection), every redirect is followed by hand
and checked again, and no proxy from the environment is used. Only globally routable
unicast addresses are allowed, judged after unwrapping an IPv4 address hidden in an IPv6 one
(see address_allowed); tests that run servers on loopback allow loopback explicitly
(`allow_loopback=True` or the HTTP_ALLOW_LOOPBACK setting).
"""

from __future__ import annotations

import ipaddress
import socket
import time
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpcore
import httpx
from django.conf import settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that failed, with a message a curator can read ("timed out", ...).

    Most failures may pass (a server down, a name not resolving yet); a RefusedAddress
    never does, whenever it is tried again.
    """


class RefusedAddress(FetchError):
    """An address Chorus never fetches: not http(s), with credentials, or (BlockedAddress)
    pointing to a private or local network."""


class BlockedAddress(RefusedAddress):
    pass


# NAT64 with the well-known prefix (RFC 6052): a DNS64 resolver answers these for IPv4-only
# hosts on an IPv6-only network, and the translator connects to the IPv4 address in the low
# 32 bits, so that address is the one judged.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# IPv6 networks refused whatever they carry. Some hold an IPv4 address that a tunnel or a
# translator would reach on our behalf, with no one place to find it or no legitimate web
# server behind it; the others are not globally routable although Python 3.11's
# `is_global` says they are.
REFUSED_IPV6_NETWORKS = (
    # IPv4-compatible (RFC 4291 deprecated it in 2006): no server has such an address, and
    # a stack that still honours one sends the packet to the embedded IPv4 address.
    ipaddress.IPv6Network("::/96"),
    # Local-use NAT64 (RFC 8215): a translator inside someone's network, towards IPv4
    # addresses of that network, embedded at a prefix length we cannot know.
    ipaddress.IPv6Network("64:ff9b:1::/48"),
    # Teredo (RFC 4380) tunnels to an IPv4 server and an obfuscated IPv4 client, both
    # chosen by whoever wrote the address; it is a way for clients behind NAT to reach
    # IPv6, never where a public web server lives, so it is refused rather than unwrapped.
    ipaddress.IPv6Network("2001::/32"),
    ipaddress.IPv6Network("fec0::/10"),  # site-local (deprecated by RFC 3879)
    ipaddress.IPv6Network("3fff::/20"),  # documentation (RFC 9637)
)


def address_allowed(address: str, *, allow_loopback: bool) -> bool:
    """Whether Chorus may connect to `address`, an IP address as a DNS answer gives it.

    Only globally routable unicast addresses are allowed. An IPv6 address that stands for
    an IPv4 one (IPv4-mapped, NAT64, 6to4) is judged by that IPv4 address; the forms we
    cannot judge that way are refused outright (REFUSED_IPV6_NETWORKS). `allow_loopback`
    allows this machine's loopback only: 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x,
    which a dual-stack socket delivers to 127.x. A loopback address inside NAT64 or 6to4 is
    the translator's or the relay's loopback, not ours, and is refused even then.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in REFUSED_IPV6_NETWORKS):
            return False
        if ip in NAT64_WELL_KNOWN:
            return _globally_routable(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF))
        if ip.sixtofour is not None:
            # 6to4 (RFC 3056): 2002:AABB:CCDD::/48 is routed to the IPv4 host AA.BB.CC.DD.
            return _globally_routable(ip.sixtofour)
    return _globally_routable(ip)


def _globally_routable(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
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
    """The URL, if it is an absolute http(s) URL with a host; RefusedAddress otherwise."""
    try:
        parsed = httpx.URL(url)
        # The host is decoded on first reading: a broken IDNA label ("xn--zz") raises here.
        host = parsed.host
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise RefusedAddress("not a valid web address") from error
    if parsed.scheme not in ("http", "https") or not host:
        raise RefusedAddress("only http and https addresses can be fetched")
    if parsed.userinfo:
        raise RefusedAddress("addresses with a user name or password are not fetched")
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
                raise FetchError(f"could not connect ({_connect_reason(error)})") from error
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


def _connect_reason(error: Exception) -> str:
    """Why a connection failed, in words rather than an errno."""
    text = str(error)
    if "could not be resolved" in text:
        return text[:120]  # SafeBackend's own sentence, with the host name.
    if "refused" in text.lower():
        return "the server refused the connection"
    if "unreachable" in text.lower():
        return "the server cannot be reached"
    return _short(error)


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text[:120]


def retry_after_seconds(value: str, *, longest: int) -> int | None:
    """Seconds to wait from a Retry-After header (a number of seconds or an HTTP date),
    at least 1 and at most ``longest``; None when the header is absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = int((moment - datetime.now(UTC)).total_seconds())
    return max(1, min(seconds, longest))
