"""The error pages Django answers with (handler403, handler404, handler500)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {}, status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # A bare template: the context processors may be what failed.
    from django.template.loader import get_template

    return HttpResponse(get_template("500.html").render({}), status=500)
