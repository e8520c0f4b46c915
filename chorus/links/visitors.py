"""Visitor keys: who clicked, without ever storing an IP address.

A visitor key is an HMAC of the IP address and user agent under a key derived from the
secret key and the day (UTC), so keys of different days stored in clicks cannot be linked,
and the raw address cannot be recovered from what is stored.

A repeat click within 24 hours is not unique, even across midnight: the redirect also
computes the visitor's key of the day before and hands it to the drainer with the click,
which looks for the visitor's earlier clicks under either key. Any moment of the 24 hours
before a click falls on the click's day or the day before, so the two keys cover the whole
window. The previous day's key only travels in the click's record; it is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings

EPOCH = date(1970, 1, 1)


@lru_cache(maxsize=4)
def _day_key(epoch_day: int) -> bytes:
    day = EPOCH.toordinal() + epoch_day
    label = b"chorus.links.visitor:" + date.fromordinal(day).isoformat().encode()
    return hmac.new(settings.SECRET_KEY.encode(), label, "sha256").digest()[:32]


def visitor_key_on(ip: str, user_agent: str, epoch_day: int) -> str:
    """The key for a day given as days since 1970-01-01 (UTC): the redirect's fast path."""
    message = f"{ip}\n{user_agent}".encode(errors="replace")
    # BLAKE2b's built-in keying is a MAC in one pass, cheaper than HMAC on the hot path.
    return hashlib.blake2b(message, key=_day_key(epoch_day), digest_size=16).hexdigest()


@lru_cache(maxsize=2)
def _day_keys(epoch_day: int) -> tuple[bytes, bytes]:
    return _day_key(epoch_day), _day_key(epoch_day - 1)


def visitor_keys_on(ip: str, user_agent: str, epoch_day: int) -> tuple[str, str]:
    """The visitor's keys of `epoch_day` and of the day before (the redirect's fast path)."""
    message = f"{ip}\n{user_agent}".encode(errors="replace")
    today, yesterday = _day_keys(epoch_day)
    return (
        hashlib.blake2b(message, key=today, digest_size=16).hexdigest(),
        hashlib.blake2b(message, key=yesterday, digest_size=16).hexdigest(),
    )


def visitor_key(ip: str, user_agent: str, day: date) -> str:
    return visitor_key_on(ip, user_agent, (day - EPOCH).days)


def client_ip(environ: dict[str, Any]) -> str:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For when behind one."""
    if settings.BEHIND_PROXY:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The right-most address was added by our own proxy: it is the one to trust.
            return str(forwarded.split(",")[-1].strip())
    return str(environ.get("REMOTE_ADDR", ""))
