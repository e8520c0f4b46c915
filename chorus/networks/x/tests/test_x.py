"""X adapter against the documented X API v2 and OAuth 2.0 (PKCE) shapes, faked with respx."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Connection,
    RateLimited,
    Rejected,
    Unavailable,
)
from chorus.networks.x.adapter import TOKEN, TWEETS, X

APP = AppCredentials(client_id="client-123", client_secret="secret-456")
BASIC = "Basic " + base64.b64encode(b"client-123:secret-456").decode()
URL = "https://chorus.example/l/Ab3"


@pytest.fixture
def connection():
    return Connection(
        app=APP,
        access_token="access-old",
        refresh_token="refresh-old",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        account_id="2244994945",
        handle="emma",
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def token_answer(access: str = "access-new", refresh: str = "refresh-new") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": access,
            "scope": "tweet.read tweet.write users.read offline.access",
            "refresh_token": refresh,
        },
    )


def created(tweet_id: str = "1445880548472328192") -> httpx.Response:
    return httpx.Response(201, json={"data": {"id": tweet_id, "text": "Hello"}})


def test_authorization_url_asks_for_pkce_s256_and_the_publishing_scopes():
    authorization = X().authorization(APP, redirect_uri="https://chorus.example/cb")

    parts = urlsplit(authorization.url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    digest = hashlib.sha256(authorization.code_verifier.encode()).digest()
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/i/oauth2/authorize"
    assert query["response_type"] == "code"
    assert query["client_id"] == "client-123"
    assert query["redirect_uri"] == "https://chorus.example/cb"
    assert query["scope"] == "tweet.read tweet.write users.read offline.access"
    assert query["state"] == authorization.state
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(authorization.code_verifier) <= 128


def test_authorization_state_and_verifier_differ_every_time():
    first = X().authorization(APP, redirect_uri="https://chorus.example/cb")
    second = X().authorization(APP, redirect_uri="https://chorus.example/cb")

    assert first.state != second.state
    assert first.code_verifier != second.code_verifier


@respx.mock
def test_exchange_code_sends_the_verifier_with_basic_auth_and_reads_the_profile():
    authorization = X().authorization(APP, redirect_uri="https://chorus.example/cb")
    token = respx.post(TOKEN).mock(return_value=token_answer())
    me = respx.get("https://api.x.com/2/users/me").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": {
                    "id": "2244994945",
                    "name": "Emma Example",
                    "username": "emma",
                    "public_metrics": {"followers_count": 321, "following_count": 10},
                }
            },
        )
    )

    connection = X().exchange_code(
        APP, code="code-1", redirect_uri="https://chorus.example/cb", authorization=authorization
    )

    sent = token.calls.last.request
    assert sent.headers["authorization"] == BASIC
    assert form(sent) == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": "https://chorus.example/cb",
        "code_verifier": authorization.code_verifier,
        "client_id": "client-123",
    }
    assert me.calls.last.request.headers["authorization"] == "Bearer access-new"
    assert me.calls.last.request.url.params["user.fields"] == "public_metrics"
    assert connection.access_token == "access-new"
    assert connection.refresh_token == "refresh-new"
    assert connection.account_id == "2244994945"
    assert connection.handle == "emma"
    assert connection.expires_at is not None
    assert timedelta(minutes=119) < connection.expires_at - datetime.now(UTC) <= timedelta(hours=2)


@respx.mock
def test_profile_reports_followers():
    respx.get("https://api.x.com/2/users/me").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": {
                    "id": "1",
                    "name": "E",
                    "username": "emma",
                    "public_metrics": {"followers_count": 42},
                }
            },
        )
    )

    profile = X().profile(Connection(app=APP, access_token="a"))

    assert (profile.handle, profile.followers, profile.url) == ("emma", 42, "https://x.com/emma")


@respx.mock
def test_publish_posts_the_text_with_the_link_and_returns_the_status_url(connection):
    route = respx.post(TWEETS).mock(return_value=created())

    post = X().publish(connection, "Grüße & #launch", URL, "key-1")

    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer access-old"
    assert json.loads(sent.content) == {"text": f"Grüße & #launch\n\n{URL}"}
    assert post.remote_id == "1445880548472328192"
    assert post.url == "https://x.com/emma/status/1445880548472328192"
    assert connection.refreshed is False


@respx.mock
def test_publish_does_not_add_the_link_twice(connection):
    route = respx.post(TWEETS).mock(return_value=created())

    X().publish(connection, f"Read {URL} now", URL, "key-1")

    assert json.loads(route.calls.last.request.content) == {"text": f"Read {URL} now"}


@respx.mock
def test_publish_refreshes_a_token_that_expires_within_a_minute_and_keeps_the_rotated_one(
    connection,
):
    connection.expires_at = datetime.now(UTC) + timedelta(seconds=30)
    token = respx.post(TOKEN).mock(return_value=token_answer())
    tweet = respx.post(TWEETS).mock(return_value=created())

    X().publish(connection, "Hello", URL, "key-1")

    assert form(token.calls.last.request) == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-old",
        "client_id": "client-123",
    }
    assert token.calls.last.request.headers["authorization"] == BASIC
    assert tweet.calls.last.request.headers["authorization"] == "Bearer access-new"
    assert connection.refresh_token == "refresh-new"
    assert connection.refreshed is True


@respx.mock
def test_a_401_is_retried_once_after_a_refresh(connection):
    token = respx.post(TOKEN).mock(return_value=token_answer())
    tweet = respx.post(TWEETS).mock(
        side_effect=[httpx.Response(401, json={"title": "Unauthorized", "status": 401}), created()]
    )

    post = X().publish(connection, "Hello", URL, "key-1")

    assert token.call_count == 1
    assert [call.request.headers["authorization"] for call in tweet.calls] == [
        "Bearer access-old",
        "Bearer access-new",
    ]
    assert post.remote_id == "1445880548472328192"


@respx.mock
def test_a_401_without_a_refresh_token_asks_the_member_to_reconnect(connection):
    connection.refresh_token = ""
    respx.post(TWEETS).mock(return_value=httpx.Response(401, json={"title": "Unauthorized"}))

    with pytest.raises(AuthExpired) as caught:
        X().publish(connection, "Hello", URL, "key-1")

    assert "access-old" not in caught.value.message


@respx.mock
def test_a_refused_refresh_token_means_reconnect(connection):
    connection.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    respx.post(TOKEN).mock(
        return_value=httpx.Response(
            400,
            json={
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            },
        )
    )
    tweet = respx.post(TWEETS)

    with pytest.raises(AuthExpired, match="token was invalid"):
        X().publish(connection, "Hello", URL, "key-1")

    assert tweet.call_count == 0


@respx.mock
def test_duplicate_content_is_rejected_as_duplicate(connection):
    respx.post(TWEETS).mock(
        return_value=httpx.Response(
            403,
            json={
                "detail": "You are not allowed to create a Tweet with duplicate content.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
        )
    )

    with pytest.raises(Rejected) as caught:
        X().publish(connection, "Hello", URL, "key-1")

    assert caught.value.reason == "duplicate"
    assert caught.value.status == 403


@respx.mock
def test_other_forbidden_posts_are_rejected_with_xs_message(connection):
    respx.post(TWEETS).mock(
        return_value=httpx.Response(
            403,
            json={
                "detail": "You are not permitted to perform this action.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
        )
    )

    with pytest.raises(Rejected, match="not permitted") as caught:
        X().publish(connection, "Hello", URL, "key-1")

    assert caught.value.reason == "rejected"


@respx.mock
def test_invalid_request_is_rejected_with_the_error_message(connection):
    respx.post(TWEETS).mock(
        return_value=httpx.Response(
            400,
            json={
                "errors": [{"message": "$.text: is too long"}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )

    with pytest.raises(Rejected, match="parameters to your request was invalid"):
        X().publish(connection, "Hello", URL, "key-1")


@respx.mock
def test_rate_limit_honours_retry_after(connection):
    respx.post(TWEETS).mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}))

    with pytest.raises(RateLimited) as caught:
        X().publish(connection, "Hello", URL, "key-1")

    assert caught.value.retry_after == 30


@respx.mock
def test_rate_limit_without_retry_after_waits_until_the_reset_time(connection):
    reset = int(time.time()) + 600
    respx.post(TWEETS).mock(
        return_value=httpx.Response(
            429,
            headers={
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            },
            json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        )
    )

    with pytest.raises(RateLimited) as caught:
        X().publish(connection, "Hello", URL, "key-1")

    assert caught.value.retry_after is not None
    assert 590 <= caught.value.retry_after <= 600


@pytest.mark.parametrize(
    "outcome",
    [
        httpx.Response(503, json={"title": "Service Unavailable"}),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError("refused"),
        httpx.Response(201, text="<html>oops</html>"),
    ],
    ids=["5xx", "timeout", "connection", "bad-json"],
)
@respx.mock
def test_outages_timeouts_and_unreadable_answers_are_unavailable(connection, outcome):
    route = respx.post(TWEETS)
    if isinstance(outcome, Exception):
        route.mock(side_effect=outcome)
    else:
        route.mock(return_value=outcome)

    with pytest.raises(Unavailable) as caught:
        X().publish(connection, "Hello", URL, "key-1")

    assert "access-old" not in caught.value.message


@respx.mock
def test_fetch_metrics_asks_for_public_metrics_in_batches_of_one_hundred(connection):
    ids = [str(1000 + number) for number in range(150)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = request.url.params["ids"].split(",")
        return httpx.Response(
            200,
            json={
                "data": [
                    {
                        "id": tweet_id,
                        "text": "Hello",
                        "public_metrics": {
                            "retweet_count": 2,
                            "reply_count": 3,
                            "like_count": 5,
                            "quote_count": 1,
                            "bookmark_count": 0,
                            "impression_count": 800,
                        },
                    }
                    for tweet_id in asked
                    if tweet_id != "1003"
                ],
                "errors": [
                    {
                        "value": "1003",
                        "detail": "Could not find tweet with ids: [1003].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                    }
                ],
            },
        )

    route = respx.get(TWEETS).mock(side_effect=answer)

    metrics = X().fetch_metrics(connection, ids)

    assert [len(call.request.url.params["ids"].split(",")) for call in route.calls] == [100, 50]
    assert all(call.request.url.params["tweet.fields"] == "public_metrics" for call in route.calls)
    assert len(metrics) == 149
    first = metrics[0]
    assert (first.remote_id, first.reactions, first.reposts, first.replies, first.impressions) == (
        "1000",
        5,
        3,
        3,
        800,
    )


@respx.mock
def test_revoke_sends_the_token_to_the_revoke_endpoint(connection):
    route = respx.post("https://api.x.com/2/oauth2/revoke").mock(
        return_value=httpx.Response(200, json={"revoked": True})
    )

    X().revoke(connection)

    assert form(route.calls.last.request)["token"] == "access-old"
    assert route.calls.last.request.headers["authorization"] == BASIC


@respx.mock
def test_revoke_ignores_an_unreachable_network(connection):
    route = respx.post("https://api.x.com/2/oauth2/revoke").mock(
        side_effect=httpx.ConnectTimeout("t")
    )

    assert X().revoke(connection) is None  # disconnecting goes on: nothing raised

    assert route.called
