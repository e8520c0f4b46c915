"""The shared OAuth 2.0 client (Authlib) against RFC 6749 / RFC 7636 shapes, faked with respx."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from chorus.networks import oauth
from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Connection,
    NetworkError,
    RateLimited,
    Unavailable,
)

TOKEN = "https://auth.example/oauth/token"
APP = AppCredentials(client_id="client-1", client_secret="secret-1")
BASIC = "Basic " + base64.b64encode(b"client-1:secret-1").decode()


def refused(response: httpx.Response) -> NetworkError:
    description = response.json().get("error_description", "")
    return AuthExpired(f"Example refused the connection: {description}.", status=400)


BASIC_ENDPOINT = oauth.TokenEndpoint(
    label="Example", url=TOKEN, auth_method="client_secret_basic", refused=refused
)
POST_ENDPOINT = oauth.TokenEndpoint(
    label="Example", url=TOKEN, auth_method="client_secret_post", refused=refused
)


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


@pytest.fixture
def connection() -> Connection:
    return Connection(
        app=APP,
        access_token="access-old",
        refresh_token="refresh-old",
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )


def test_s256_challenge_matches_the_rfc_7636_test_vector():
    # RFC 7636, Appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert oauth.pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_are_long_unreserved_never_repeat_and_come_with_their_challenge():
    (first, challenge), (second, _) = oauth.pkce_pair(), oauth.pkce_pair()

    assert first != second
    assert challenge == oauth.pkce_challenge(first)
    assert 43 <= len(first) <= 128
    assert re.fullmatch(r"[A-Za-z0-9\-._~]+", first)


def test_authorization_with_pkce_sends_the_challenge_of_the_verifier_it_keeps():
    found = oauth.authorization(
        "https://auth.example/authorize",
        APP,
        redirect_uri="https://chorus.example/cb",
        scope="read write",
        pkce=True,
    )

    query = {key: values[0] for key, values in parse_qs(urlsplit(found.url).query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": "https://chorus.example/cb",
        "scope": "read write",
        "state": found.state,
        "code_challenge": oauth.pkce_challenge(found.code_verifier),
        "code_challenge_method": "S256",
    }


def test_authorization_without_pkce_has_no_challenge_and_no_verifier():
    found = oauth.authorization(
        "https://auth.example/authorize", APP, redirect_uri="https://chorus.example/cb", scope="r"
    )

    assert "code_challenge" not in found.url
    assert found.code_verifier == ""
    assert len(found.state) >= 32


@respx.mock
def test_exchange_code_sends_the_verifier_and_returns_an_unrefreshed_connection():
    route = respx.post(TOKEN).respond(
        200, json={"access_token": "a1", "refresh_token": "r1", "expires_in": 600}
    )

    connection, token = oauth.exchange_code(
        POST_ENDPOINT,
        APP,
        code="code-1",
        redirect_uri="https://chorus.example/cb",
        code_verifier="v" * 43,
    )

    assert form(route.calls.last.request) == {
        "grant_type": ["authorization_code"],
        "code": ["code-1"],
        "redirect_uri": ["https://chorus.example/cb"],
        "code_verifier": ["v" * 43],
        "client_id": ["client-1"],
        "client_secret": ["secret-1"],
    }
    assert "authorization" not in route.calls.last.request.headers
    assert (connection.access_token, connection.refresh_token) == ("a1", "r1")
    assert connection.refreshed is False
    assert token["access_token"] == "a1"


@respx.mock
def test_refresh_writes_the_new_tokens_back_into_the_connection(connection):
    route = respx.post(TOKEN).respond(
        200,
        json={
            "access_token": "access-new",
            "refresh_token": "refresh-new",
            "token_type": "bearer",
            "expires_in": 7200,
        },
    )

    oauth.refresh(BASIC_ENDPOINT, connection)

    assert route.calls.last.request.headers["authorization"] == BASIC
    assert form(route.calls.last.request) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-old"],
    }
    assert connection.access_token == "access-new"
    assert connection.refresh_token == "refresh-new"
    assert connection.refreshed is True
    assert connection.expires_at is not None
    left = connection.expires_at - datetime.now(UTC)
    assert timedelta(minutes=119) < left <= timedelta(hours=2)


@respx.mock
def test_a_refresh_answer_without_a_new_refresh_token_keeps_the_old_one(connection):
    respx.post(TOKEN).respond(200, json={"access_token": "access-new"})

    oauth.refresh(POST_ENDPOINT, connection)

    assert connection.refresh_token == "refresh-old"
    assert connection.expires_at is not None
    assert connection.expires_at - datetime.now(UTC) <= timedelta(seconds=3600)


@respx.mock
def test_a_public_client_sends_its_id_once_in_the_form_and_no_basic_auth(connection):
    connection.app = AppCredentials(client_id="client-1")
    endpoint = oauth.TokenEndpoint(
        label="Example",
        url=TOKEN,
        auth_method="client_secret_basic",
        refused=refused,
        client_id_in_form=True,
    )
    route = respx.post(TOKEN).respond(200, json={"access_token": "access-new"})

    oauth.refresh(endpoint, connection)

    assert "authorization" not in route.calls.last.request.headers
    assert form(route.calls.last.request)["client_id"] == ["client-1"]


@respx.mock
def test_a_refresh_refused_with_invalid_grant_means_reconnect(connection):
    respx.post(TOKEN).respond(
        400, json={"error": "invalid_grant", "error_description": "The refresh token is revoked"}
    )

    with pytest.raises(AuthExpired, match="refresh token is revoked"):
        oauth.refresh(BASIC_ENDPOINT, connection)

    assert connection.access_token == "access-old"
    assert connection.refreshed is False


@respx.mock
def test_an_invalid_grant_error_in_a_200_answer_still_means_reconnect(connection):
    respx.post(TOKEN).respond(200, json={"error": "invalid_grant"})

    with pytest.raises(AuthExpired, match="invalid_grant"):
        oauth.refresh(BASIC_ENDPOINT, connection)


@respx.mock
def test_an_answer_without_an_access_token_means_reconnect(connection):
    respx.post(TOKEN).respond(200, json={"token_type": "bearer"})

    with pytest.raises(AuthExpired, match="sent no access token"):
        oauth.refresh(BASIC_ENDPOINT, connection)


def test_refresh_without_a_refresh_token_means_reconnect_and_sends_nothing(connection):
    connection.refresh_token = ""

    with respx.mock(assert_all_called=False) as router:
        route = router.post(TOKEN)
        with pytest.raises(AuthExpired, match="Please reconnect"):
            oauth.refresh(BASIC_ENDPOINT, connection)

    assert route.call_count == 0


@respx.mock
def test_a_rate_limited_refresh_keeps_its_meaning(connection):
    def rate_limited(response: httpx.Response) -> NetworkError:
        return RateLimited("slow down", retry_after=float(response.headers["retry-after"]))

    endpoint = oauth.TokenEndpoint(
        label="Example", url=TOKEN, auth_method="client_secret_post", refused=rate_limited
    )
    respx.post(TOKEN).respond(429, headers={"Retry-After": "30"}, json={"title": "Too Many"})

    with pytest.raises(RateLimited) as caught:
        oauth.refresh(endpoint, connection)

    assert caught.value.retry_after == 30


@pytest.mark.parametrize(
    "outcome",
    [httpx.ConnectTimeout("timed out"), httpx.ConnectError("refused")],
    ids=["timeout", "connection"],
)
@respx.mock
def test_network_failures_during_a_refresh_are_unavailable(connection, outcome):
    respx.post(TOKEN).mock(side_effect=outcome)

    with pytest.raises(Unavailable) as caught:
        oauth.refresh(BASIC_ENDPOINT, connection)

    assert "refresh-old" not in caught.value.message


@respx.mock
def test_an_unreadable_token_answer_is_unavailable(connection):
    respx.post(TOKEN).respond(200, text="<html>oops</html>")

    with pytest.raises(Unavailable, match="could not read"):
        oauth.refresh(BASIC_ENDPOINT, connection)


def test_token_requests_go_through_the_ssrf_safe_transport(connection, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    endpoint = oauth.TokenEndpoint(
        label="Example",
        url="http://127.0.0.1:9/oauth/token",
        auth_method="client_secret_basic",
        refused=refused,
    )

    with pytest.raises(Unavailable, match="private or local network"):
        oauth.refresh(endpoint, connection)


@respx.mock
def test_an_extension_grant_by_get_sends_only_its_own_fields():
    route = respx.get(TOKEN).respond(200, json={"access_token": "long", "expires_in": 5183944})

    token = oauth.extension_grant(
        POST_ENDPOINT, APP, grant_type="th_refresh_token", fields={"access_token": "short"}
    )

    request = route.calls.last.request
    assert dict(request.url.params) == {"grant_type": "th_refresh_token", "access_token": "short"}
    assert "authorization" not in request.headers
    assert request.content == b""
    assert token["access_token"] == "long"
