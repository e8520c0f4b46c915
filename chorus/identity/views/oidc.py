"""allauth's OpenID Connect sign-in and callback for organizations' providers, at
allauth's own addresses (they shadow allauth's views): the strict adapter of
chorus/identity/oidc.py verifies every ID token's signature and nonce."""

from __future__ import annotations

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404, HttpRequest, HttpResponse

from chorus.accounts.access import public
from chorus.identity.oidc import ChorusOIDCAdapter


@public
@login_not_required  # type: ignore[untyped-decorator]
def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2LoginView.adapter_view(ChorusOIDCAdapter(request, provider_id))
        return view(request)  # type: ignore[no-any-return]
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


@public
@login_not_required  # type: ignore[untyped-decorator]
def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(ChorusOIDCAdapter(request, provider_id))
        return view(request)  # type: ignore[no-any-return]
    except SocialApp.DoesNotExist as error:
        raise Http404 from error
