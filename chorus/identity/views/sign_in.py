"""Signed-out pages of single sign-on: discovery for the sign-in page's script, a
provider's "Continue" button, and the domain verification link."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.accounts.access import public
from chorus.identity.forms import sso_redirect
from chorus.identity.selectors.sso import discover
from chorus.identity.services import domains as domain_services


@public
@never_cache
@require_GET
def sso_discover(request: HttpRequest) -> JsonResponse:
    """Where this email signs in (no account is looked up: only its domain)."""
    email = request.GET.get("email", "")[:254]
    found = discover(email) if "@" in email else None
    if found is None:
        return JsonResponse({"sso": False})
    return JsonResponse(
        {
            "sso": True,
            "provider": found.provider.name,
            "required": found.require_sso,
            "label": _("Continue with %(provider)s") % {"provider": found.provider.name},
        }
    )


@public
@require_POST
def sso_start(request: HttpRequest) -> HttpResponse:
    """The sign-in page's "Continue with ..." button (POST, with CSRF)."""
    email = request.POST.get("login", "")[:254].strip()
    found = discover(email) if "@" in email else None
    if found is None:
        messages.error(request, _("There is no single sign-on for this email. Use your password."))
        return _back_to_sign_in()
    return sso_redirect(request, found.provider, email=email, next_url=request.POST.get("next"))


def _back_to_sign_in() -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = reverse("account_login")
    return response


@public
@never_cache
@require_http_methods(["GET", "POST"])
def domain_verify(request: HttpRequest, secret: str) -> HttpResponse:
    """The emailed link: a page with a button (mail scanners open links; only a click
    confirms)."""
    claim = domain_services.domain_claim_for_secret(secret)
    if claim is None:
        return render(request, "identity/domain_verify_invalid.html", status=404)
    if request.method == "POST":
        try:
            domain_services.domain_verify(claim=claim)
        except ValidationError as error:
            return render(
                request,
                "identity/domain_verify.html",
                {"claim": claim, "error": " ".join(error.messages)},
                status=409,
            )
        return render(request, "identity/domain_verified.html", {"claim": claim})
    return render(request, "identity/domain_verify.html", {"claim": claim})
