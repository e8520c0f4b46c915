"""The SSRF-safe client against real servers on loopback."""

from __future__ import annotations

import gzip
import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import pytest

from chorus.core.http import BlockedAddress, FetchError, address_allowed, fetch


class Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self):
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    handler = type("RouteHandler", (Handler,), {"routes": routes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits for it, once per test.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", routes
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("224.0.0.1", False),
    ],
)
def test_only_public_addresses_are_allowed(address, allowed):
    assert address_allowed(address, allow_loopback=False) is allowed


# IPv4 addresses hidden in IPv6 ones -------------------------------------------------------

EMBEDDED = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1", "8.8.8.8"]
TEREDO_SERVER = ipaddress.IPv4Address("65.54.227.120")


def embed(form: str, ipv4: str) -> str:
    """`ipv4` written inside an IPv6 address the way `form` carries it."""
    bits = int(ipaddress.IPv4Address(ipv4))
    if form == "mapped":  # ::ffff:a.b.c.d
        return str(ipaddress.IPv6Address((0xFFFF << 32) | bits))
    if form == "compatible":  # ::a.b.c.d
        return str(ipaddress.IPv6Address(bits))
    if form == "nat64":  # 64:ff9b::a.b.c.d
        return str(ipaddress.IPv6Address((0x64FF9B << 96) | bits))
    if form == "nat64-local":  # 64:ff9b:1::a.b.c.d
        return str(ipaddress.IPv6Address((0x64FF9B0001 << 80) | bits))
    if form == "6to4":  # 2002:aabb:ccdd::1
        return str(ipaddress.IPv6Address((0x2002 << 112) | (bits << 80) | 1))
    if form == "teredo-client":  # the client's address, obfuscated, in the low 32 bits
        server = int(TEREDO_SERVER)
        return str(ipaddress.IPv6Address((0x20010000 << 96) | (server << 64) | (bits ^ 0xFFFFFFFF)))
    if form == "teredo-server":
        client = int(TEREDO_SERVER) ^ 0xFFFFFFFF
        return str(ipaddress.IPv6Address((0x20010000 << 96) | (bits << 64) | client))
    raise AssertionError(form)


# Forms that reach the embedded IPv4 address itself: a global one may pass (NAT64 is how an
# IPv6-only network reaches IPv4-only sites). The others are refused whatever they carry.
UNWRAPPED_FORMS = ["mapped", "nat64", "6to4"]
REFUSED_FORMS = ["compatible", "nat64-local", "teredo-client", "teredo-server"]
FORMS = UNWRAPPED_FORMS + REFUSED_FORMS


def test_the_forms_carry_the_address_where_the_standards_put_it():
    assert embed("mapped", "127.0.0.1") == "::ffff:7f00:1"
    assert embed("compatible", "127.0.0.1") == "::7f00:1"
    assert embed("nat64", "127.0.0.1") == "64:ff9b::7f00:1"
    assert embed("nat64-local", "127.0.0.1") == "64:ff9b:1::7f00:1"
    assert ipaddress.IPv6Address(embed("6to4", "10.0.0.1")).sixtofour == ipaddress.IPv4Address(
        "10.0.0.1"
    )
    client = ipaddress.IPv6Address(embed("teredo-client", "10.0.0.1")).teredo
    server = ipaddress.IPv6Address(embed("teredo-server", "10.0.0.1")).teredo
    assert client == (TEREDO_SERVER, ipaddress.IPv4Address("10.0.0.1"))
    assert server == (ipaddress.IPv4Address("10.0.0.1"), TEREDO_SERVER)


@pytest.mark.parametrize("ipv4", EMBEDDED)
@pytest.mark.parametrize("form", FORMS)
def test_an_ipv4_address_inside_ipv6_is_judged_as_that_address(form, ipv4):
    allowed = form in UNWRAPPED_FORMS and ipv4 == "8.8.8.8"
    assert address_allowed(embed(form, ipv4), allow_loopback=False) is allowed


@pytest.mark.parametrize("ipv4", EMBEDDED)
@pytest.mark.parametrize("form", FORMS)
def test_allowing_loopback_allows_only_this_machines_loopback(form, ipv4):
    # ::ffff:127.0.0.1 is 127.0.0.1 on a dual-stack socket; 127.0.0.1 inside NAT64 or 6to4
    # is the translator's loopback, not ours.
    allowed = form in UNWRAPPED_FORMS and (
        ipv4 == "8.8.8.8" or (form == "mapped" and ipv4 == "127.0.0.1")
    )
    assert address_allowed(embed(form, ipv4), allow_loopback=True) is allowed


