"""The Redis server the Redis tests use: 127.0.0.1:6379, database 15.

Tests marked `requires_redis` are skipped, with the reason, only when no server answers
there; set CHORUS_REQUIRE_REDIS=1 (as CI should) to make that a failure instead. A missing
client library, or a server that answers with an error (e.g. it wants a password), fails
them: neither is "no Redis here".
"""

from __future__ import annotations

import os
import time

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_unavailable(url: str = REDIS_URL, *, attempts: int = 3) -> str | None:
    """Why no Redis server answers at `url`, or None when one does (a busy machine gets a
    few tries)."""
    error: Exception | None = None
    for _attempt in range(attempts):
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
            return None
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            error = exc
            time.sleep(0.2)
        finally:
            client.close()
    return f"No Redis server answers on {url.rsplit('/', 1)[0]}: {error}"


_UNAVAILABLE = redis_unavailable()
if _UNAVAILABLE is not None and os.environ.get("CHORUS_REQUIRE_REDIS"):
    raise RuntimeError(f"{_UNAVAILABLE} (CHORUS_REQUIRE_REDIS is set)")
requires_redis = pytest.mark.skipif(_UNAVAILABLE is not None, reason=_UNAVAILABLE or "")
