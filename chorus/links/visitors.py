"""Visitor keys: who clicked, without ever storing an IP address.

A visitor key is an HMAC of the IP address and user agent under a key derived from the
secret key and the day, so keys of different days cannot be linked, and the raw address
cannot be recovered from what is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings


@lru_cache(maxsize=4)
def _day_key(day: date) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"chorus.links.visitor:" + day.isoformat().encode(), "sha256"
    ).digest()


def visitor_key(ip: str, user_agent: str, day: date) -> str:
    message = f"{ip}\n{user_agent}".encode(errors="replace")
    return hmac.new(_day_key(day), message, hashlib.sha256).hexdigest()[:32]


def client_ip(environ: dict[str, Any]) -> str:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For when behind one."""
    if settings.BEHIND_PROXY:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The right-most address was added by our own proxy: it is the one to trust.
            return str(forwarded.split(",")[-1].strip())
    return str(environ.get("REMOTE_ADDR", ""))
