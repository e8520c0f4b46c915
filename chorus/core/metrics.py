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

from prometheus_client import Counter, Histogram

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
# Bound once: the redirect increments a child without looking its labels up.
REDIRECTED = redirects.labels("redirected")
REDIRECT_FALLBACK = redirects.labels("fallback")
REDIRECT_GONE = redirects.labels("gone")
REDIRECT_NOT_FOUND = redirects.labels("not_found")
REDIRECT_METHOD_NOT_ALLOWED = redirects.labels("method_not_allowed")
