"""allauth adapters for single sign-on per organization.

`SocialAccountAdapter` (settings.SOCIALACCOUNT_ADAPTER) makes allauth's `SocialApp`s from
the organizations' `IdentityProvider` rows: unsaved, the client secret decrypted only in
memory, provider id `org-<organization id>-<kind>`. A disabled provider has no app, except
for the admin who is testing it ("Sign in with it now"). Its `pre_social_login` decides
every SSO sign-in: just-in-time membership (chorus.identity.services.jit), the nonce of
OpenID Connect, and the refusals in words. Its requests session goes through the SSRF-safe
transport of chorus/core/http.py.

`AccountAdapter` (settings.ACCOUNT_ADAPTER) adds "Require SSO" to the invitation-only
account adapter: password sign-in and password reset refused at the organization's
domains, except for break-glass admins.
"""

from __future__ import annotations

from typing import Any

import httpx
import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from requests.structures import CaseInsensitiveDict

from chorus.accounts.adapters import AccountAdapter as InvitationOnlyAccountAdapter
from chorus.accounts.middleware import SESSION_KEY
from chorus.core.http import SafeTransport, check_url
from chorus.core.tenancy import in_organization
from chorus.identity.models import IdentityProvider, ProviderKind
from chorus.identity.selectors.sso import PROVIDER_ID, password_refused, provider_by_allauth_id
from chorus.identity.services.jit import SsoRefused, sso_member

# The session key of a provider an admin is trying out (its pk): allowed while disabled,
# and the sign-in only reports what the provider said, it signs nobody in.
TESTING_KEY = "identity_testing_provider"
TEST_RESULT_KEY = "identity_test_result"


