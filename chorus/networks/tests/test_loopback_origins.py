"""HTTP_LOOPBACK_ORIGINS: tests of several processes serve a network's origin on loopback;
only while HTTP_ALLOW_LOOPBACK is on (never in production)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chorus.networks import http as network_http
from chorus.networks.base import Unavailable


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        data = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_mapped_origin_is_served_by_the_loopback_server(settings, server):
    settings.HTTP_ALLOW_LOOPBACK = True
    settings.HTTP_LOOPBACK_ORIGINS = {"https://mastodon.example": server}
    response = network_http.request(
        "Mastodon", "GET", "https://mastodon.example/api/v1/statuses?x=1"
    )
    assert response.json() == {"path": "/api/v1/statuses?x=1"}
    # Only the origin itself: a longer host name is another server.
    assert network_http.routed("https://mastodon.example.org/a") == "https://mastodon.example.org/a"


def test_without_loopback_allowed_the_map_is_ignored(settings, server):
    settings.HTTP_ALLOW_LOOPBACK = False
    settings.HTTP_LOOPBACK_ORIGINS = {"https://mastodon.example": server}
    assert network_http.routed("https://mastodon.example/x") == "https://mastodon.example/x"
    with pytest.raises(Unavailable):
        # The origin is looked up for real (and .example never resolves): no fake reached.
        network_http.request("Mastodon", "GET", "https://mastodon.example/x")
