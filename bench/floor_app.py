"""The floor: the fastest bare Python WSGI application, a constant 302 and nothing else.

The redirect benchmark serves it with the same server and settings as Chorus, so the ratio
between the two is what our code costs, not what the machine or the server costs.
"""

from collections.abc import Callable, Iterable
from typing import Any

STATUS = "302 Found"
HEADERS = [("Location", "https://example.com/"), ("Content-Length", "0")]
BODY = [b""]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(STATUS, HEADERS)
    return BODY
