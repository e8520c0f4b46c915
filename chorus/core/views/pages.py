"""The pages outside any app: the home page, the favicon (the probes: chorus/operations)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
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
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("chorus/favicon.svg"))
