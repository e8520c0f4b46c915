"""OpenID Connect through allauth, made strict for organizations' identity providers.

allauth's OpenID Connect adapter skips the ID token's signature when the token came
straight from the token endpoint (allowed by the spec over TLS) and sends no nonce.
Chorus checks both anyway: the signature against the provider's published keys (RS/ES/PS
algorithms only, never "none" or a shared-secret algorithm), issuer, audience, expiry and
issue time, and a nonce bound to the browser's sign-in state (checked in the
SocialAccountAdapter, chorus/identity/adapters.py). Endpoints come from the discovery
document stored when the admin saved the provider (fetched through chorus/core/http.py);
every request goes through the adapter's SSRF-safe session.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import jwt
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import HttpRequest, HttpResponse

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
# Clocks differ a little between Chorus and the identity provider.
LEEWAY_SECONDS = 60


class ChorusOIDCAdapter(OpenIDConnectOAuth2Adapter):  # type: ignore[misc]
    def get_provider(self) -> ChorusOIDCProvider:
        app = get_adapter().get_app(self.request, provider=self.provider_id)
        return ChorusOIDCProvider(self.request, app=app)

    @property
    def openid_config(self) -> dict[str, Any]:
        return dict(self.get_provider().app.settings.get("openid_configuration") or {})

    def _decode_id_token(self, app: Any, id_token: str) -> dict[str, Any]:
        return id_token_verify(
            id_token,
            configuration=self.openid_config,
            client_id=app.client_id,
        )


class ChorusOIDCProvider(OpenIDConnectProvider):  # type: ignore[misc]
    oauth2_adapter_class = ChorusOIDCAdapter

    def get_oauth2_adapter(self, request: HttpRequest) -> ChorusOIDCAdapter:
        return ChorusOIDCAdapter(request, self.app.provider_id)

    def redirect(
        self,
        request: HttpRequest,
        process: Any,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        auth_params = dict(kwargs.pop("auth_params", None) or self.get_auth_params())
        nonce = secrets.token_urlsafe(24)
        auth_params["nonce"] = nonce
        hint = kwargs.pop("login_hint", None) or (
            request.POST.get("login_hint") or request.GET.get("login_hint")
        )
        if hint:
            auth_params["login_hint"] = str(hint)[:254]
        response: HttpResponse = super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )
        return response


def id_token_verify(
    id_token: str, *, configuration: dict[str, Any], client_id: str
) -> dict[str, Any]:
    """The ID token's claims when its signature, issuer, audience and times hold;
    OAuth2Error otherwise."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as error:
        raise OAuth2Error("The identity provider's ID token is not a JWT.") from error
    algorithm = header.get("alg", "")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise OAuth2Error(f"ID token signed with a refused algorithm ({algorithm or 'none'}).")
    jwks_uri = configuration.get("jwks_uri")
    if not jwks_uri:
        raise OAuth2Error("The identity provider publishes no signing keys.")
    with get_adapter().get_requests_session() as session:
        response = session.get(jwks_uri)
        response.raise_for_status()
        keys = response.json().get("keys", [])
    kid = header.get("kid")
    candidates = [key for key in keys if kid is None or key.get("kid") == kid]
    candidates = [key for key in candidates if key.get("use", "sig") == "sig"]
    if not candidates:
        raise OAuth2Error("The ID token's key is not among the identity provider's keys.")
    last_error: Exception | None = None
    for jwk in candidates:
        try:
            key = jwt.PyJWK.from_json(json.dumps(jwk), algorithm=algorithm)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key.key,
                algorithms=[algorithm],
                audience=client_id,
                issuer=configuration.get("issuer"),
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            last_error = error
            continue
        azp = claims.get("azp")
        if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and azp != client_id:
            raise OAuth2Error("The ID token was issued to another client.")
        return claims
    raise OAuth2Error(f"The ID token was refused: {last_error}.") from last_error
