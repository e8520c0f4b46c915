from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.csrf import requires_csrf_token

from chorus.accounts.access import public


@public
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    membership = getattr(request, "membership", None)
    if membership is None:
        return redirect("no_organization")
    return render(request, "core/home.html", {})


@public
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@public
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("chorus/favicon.svg"))


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
