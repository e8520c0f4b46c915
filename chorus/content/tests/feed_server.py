"""A real HTTP server on loopback serving feeds, pages and broken answers for the tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHUNK = b"<item>" + b"x" * 65_530 + b"</item>"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""
    stream_bytes: int = 0  # > 0: stream this many bytes, without a Content-Length


@dataclass
class FeedServer:
    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str = "application/rss+xml; charset=utf-8",
        etag: str = "",
        last_modified: str = "",
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        headers = {"Content-Type": content_type}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        self.routes[path] = Route(
            status=status, body=data, headers=headers, etag=etag, last_modified=last_modified
        )
        return self.url(path)

    def stream(self, path: str, size: int) -> str:
        self.routes[path] = Route(
            headers={"Content-Type": "application/rss+xml"}, stream_bytes=size
        )
        return self.url(path)

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for requested, headers in self.requests if requested == path]


class Handler(BaseHTTPRequestHandler):
    server_state: FeedServer

    def do_GET(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server_state.requests.append((self.path, headers))
        route = self.server_state.routes.get(self.path)
        if route is None:
            return self._answer(404, {"Content-Type": "text/plain"}, b"not found")
        if route.stream_bytes:
            return self._stream(route)
        unchanged = (route.etag and headers.get("if-none-match") == route.etag) or (
            route.last_modified and headers.get("if-modified-since") == route.last_modified
        )
        if unchanged:
            return self._answer(304, {"ETag": route.etag} if route.etag else {}, b"")
        return self._answer(route.status, route.headers, route.body)

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, route: Route) -> None:
        self.send_response(200)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        try:
            self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            while sent < route.stream_bytes:
                self.wfile.write(CHUNK)
                sent += len(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client stopped reading: what it should do.
        self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    state = FeedServer()
    handler = type("FeedHandler", (Handler,), {"server_state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def refused_url() -> str:
    """An address on loopback where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def rss(*items: dict[str, str], title: str = "Acme News") -> str:
    """An RSS 2.0 document; each item may have title, link, guid, description, pubDate, image."""
    parts = []
    for item in items:
        inner = "".join(
            f"<{tag}>{item[tag]}</{tag}>"
            for tag in ("title", "link", "guid", "description", "pubDate")
            if tag in item
        )
        if "image" in item:
            inner += f'<media:content url="{item["image"]}" medium="image" type="image/jpeg"/>'
        parts.append(f"<item>{inner}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>{title}</title><link>https://acme.example/</link>"
        f"<description>News</description>{''.join(parts)}</channel></rss>"
    )


def atom(*entries: dict[str, str], title: str = "Acme Blog") -> str:
    parts = []
    for entry in entries:
        parts.append(
            "<entry>"
            f"<id>{entry['id']}</id><title>{entry['title']}</title>"
            f'<link rel="alternate" href="{entry["link"]}"/>'
            f"<updated>{entry.get('updated', '2026-03-01T10:00:00Z')}</updated>"
            f'<summary type="html">{entry.get("summary", "")}</summary>'
            + (
                f'<link rel="enclosure" type="image/png" href="{entry["image"]}"/>'
                if "image" in entry
                else ""
            )
            + "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:acme:blog</id><updated>2026-03-01T10:00:00Z</updated>"
        f"{''.join(parts)}</feed>"
    )


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://bomb.example/1</link><description>&lol9;</description></item>
</channel></rss>
"""
