"""The SSRF-safe client against real servers on loopback."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", routes
    httpd.shutdown()


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
