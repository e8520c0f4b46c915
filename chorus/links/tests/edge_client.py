"""Calling the link edge (a WSGI application) directly, as a server would, in tests."""

from __future__ import annotations

import time
from typing import Any
from wsgiref.util import setup_testing_defaults

from chorus.links.services.links import clicks_store

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)


def django_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django"]


def call(
    app: Any,
    path: str,
    *,
    method: str = "GET",
    ua: str = IPHONE,
    ip: str = "203.0.113.7",
    **extra: Any,
) -> tuple[int, dict[str, str], bytes]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        PATH_INFO=path, REQUEST_METHOD=method, HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **extra
    )
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = headers

    body = b"".join(app(environ, start_response))
    headers = answer["headers"]
    # Every header a server would send must be a clean latin-1 line.
    for name, value in headers:
        assert "\r" not in value and "\n" not in value, (name, value)
        value.encode("latin-1")
    return answer["status"], dict(headers), body


def drain(edge: Any) -> int:
    return int(edge.sink.drain(clicks_store, now=time.time() + 60))
