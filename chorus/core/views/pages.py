"""The pages outside any app: the home page, the health check, the favicon."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from chorus import home as homes
from chorus.accounts.access import public


@public
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    membership = getattr(request, "membership", None)
    if membership is None:
        return redirect("no_organization")
    home = homes.home_for(organization=membership.organization, membership=membership)
    return render(request, "core/home.html", {"home": home, "today": timezone.localdate()})


@public
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@public
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("chorus/favicon.svg"))
