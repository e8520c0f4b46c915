"""The probes a load balancer or an orchestrator asks: alive (/healthz), ready (/readyz).

They are answered by chorus.operations.middleware.RequestContextMiddleware before sessions,
CSRF, the host check and tenancy run (a probe needs none of them, and an address the
load balancer uses may not be in ALLOWED_HOSTS); they are in urls.py too, so that the
route walker sees them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from chorus.accounts.access import public
from chorus.operations.probes import readiness


@public
@csrf_exempt
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers: no database, no cache, nothing that could be slow."""
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


@public
@csrf_exempt
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: every dependency answers. 503 with the failing checks' reasons."""
    checks = readiness()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
