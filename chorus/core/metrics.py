"""Process-local Prometheus counters that any app may increment (chorus/operations serves them).

They live at the bottom layer so that the redirect (links), publishing (sharing) and the
request middleware (operations) count into the same families. Counting is an in-memory
increment: with several worker processes, set PROMETHEUS_MULTIPROC_DIR (README,
"Operations") and prometheus-client keeps each process's values in a memory-mapped file
there that /metrics adds up; without it, each process counts for itself (one process:
runserver, one worker).

Gauges that describe the database (queues, backlogs) are not here: they are read when
/metrics is scraped (chorus/operations/collectors.py).
"""

from __future__ import annotations

import atexit
import itertools
import os
import threading
import time
from typing import Any

from prometheus_client import Counter, Histogram, disable_created_metrics

# The *_created samples (when each series began) double the output and say little here.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds; a page is expected well under a second, an export may take several.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

http_requests = Counter(
    "chorus_http_requests",
    "HTTP requests answered by Django, by method, route name and status class.",
    ["method", "route", "status"],
)
http_request_duration = Histogram(
    "chorus_http_request_duration_seconds",
    "Time Django took to answer a request, by method, route name and status class.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

redirects = Counter(
    "chorus_redirects",
    "Requests to /l/<code> answered by the edge, by outcome "
    "(redirected, fallback, gone, not_found, method_not_allowed).",
    ["outcome"],
)


class HotCounter:
    """A counter for the redirect's hot path, published into a prometheus-client counter.

    prometheus-client's increment takes a lock (about 1 µs); this one is `next()` on an
    itertools.count (atomic under the GIL, about 0.1 µs). What it counted is added to the
    prometheus counter at most once a second by the counting process itself (so
    multiprocess mode sees it, at most a second late while redirects keep coming), by
    /metrics before a scrape in this process, and when the process exits.
    """

    FLUSH_SECONDS = 1.0

    def __init__(self, child: Any) -> None:
        self._child = child
        self._count = itertools.count(1)
        self._lock = threading.Lock()
        self._published = 0
        self._peeks = 0  # next() calls made to read the count, not to count
        self._flush_at = 0.0
        _hot_counters.append(self)
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        # A forked worker starts from nothing: its parent's counts are its parent's.
        self._count = itertools.count(1)
        self._lock = threading.Lock()
        self._published = self._peeks = 0
        self._flush_at = 0.0

    def inc(self, now: float) -> None:
        """Count one; `now` is time.time() (the redirect has it already)."""
        counted = next(self._count)
        if now >= self._flush_at:
            self._publish(counted, now)

    def flush(self) -> None:
        with self._lock:
            self._peeks += 1
            self._publish_locked(next(self._count) - self._peeks, time.time())

    def _publish(self, counted: int, now: float) -> None:
        with self._lock:
            self._publish_locked(counted - self._peeks, now)

    def _publish_locked(self, total: int, now: float) -> None:
        # `total` never exceeds the true count (peeks made since it was read lower it);
        # a smaller one than already published is simply not news.
        if total > self._published:
            self._child.inc(total - self._published)
            self._published = total
        self._flush_at = now + self.FLUSH_SECONDS


_hot_counters: list[HotCounter] = []


def flush_hot_counters() -> None:
    for counter in _hot_counters:
        counter.flush()


# A worker that stops (a restart, max-requests) publishes what it counted last.
atexit.register(flush_hot_counters)


# Bound once: the redirect counts without looking labels up.
REDIRECTED = HotCounter(redirects.labels("redirected"))
REDIRECT_FALLBACK = HotCounter(redirects.labels("fallback"))
REDIRECT_GONE = HotCounter(redirects.labels("gone"))
REDIRECT_NOT_FOUND = HotCounter(redirects.labels("not_found"))
REDIRECT_METHOD_NOT_ALLOWED = HotCounter(redirects.labels("method_not_allowed"))
