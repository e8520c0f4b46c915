"""/metrics: Prometheus' text format, for a scraper that holds METRICS_TOKEN."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from chorus.accounts.access import public
from chorus.core.metrics import flush_hot_counters
from chorus.operations.collectors import DatabaseCollector


def scrape_registry() -> CollectorRegistry:
    """The process's counters (or every worker's, in multiprocess mode) and the gauges read
    from the database now."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        # This process's counters, and its own process and garbage collector figures.
        registry.register(REGISTRY)
    registry.register(DatabaseCollector())
    return registry


def authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@public
@csrf_exempt
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        # Not configured: as if there were no such page.
        return HttpResponseNotFound(b"Not found\n", content_type="text/plain")
    if not authorized(request, token):
        response = HttpResponse(b"Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    flush_hot_counters()
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
