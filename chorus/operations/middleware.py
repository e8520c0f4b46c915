"""Every request: its id, its log context, its metrics; the probes answered early."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from chorus.core import metrics
from chorus.core.logs import bind_identity
from chorus.operations.views import metrics as metrics_view
from chorus.operations.views import probes

logger = logging.getLogger("chorus.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept when it looks like one (a proxy's or load balancer's); anything
# else (too long, spaces, control characters) is replaced by our own.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{7,127}")
Endpoint = Callable[[HttpRequest], HttpResponse]
# Answered before sessions, CSRF, the host check and tenancy: they need none of them.
EARLY: dict[str, tuple[str, Endpoint]] = {
    "/healthz": ("healthz", probes.healthz),
    "/readyz": ("readyz", probes.readyz),
    "/metrics": ("metrics", metrics_view.metrics),
}


def request_id_of(request: HttpRequest) -> str:
    incoming = str(request.META.get("HTTP_X_REQUEST_ID", ""))
    if SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class RequestContextMiddleware:
    """First in MIDDLEWARE: the request id (kept from X-Request-ID when sane, returned in
    the response's header) bound to every log line of the request, its duration and status
    counted by route name (never the path: it holds ids), and one log line per request
    (probes and scrapes at DEBUG, so that a load balancer does not fill the logs).
    """

    def __init__(self, get_response: Endpoint) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        early = EARLY.get(request.path_info)
        try:
            if early is not None:
                route, endpoint = early
                response = endpoint(request)
            else:
                response = self.get_response(request)
                match = request.resolver_match
                route = (match.view_name or match.url_name or "unnamed") if match else "unmatched"
            elapsed = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            labels = (request.method or "", route, status_class(response.status_code))
            metrics.http_requests.labels(*labels).inc()
            metrics.http_request_duration.labels(*labels).observe(elapsed)
            logger.log(
                logging.DEBUG if early is not None else logging.INFO,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={"route": route, "duration_ms": round(elapsed * 1000, 1)},
            )
            return response
        finally:
            structlog.contextvars.clear_contextvars()


class RequestIdentityMiddleware:
    """Last in MIDDLEWARE (after OrganizationMiddleware): binds the ids of who is asking,
    and of the organization they act in, to the request's log lines (ids only, never an
    email address or a name). The API's token auth binds its own (chorus/api/auth.py)."""

    def __init__(self, get_response: Endpoint) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        organization = getattr(request, "organization", None)
        bind_identity(
            user_id=user.pk if user is not None and user.is_authenticated else None,
            organization_id=organization.pk if organization is not None else None,
        )
        return self.get_response(request)
