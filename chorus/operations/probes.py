"""What `/readyz` checks: the database, the cache and where the redirect puts its clicks.

Each check answers None when all is well, or a reason in a few words (the exception's
class, never its message: the probe is public and messages name hosts and paths; the
whole error is logged instead).
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 1.0
_redis_clients: dict[str, Any] = {}


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("Readiness: the database did not answer", exc_info=True)
        # A broken connection must not be reused by the next probe.
        connection.close_if_unusable_or_obsolete()
        return f"the database did not answer ({type(error).__name__})"
    return None


def check_cache() -> str | None:
    key = f"chorus:readyz:{secrets.token_hex(4)}"
    value = secrets.token_hex(8)
    try:
        cache.set(key, value, 10)
        read = cache.get(key)
        cache.delete(key)
    except Exception as error:
        logger.warning("Readiness: the cache did not answer", exc_info=True)
        return f"the cache did not answer ({type(error).__name__})"
    if read != value:
        return "the cache did not keep a value"
    return None


def _redis(url: str) -> Any:
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = _redis_clients[url] = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
    return client


def check_clicks() -> str | None:
    if settings.CLICKS_BACKEND == "redis":
        if not settings.CLICKS_REDIS_URL:
            return "CLICKS_BACKEND is redis but no CLICKS_REDIS_URL or REDIS_URL is set"
        try:
            _redis(settings.CLICKS_REDIS_URL).ping()
        except Exception as error:
            logger.warning("Readiness: the click stream's Redis did not answer", exc_info=True)
            return f"the click stream's Redis did not answer ({type(error).__name__})"
        return None
    directory = settings.CLICKS_DIR
    try:
        os.makedirs(directory, exist_ok=True)
        # Really write: a read-only or full file system passes os.access.
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".readyz-") as handle:
            handle.write(b"ok")
            handle.flush()
    except OSError as error:
        logger.warning("Readiness: the click directory is not writable", exc_info=True)
        return f"the click directory is not writable ({type(error).__name__})"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "cache": check_cache,
    "clicks": check_clicks,
}


def readiness() -> dict[str, dict[str, Any]]:
    """Every check by name: {"ok": bool} and, when not ok, its "error"."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        error = check()
        results[name] = {"ok": True} if error is None else {"ok": False, "error": error}
    return results
