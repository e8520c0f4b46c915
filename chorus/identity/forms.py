"""The sign-in form with discovery: a work email at a domain with single sign-on goes to
its identity provider; a password is refused where SSO is required (except break-glass)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.identity.models import IdentityProvider, ProviderKind
from chorus.identity.selectors.sso import Discovery, discover


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def sso_redirect(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    email: str = "",
    next_url: str | None = None,
) -> HttpResponse:
    """Off to the organization's identity provider (the email as login hint)."""
    social = get_social_adapter().get_provider(request, provider.provider_id)
    kwargs: dict[str, Any] = {}
    if provider.kind == ProviderKind.OIDC and email:
        kwargs["login_hint"] = email
    response: HttpResponse = social.redirect(
        request, "login", next_url=safe_next(request, next_url), **kwargs
    )
    if response.status_code in (301, 302, 303) and response.get("Location"):
        # A page that moves on by itself, not a redirect: the CSP's form-action 'self'
        # makes browsers block a form whose answer redirects to another site.
        return render(
            request,
            "identity/opening.html",
            {"url": response["Location"], "provider": provider.name},
        )
    return response


class LoginForm(AllauthLoginForm):  # type: ignore[misc]
    """Email first: with no password and an SSO domain, straight to the identity provider."""

    sso: Discovery | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].required = False
        self.fields["login"].label = gettext_lazy("Work email")

    def clean(self) -> dict[str, Any]:
        email = str(self.data.get("login") or "").strip()
        password = str(self.data.get("password") or "")
        self.sso = discover(email) if email and "@" in email else None
        if self.sso is not None and not password and self.request is not None:
            raise ImmediateHttpResponse(
                sso_redirect(
                    self.request,
                    self.sso.provider,
                    email=email,
                    next_url=self.request.POST.get("next") or self.request.GET.get("next"),
                )
            )
        if not password:
            self.add_error("password", forms.ValidationError(_("Enter your password.")))
            return self.cleaned_data  # type: ignore[no-any-return]
        return super().clean()  # type: ignore[no-any-return]
