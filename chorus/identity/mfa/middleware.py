"""Sends password users to set up two-step sign-in once their organization requires it
and their grace period is over.

Exempt: signed-out visitors, members who signed in through single sign-on (their identity
provider does the second step), API calls with a token, and the pages needed to set it up
or leave (allauth's two-step pages, re-authentication, sign-out, language, static files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from chorus.identity.mfa.selectors import policy as selectors
from chorus.identity.mfa.services.policy import mfa_grace_start

TOLD_KEY = "chorus_mfa_grace_told"


@dataclass(frozen=True)
class Requirement:
    """Two-step sign-in is required of this request's user: from `due` on."""

    due: datetime
    break_glass: bool

    @property
    def overdue(self) -> bool:
        return timezone.now() >= self.due


def signed_in_through_sso(request: HttpRequest) -> bool:
    """allauth records how the session signed in; single sign-on is a social login."""
    records = get_authentication_records(request, request.user)  # type: ignore[arg-type]
    return any(record.get("method") == "socialaccount" for record in records)


def requirement_for(request: HttpRequest) -> Requirement | None:
    """What the organization asks of this request's user, or None (one query when the
    organization does not require it; memoized on the request)."""
    if hasattr(request, "_chorus_mfa_requirement"):
        return request._chorus_mfa_requirement  # type: ignore[no-any-return]
    requirement = _requirement(request)
    request._chorus_mfa_requirement = requirement  # type: ignore[attr-defined]
    return requirement


def _requirement(request: HttpRequest) -> Requirement | None:
    organization = getattr(request, "organization", None)
    user = request.user
    if organization is None or not user.is_authenticated:
        return None
    policy = selectors.required_policy(organization=organization)
    if policy is None or signed_in_through_sso(request):
        return None
    if selectors.has_authenticator(user=user):
        return None
    # Break-glass admins (password sign-in kept for them while SSO is required) get no grace.
    break_glass = selectors.is_break_glass(organization=organization, user_id=user.pk)
    if break_glass:
        return Requirement(due=policy.required_since or timezone.now(), break_glass=True)
    started = mfa_grace_start(organization=organization, user=user, policy=policy)  # type: ignore[arg-type]
    due = selectors.grace_ends(started_at=started, grace_days=policy.grace_days)
    return Requirement(due=due, break_glass=False)


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def exempt_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            reverse("account_login"),
            reverse("set_language"),
            reverse("identity_mfa_required"),
            reverse("organization_theme"),
            reverse("organization_switch"),
            reverse("service_worker"),
            reverse("web_manifest"),
            settings.STATIC_URL,
            settings.MEDIA_URL,
            "/django-admin/",
            "/favicon.ico",
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(self.exempt_prefixes):
            response = self.check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        is_api = request.path.startswith("/api/")
        if is_api and "Authorization" in request.headers:
            return None
        requirement = requirement_for(request)
        if requirement is None:
            return None
        if not requirement.overdue:
            self.tell_once(request, requirement)
            return None
        if is_api:
            return JsonResponse({"detail": _("Set up two-step sign-in to continue.")}, status=403)
        url = reverse("identity_mfa_required")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)

    def tell_once(self, request: HttpRequest, requirement: Requirement) -> None:
        if request.method != "GET" or getattr(request, "htmx", False):
            return
        if request.session.get(TOLD_KEY):
            return
        request.session[TOLD_KEY] = True
        messages.info(
            request,
            _(
                "Your organization requires two-step sign-in. Set it up before %(date)s "
                "in Settings, under Two-step sign-in."
            )
            % {"date": formats.date_format(timezone.localtime(requirement.due), "DATE_FORMAT")},
        )