class SafeSession(requests.Session):
    """A requests session (what allauth calls) whose requests go through Chorus's SSRF-safe
    transport: checked addresses, no proxies from the environment, bounded time."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        target = check_url(url.decode() if isinstance(url, bytes) else str(url))
        auth = kwargs.get("auth")
        headers = dict(kwargs.get("headers") or {})
        headers.setdefault("User-Agent", settings.HTTP_USER_AGENT)
        if isinstance(auth, requests.auth.HTTPBasicAuth):
            basic: Any = httpx.BasicAuth(auth.username, auth.password)
        else:
            basic = None
        with httpx.Client(
            transport=SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
            timeout=httpx.Timeout(settings.HTTP_TIMEOUT),
            follow_redirects=False,
            trust_env=False,
        ) as client:
            try:
                answer = client.request(
                    method.decode() if isinstance(method, bytes) else method,
                    target,
                    params=kwargs.get("params"),
                    data=kwargs.get("data"),
                    headers=headers,
                    auth=basic,
                )
            except httpx.HTTPError as error:
                raise requests.ConnectionError(str(error)[:200]) from error
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content[: settings.HTTP_MAX_BYTES]
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response.url = str(target)
        response.encoding = answer.encoding
        return response


def social_app(provider: IdentityProvider) -> SocialApp:
    """The unsaved allauth app for a provider (secret decrypted in memory only)."""
    if provider.kind == ProviderKind.OIDC:
        return SocialApp(
            provider="openid_connect",
            provider_id=provider.provider_id,
            name=provider.name,
            client_id=provider.client_id,
            secret=provider.client_secret,
            settings={
                "server_url": provider.issuer,
                "openid_configuration": provider.oidc_configuration,
                "fetch_userinfo": bool(provider.oidc_configuration.get("userinfo_endpoint")),
            },
        )
    from chorus.identity import saml

    return saml.social_app(provider)


def _testing(request: HttpRequest | None, provider: IdentityProvider) -> bool:
    if request is None or not hasattr(request, "session"):
        return False
    return bool(request.session.get(TESTING_KEY) == provider.pk)


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        name = provider or ""
        if not PROVIDER_ID.match(name) and client_id and PROVIDER_ID.match(client_id):
            name = client_id
        found = provider_by_allauth_id(name)
        if found is None:
            return []
        if provider and provider not in (found.provider_id, social_app(found).provider):
            return []
        if not found.enabled and not _testing(request, found):
            return []
        return [social_app(found)]

    def get_provider(
        self, request: HttpRequest, provider: str, client_id: str | None = None
    ) -> Any:
        from chorus.identity.oidc import ChorusOIDCProvider

        if provider == "openid_connect" or (
            PROVIDER_ID.match(provider or "") and provider.endswith("-oidc")
        ):
            app = self.get_app(request, provider=provider, client_id=client_id)
            return ChorusOIDCProvider(request, app=app)
        return super().get_provider(request, provider, client_id=client_id)

    def get_requests_session(self) -> requests.Session:
        return SafeSession()

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # The account is made by pre_social_login (just-in-time membership), never by a
        # sign-up form; allauth is only told that an SSO account may exist.
        return True

    def is_email_verified(self, provider: Any, email: str) -> bool:
        # pre_social_login refused every address outside the organization's verified
        # domains before allauth asks.
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = provider_by_allauth_id(sociallogin.account.provider)
        if provider is None:
            raise ImmediateHttpResponse(_refused(request, _("This identity provider is unknown.")))
        _check_nonce(request, provider, sociallogin)
        email = _email_of(sociallogin)
        if _testing(request, provider):
            request.session.pop(TESTING_KEY, None)
            request.session[TEST_RESULT_KEY] = {"provider": provider.pk, "email": email}
            raise ImmediateHttpResponse(redirect("identity_sso"))
        linked = sociallogin.user if sociallogin.is_existing else None
        try:
            with in_organization(provider.organization_id):
                provider = IdentityProvider.objects.select_related("organization").get(
                    pk=provider.pk
                )
            member = sso_member(
                provider=provider,
                email=email,
                first_name=str(_claims_of(sociallogin).get("given_name", "") or ""),
                last_name=str(_claims_of(sociallogin).get("family_name", "") or ""),
                user=linked,
            )
        except SsoRefused as error:
            raise ImmediateHttpResponse(_refused(request, str(error))) from error
        if not sociallogin.is_existing:
            sociallogin.user = member.user
            sociallogin.save(request)
        request.session[SESSION_KEY] = provider.organization_id


def _claims_of(sociallogin: SocialLogin) -> dict[str, Any]:
    """What the provider said about the person (OIDC: userinfo or the ID token)."""
    data = sociallogin.account.extra_data or {}
    claims = data.get("userinfo") or data.get("id_token") or data
    return claims if isinstance(claims, dict) else {}


def _email_of(sociallogin: SocialLogin) -> str:
    claims = _claims_of(sociallogin)
    if claims.get("email"):
        return str(claims["email"])
    if sociallogin.user is not None and sociallogin.user.email:
        return str(sociallogin.user.email)
    for address in sociallogin.email_addresses:
        return str(address.email)
    return ""


def _check_nonce(
    request: HttpRequest, provider: IdentityProvider, sociallogin: SocialLogin
) -> None:
    if provider.kind != ProviderKind.OIDC:
        return
    expected = (sociallogin.state or {}).get("nonce")
    claims = (sociallogin.account.extra_data or {}).get("id_token") or {}
    if not expected or not isinstance(claims, dict) or claims.get("nonce") != expected:
        raise ImmediateHttpResponse(
            _refused(
                request,
                _("The identity provider's answer does not belong to this sign-in. Start again."),
            )
        )


def _refused(request: HttpRequest, message: str) -> Any:
    return render(request, "identity/sso_refused.html", {"message": message}, status=403)


class AccountAdapter(InvitationOnlyAccountAdapter):
    """Invitation-only, and "Require SSO" for password sign-in and reset."""

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        email = str(credentials.get("email") or credentials.get("login") or "")
        found = password_refused(email) if email else None
        if found is not None:
            raise ValidationError(
                sso_required_message(found.organization.name, found.provider.name)
            )
        return super().authenticate(request, **credentials)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        found = password_refused(email)
        if found is not None:
            raise ValidationError(
                sso_required_message(found.organization.name, found.provider.name)
            )
        return email


def sso_required_message(organization: str, provider: str) -> str:
    return _(
        "%(organization)s signs you in with single sign-on: use “Continue with %(provider)s” "
        "instead of a password."
    ) % {"organization": organization, "provider": provider}
