"""A real OpenID Connect provider on loopback for the tests, built on Authlib's server
classes (authorization code flow, client secret, RS256 ID tokens, discovery and JWKS).

It runs in a thread behind wsgiref. Its login page is a plain form (email and password).
Tests can make it misbehave the way a compromised or misconfigured IdP would: sign with a
key it does not publish, address another audience, call itself another issuer, hand out an
expired token, or repeat an old nonce.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Payload, OAuth2Request  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant  # type: ignore[import-untyped]
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # type: ignore[import-untyped]
from authlib.oidc.core import UserInfo  # type: ignore[import-untyped]
from authlib.oidc.core.grants import OpenIDCode  # type: ignore[import-untyped]
from joserfc.jwk import RSAKey

# The provider speaks plain HTTP on loopback; Authlib refuses that unless told.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")


@dataclass
class IdpUser:
    email: str
    password: str
    given_name: str = ""
    family_name: str = ""

    @property
    def sub(self) -> str:
        return "sub-" + self.email


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0] if self.redirect_uris else ""

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile", "email"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return not self.redirect_uris or redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret or "", self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: IdpUser
    nonce: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, data: dict[str, str], datalist: dict[str, list[str]]) -> None:
        self._data = data
        self._datalist = datalist

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, environ: dict[str, Any], form: dict[str, list[str]]) -> None:
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        uri = "http://{}{}".format(environ["HTTP_HOST"], environ.get("PATH_INFO", ""))
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        super().__init__(environ["REQUEST_METHOD"], uri, headers=headers)
        merged: dict[str, list[str]] = defaultdict(list)
        for source in (query, form):
            for key, values in source.items():
                merged[key].extend(values)
        self.payload = _Payload({k: v[-1] for k, v in merged.items()}, merged)
        self._query = {k: v[-1] for k, v in query.items()}
        self._form = {k: v[-1] for k, v in form.items()}

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class LoopbackOidcProvider:
    """The provider: its issuer URL, users, clients, and the misbehaviours tests ask for."""

    def __init__(self, base_url: str) -> None:
        self.issuer = base_url
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "idp-1", "use": "sig", "alg": "RS256"}
        )
        # Same key id, never published: a token signed with it has a bad signature.
        self.rogue_key = RSAKey.generate_key(
            2048, parameters={"kid": "idp-1", "use": "sig", "alg": "RS256"}
        )
        self.users: dict[str, IdpUser] = {}
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.used_nonces: set[str] = set()
        self.token_requests = 0
        # Misbehaviours: "rogue_key", "audience", "issuer", "expired", "old_nonce".
        self.misbehave: set[str] = set()
        self.last_nonce: str | None = None
        self.last_login_hint: str | None = None
        self.server = self._server()

    # -- set-up by tests ------------------------------------------------------------
    def add_user(self, email: str, password: str = "idp-password", **names: str) -> IdpUser:
        user = IdpUser(email=email, password=password, **names)
        self.users[email.lower()] = user
        return user

    def add_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str] | None = None
    ) -> Client:
        client = Client(client_id, client_secret, list(redirect_uris or []))
        self.clients[client_id] = client
        return client

    # -- Authlib server ------------------------------------------------------------
    def _server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return provider.clients.get(client_id)

            def save_token(self, token: dict[str, Any], request: Any) -> None:
                provider.token_requests += 1

            def create_oauth2_request(self, request: Any) -> Any:
                return request

            def create_json_request(self, request: Any) -> Any:
                return request

            def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: Any) -> None:
                nonce = request.payload.data.get("nonce")
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope,
                    user=request.user,
                    nonce=nonce,
                    auth_time=int(time.time()),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                if found is not None and found.client_id == client.client_id:
                    return found
                return None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                # Used once: a replayed code finds nothing.
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> IdpUser:
                return authorization_code.user

        class Oidc(OpenIDCode):  # type: ignore[misc]
            def resolve_client_private_key(self, client: Client) -> Any:
                return provider.rogue_key if "rogue_key" in provider.misbehave else provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "idp-1", "typ": "JWT"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                now = int(time.time())
                claims: dict[str, Any] = {
                    "iss": "https://impostor.example"
                    if "issuer" in provider.misbehave
                    else provider.issuer,
                    "aud": ["another-client"]
                    if "audience" in provider.misbehave
                    else [client.client_id],
                    "iat": now,
                    "exp": now + 300,
                    "jti": secrets.token_hex(8),
                }
                if "expired" in provider.misbehave:
                    claims["iat"] = now - 7200
                    claims["exp"] = now - 3600
                return claims

            def get_authorization_code_claims(self, authorization_code: Code) -> dict[str, Any]:
                claims = super().get_authorization_code_claims(authorization_code)
                if "old_nonce" in provider.misbehave and provider.last_nonce:
                    claims["nonce"] = provider.last_nonce
                elif authorization_code.nonce:
                    provider.last_nonce = authorization_code.nonce
                return claims  # type: ignore[no-any-return]

            def exists_nonce(self, nonce: str, request: Any) -> bool:
                return nonce in provider.used_nonces

            def generate_user_info(self, user: IdpUser, scope: str) -> UserInfo:
                return UserInfo(
                    sub=user.sub,
                    email=user.email,
                    email_verified=True,
                    given_name=user.given_name,
                    family_name=user.family_name,
                )

        server = Server(scopes_supported=["openid", "profile", "email"])
        server.register_token_generator(
            "default",
            BearerTokenGenerator(lambda *args, **kwargs: secrets.token_urlsafe(24)),
        )
        server.register_grant(CodeGrant, [Oidc(require_nonce=False)])
        return server

    # -- WSGI ----------------------------------------------------------------------
    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["sub", "email", "email_verified", "given_name", "family_name"],
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        form: dict[str, list[str]] = {}
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(length).decode(), keep_blank_values=True)
        if path == "/.well-known/openid-configuration":
            return _json(start_response, 200, self.configuration())
        if path == "/jwks":
            return _json(start_response, 200, {"keys": [self.key.as_dict(private=False)]})
        request = _Request(environ, form)
        if path == "/authorize":
            return self._authorize(request, start_response)
        if path == "/token" and method == "POST":
            status, body, headers = self.server.create_token_response(request)
            return _answer(start_response, status, json.dumps(body), dict(headers))
        return _answer(start_response, 404, "not found", {"Content-Type": "text/plain"})

    def _authorize(self, request: _Request, start_response: Any) -> list[bytes]:
        data = request.payload.data
        if request.method == "GET":
            self.last_login_hint = data.get("login_hint")
            try:
                self.server.get_consent_grant(request)
            except Exception as error:
                return _answer(
                    start_response, 400, f"bad request: {error}", {"Content-Type": "text/plain"}
                )
            return _answer(
                start_response,
                200,
                self.login_page(data),
                {"Content-Type": "text/html; charset=utf-8"},
            )
        user = self.users.get(str(request.form.get("email", "")).lower())
        if user is None or not secrets.compare_digest(
            user.password, request.form.get("password", "")
        ):
            return _answer(
                start_response,
                200,
                self.login_page(data, error=True),
                {"Content-Type": "text/html; charset=utf-8"},
            )
        status, body, headers = self.server.create_authorization_response(request, grant_user=user)
        return _answer(
            start_response,
            status,
            body if isinstance(body, str) else json.dumps(body or ""),
            dict(headers),
        )

    def login_page(self, data: dict[str, str], *, error: bool = False) -> str:
        hidden = "".join(
            f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
            for k, v in data.items()
            if k not in ("email", "password")
        )
        hint = html.escape(data.get("login_hint", ""))
        message = "<p role='alert'>Wrong email or password.</p>" if error else ""
        return (
            "<!doctype html><html lang='en'><head>"
            "<meta name='viewport' content='width=device-width'><link rel='icon' href='data:,'>"
            "<title>Loopback IdP</title></head><body><main><h1>Loopback identity provider</h1>"
            f"{message}<form method='post' action='/authorize'>{hidden}"
            f"<label for='email'>Email</label><input id='email' name='email' value='{hint}'>"
            "<label for='password'>Password</label>"
            "<input id='password' name='password' type='password'>"
            "<button type='submit'>Sign in at the IdP</button></form></main></body></html>"
        )

    # -- what a browser does at the provider (for tests without a browser) --------------
    def sign_in(self, authorize_url: str, email: str, password: str = "idp-password") -> str:
        """Open the authorization URL and sign in as the user; the redirect back (URL)."""
        import httpx

        with httpx.Client(follow_redirects=False, trust_env=False) as client:
            page = client.get(authorize_url)
            assert page.status_code == 200, page.text
            query = dict(httpx.URL(authorize_url).params)
            answer = client.post(
                self.issuer + "/authorize", data={**query, "email": email, "password": password}
            )
            assert answer.status_code == 302, answer.text
            return str(answer.headers["location"])


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _json(start_response: Any, status: int, body: dict[str, Any]) -> list[bytes]:
    return _answer(start_response, status, json.dumps(body), {"Content-Type": "application/json"})


STATUS = {
    200: "200 OK",
    302: "302 Found",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
}


def _answer(start_response: Any, status: int, body: str, headers: dict[str, str]) -> list[bytes]:
    data = body.encode()
    head = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    head.setdefault("Content-Type", "text/plain")
    start_response(
        STATUS.get(status, f"{status} Status"),
        [*head.items(), ("Content-Length", str(len(data)))],
    )
    return [data]


def running_provider() -> Iterator[LoopbackOidcProvider]:
    """Start the provider on a free loopback port in a thread; stop it afterwards."""
    holder: dict[str, LoopbackOidcProvider] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return holder["provider"](environ, start_response)

    httpd: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    provider = LoopbackOidcProvider(f"http://127.0.0.1:{httpd.server_port}")
    holder["provider"] = provider
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        httpd.shutdown()
        httpd.server_close()