@pytest.mark.parametrize(
    "address",
    ["::", "::1", "fec0::1", "3fff::1", "2001:db8::1", "100::1", "ff02::1", "64:ff9b:1::1"],
)
def test_ipv6_addresses_that_are_not_globally_routable_are_refused(address):
    assert address_allowed(address, allow_loopback=False) is False


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses the client really connects to; only loopback ones are let through."""
    attempted: list[str] = []
    connect = httpcore.SyncBackend.connect_tcp

    def spy(self, host, port, *args, **kwargs):
        attempted.append(host)
        if host != "127.0.0.1":
            raise httpcore.ConnectError("the tests never leave this machine")
        return connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", spy)
    return attempted


REFUSED_EMBEDDINGS = [
    (form, ipv4)
    for form in FORMS
    for ipv4 in EMBEDDED
    if not (form in UNWRAPPED_FORMS and ipv4 == "8.8.8.8")
    and not (form == "mapped" and ipv4 == "127.0.0.1")  # this machine's loopback, allowed
]


@pytest.mark.parametrize(("form", "ipv4"), REFUSED_EMBEDDINGS)
def test_fetching_an_ipv6_address_with_a_hidden_private_ipv4_is_refused_before_connecting(
    connections, form, ipv4
):
    with pytest.raises(BlockedAddress):
        fetch(f"http://[{embed(form, ipv4)}]/", allow_loopback=True, timeout=2)
    assert connections == []


@pytest.mark.parametrize(("form", "ipv4"), REFUSED_EMBEDDINGS)
def test_a_redirect_to_an_ipv6_address_with_a_hidden_private_ipv4_is_refused(
    server, connections, form, ipv4
):
    base, routes = server
    target = f"http://[{embed(form, ipv4)}]:{base.rsplit(':', 1)[1]}/admin"
    routes["/go"] = (302, {"Location": target}, b"")
    with pytest.raises(BlockedAddress):
        fetch(base + "/go", allow_loopback=True, timeout=2)
    assert connections == ["127.0.0.1"]


def test_nat64_of_a_global_address_is_fetched(connections):
    with pytest.raises(FetchError, match="could not connect"):
        fetch("http://[64:ff9b::808:808]/", timeout=2)
    assert connections == ["64:ff9b::808:808"]


def test_loopback_is_refused_unless_allowed(server):
    base, routes = server
    routes["/"] = (200, {"Content-Type": "text/plain"}, b"hello")
    with pytest.raises(BlockedAddress):
        fetch(base + "/", allow_loopback=False)
    assert fetch(base + "/", allow_loopback=True).content == b"hello"


def test_localhost_name_is_refused(server):
    base, routes = server
    routes["/"] = (200, {}, b"hello")
    with pytest.raises(BlockedAddress):
        fetch(base.replace("127.0.0.1", "localhost") + "/", allow_loopback=False)


def test_redirects_are_followed_and_each_hop_is_checked(server):
    base, routes = server
    routes["/a"] = (302, {"Location": "/b"}, b"")
    routes["/b"] = (301, {"Location": base + "/c"}, b"")
    routes["/c"] = (200, {}, b"done")
    result = fetch(base + "/a", allow_loopback=True)
    assert result.content == b"done"
    assert result.url == base + "/c"
    assert len(result.redirects) == 2


def test_redirect_to_a_private_address_is_refused(server):
    base, routes = server
    routes["/a"] = (302, {"Location": "http://10.0.0.1/admin"}, b"")
    with pytest.raises(BlockedAddress):
        fetch(base + "/a", allow_loopback=True)


def test_redirect_to_another_scheme_is_refused(server):
    base, routes = server
    routes["/a"] = (302, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(FetchError, match="only http and https"):
        fetch(base + "/a", allow_loopback=True)


def test_redirect_loops_stop(server):
    base, routes = server
    routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(base + "/loop", allow_loopback=True)


def test_large_responses_are_cut_off(server):
    base, routes = server
    routes["/big"] = (200, {}, b"x" * 2_000_000)
    with pytest.raises(FetchError, match="too large"):
        fetch(base + "/big", allow_loopback=True, max_bytes=1_000_000)


def test_gzip_bombs_are_cut_off_after_decompression(server):
    base, routes = server
    routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"\0" * 20_000_000))
    with pytest.raises(FetchError, match="too large"):
        fetch(base + "/bomb", allow_loopback=True, max_bytes=1_000_000)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "javascript:alert(1)",
        "http://",
        "not a url",
        "http://user:pw@example.com/",
    ],
)
def test_bad_urls_are_refused_with_a_reason(url):
    with pytest.raises(FetchError):
        fetch(url)


def test_unreachable_port_is_explained():
    with pytest.raises(FetchError, match="could not connect"):
        fetch("http://127.0.0.1:9/", allow_loopback=True, timeout=2)


def test_slow_server_times_out():
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        with pytest.raises(FetchError, match="timed out"):
            fetch(f"http://127.0.0.1:{port}/", allow_loopback=True, timeout=0.5)
    finally:
        listener.close()


def test_a_broken_internationalised_host_is_refused_in_words() -> None:
    from chorus.core.http import RefusedAddress, check_url

    with pytest.raises(RefusedAddress, match="not a valid web address"):
        check_url("https://xn--zz.example/")
