"""OAuth 2.0 for the network adapters, on Authlib: the authorization URL (with PKCE where
the network takes it), the code exchange and the token refresh.

Each adapter describes its token endpoint once (`TokenEndpoint`); Authlib builds and
authenticates the requests (RFC 6749, RFC 7636). They go through Authlib's httpx client
built on `http.client_options()`, so the SSRF-safe transport, the time limit and the
typed errors are those of every other call to a network:

- a 429 or 5xx answer is RateLimited or Unavailable (the endpoint's `refused` decides,
  before Authlib reads the answer);
- any other refusal (invalid_grant: a spent, revoked or expired refresh token) is
  AuthExpired: the member reconnects;
- timeouts, unreachable hosts and unreadable answers are Unavailable.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
from django.utils.translation import gettext as _

from chorus.networks import http
from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Authorization,
    Connection,
    NetworkError,
)
from chorus.networks.http import pkce_challenge, pkce_pair  # beside Mastodon's use of them

# Authlib ships no type hints, hence the ignores. It prefers the httpx2 package and warns
# when it falls back to httpx; httpx is what SafeTransport is written for, so the fallback is
# what we want, and a client on another package would not go through SafeTransport at all.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]
if not issubclass(OAuth2Client, httpx.Client):
    raise ImportError("Authlib's OAuth2Client is not an httpx client: it cannot use SafeTransport.")

__all__ = [
    "TokenEndpoint",
    "authorization",
    "exchange_code",
    "extension_grant",
    "pkce_challenge",
    "pkce_pair",
    "refresh",
    "store",
]

ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True)
class TokenEndpoint:
    """How one network's OAuth 2.0 token endpoint is called."""

    # The network's name in messages ("X"); never a token.
    label: str
    url: str
    # How the app authenticates (RFC 6749 §2.3.1): X takes HTTP Basic from confidential
    # clients, LinkedIn and Threads take client_id and client_secret as form fields.
    auth_method: ClientAuthMethod
    # The typed error for an answer that is not a token (any status but 200). It runs
    # before Authlib reads the answer, so 429 and 5xx keep their meaning.
    refused: Callable[[httpx.Response], NetworkError]
    # Seconds a token lives when the answer has no expires_in.
    default_lifetime: int = 3600
    # Some networks also want client_id as a form field with Basic auth (X).
    client_id_in_form: bool = False


def authorization(
    authorize_url: str,
    app: AppCredentials,
    *,
    redirect_uri: str,
    scope: str,
    pkce: bool = False,
) -> Authorization:
    """Where to send the member (RFC 6749 §4.1.1), with a fresh state and, with `pkce`,
    an S256 challenge whose verifier the caller keeps until the member comes back."""
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair() if pkce else ("", "")
    extra = {"code_challenge": challenge, "code_challenge_method": "S256"} if pkce else {}
    url = prepare_grant_uri(
        authorize_url,
        client_id=app.client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        **extra,
    )
    return Authorization(url=str(url), state=state, code_verifier=verifier)


def exchange_code(
    endpoint: TokenEndpoint,
    app: AppCredentials,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str = "",
) -> tuple[Connection, dict[str, Any]]:
    """A connection holding the tokens the code was exchanged for (RFC 6749 §4.1.3), not
    marked `refreshed`, and the token answer (some networks put more in it)."""
    connection = Connection(app=app, access_token="")
    fields = {"code": code, "redirect_uri": redirect_uri, "code_verifier": code_verifier}
    token = _token_request(endpoint, app, grant_type="authorization_code", fields=fields)
    store(endpoint, connection, token)
    connection.refreshed = False
    return connection, token


def refresh(endpoint: TokenEndpoint, connection: Connection) -> None:
    """New tokens into `connection` (RFC 6749 §6), `refreshed` set; AuthExpired when there
    is no refresh token or the network refuses it. A rotated refresh token replaces the
    old one; without a new one the old one stays (RFC 6749 §6)."""
    if not connection.refresh_token:
        raise AuthExpired(
            _("Your %(network)s connection has expired. Please reconnect.")
            % {"network": endpoint.label}
        )
    fields = {"refresh_token": connection.refresh_token}
    token = _token_request(endpoint, connection.app, grant_type="refresh_token", fields=fields)
    store(endpoint, connection, token)


def extension_grant(
    endpoint: TokenEndpoint,
    app: AppCredentials,
    *,
    grant_type: str,
    fields: dict[str, str],
) -> dict[str, Any]:
    """A token from a network's own grant sent by GET with its fields in the query string,
    the app not authenticated beyond those fields (Threads' th_exchange_token and
    th_refresh_token)."""
    return _token_request(endpoint, app, grant_type=grant_type, fields=fields, method="GET")


def store(endpoint: TokenEndpoint, connection: Connection, token: dict[str, Any]) -> None:
    """The tokens of a token answer into `connection`, marked `refreshed` for the caller."""
    connection.access_token = str(token["access_token"])
    connection.refresh_token = str(token.get("refresh_token") or connection.refresh_token)
    lifetime = int(token.get("expires_in") or endpoint.default_lifetime)
    connection.expires_at = datetime.now(UTC) + timedelta(seconds=lifetime)
    connection.refreshed = True


def _token_request(
    endpoint: TokenEndpoint,
    app: AppCredentials,
    *,
    grant_type: str,
    fields: dict[str, str],
    method: Literal["GET", "POST"] = "POST",
) -> dict[str, Any]:
    """One call to the token endpoint through Authlib, its failures made typed."""
    auth_method = endpoint.auth_method
    if auth_method == "client_secret_basic" and not app.client_secret:
        auth_method = "none"  # a public client: client_id as a form field, no Basic auth
    elif endpoint.client_id_in_form:
        fields = {**fields, "client_id": app.client_id}

    def checked(response: httpx.Response) -> httpx.Response:
        if response.status_code != 200:
            raise endpoint.refused(response)
        http.body(endpoint.label, response)  # a JSON object, or Unavailable
        return response

    with http.typed_errors(endpoint.label), _client(app, auth_method) as client:
        client.register_compliance_hook("access_token_response", checked)
        client.register_compliance_hook("refresh_token_response", checked)
        try:
            if grant_type == "refresh_token":
                token = client.refresh_token(endpoint.url, **fields)
            elif method == "GET":
                # The network's own grant: its fields are the whole query, no client auth.
                token = client.fetch_token(
                    endpoint.url, method="GET", grant_type=grant_type, auth=httpx.Auth(), **fields
                )
            else:
                token = client.fetch_token(endpoint.url, grant_type=grant_type, **fields)
        except OAuthError as error:  # an RFC 6749 error object in a 200 answer
            reason = error.description or error.error or _("the sign-in was not accepted")
            raise AuthExpired(
                _("%(network)s refused the connection: %(reason)s.")
                % {"network": endpoint.label, "reason": reason}
            ) from error
    if not token.get("access_token"):
        raise AuthExpired(
            _("%(network)s sent no access token. Please reconnect.") % {"network": endpoint.label}
        )
    return dict(token)


def _client(app: AppCredentials, auth_method: ClientAuthMethod) -> OAuth2Client:
    return OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        token_endpoint_auth_method=auth_method,
        **http.client_options(),
    )
