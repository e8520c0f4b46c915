"""LinkedIn adapter against the documented OAuth, userinfo, Posts and Social Metadata shapes."""

from __future__ import annotations

import json
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
from chorus.networks.linkedin.adapter import (
    POSTS,
    SOCIAL_METADATA,
    TOKEN,
    USERINFO,
    LinkedIn,
    little_text,
)

APP = AppCredentials(client_id="li-client", client_secret="li-secret")
URL = "https://chorus.example/l/Ab3"
URN = "urn:li:share:6844785523593134080"


@pytest.fixture
def connection():
    return Connection(
        app=APP,
        access_token="li-access",
        expires_at=datetime.now(UTC) + timedelta(days=30),
        account_id="782bbtaQ",
        handle="Emma Example",
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def error(status: int, message: str, code: str = "") -> httpx.Response:
    payload = {"status": status, "message": message}
    if code:
        payload["code"] = code
    return httpx.Response(status, json=payload)


def test_authorization_url_asks_for_openid_profile_and_posting():
    authorization = LinkedIn().authorization(APP, redirect_uri="https://chorus.example/cb")

    parts = urlsplit(authorization.url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.linkedin.com/oauth/v2/authorization"
    )
    assert query == {
        "response_type": "code",
        "client_id": "li-client",
        "redirect_uri": "https://chorus.example/cb",
        "state": authorization.state,
        "scope": "openid profile w_member_social",
    }
    assert len(authorization.state) >= 32


@respx.mock
def test_exchange_code_stores_a_sixty_day_token_and_the_member_id():
    token = respx.post(TOKEN).mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "li-access",
                "expires_in": 5183999,
                "scope": "openid,profile,w_member_social",
                "token_type": "Bearer",
                "id_token": "eyJ...",
            },
        )
    )
    userinfo = respx.get(USERINFO).mock(
        return_value=httpx.Response(
            200,
            json={
                "sub": "782bbtaQ",
                "name": "Emma Example",
                "given_name": "Emma",
                "family_name": "Example",
                "picture": "https://media.licdn.com/e.jpg",
                "locale": {"country": "US", "language": "en"},
            },
        )
    )

    connection = LinkedIn().exchange_code(
        APP,
        code="code-1",
        redirect_uri="https://chorus.example/cb",
        authorization=LinkedIn().authorization(APP, redirect_uri="https://chorus.example/cb"),
    )

    assert form(token.calls.last.request) == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": "https://chorus.example/cb",
        "client_id": "li-client",
        "client_secret": "li-secret",
    }
    assert userinfo.calls.last.request.headers["authorization"] == "Bearer li-access"
    assert connection.account_id == "782bbtaQ"
    assert connection.handle == "Emma Example"
    assert connection.refresh_token == ""
    assert timedelta(days=59) < connection.expires_at - datetime.now(UTC) <= timedelta(days=60)


def test_little_text_escapes_reserved_characters_but_keeps_links_and_hashtags():
    text = "Big (really) news_now [1] @home <3 ~ * | {x} \\ #launch https://a.example/x_(y)?q=~1"

    assert little_text(text) == (
        "Big \\(really\\) news\\_now \\[1\\] \\@home \\<3 \\~ \\* \\| \\{x\\} \\\\ "
        "#launch https://a.example/x_(y)?q=~1"
    )
    assert little_text("# not a tag") == "\\# not a tag"


@respx.mock
def test_publish_creates_an_article_post_with_the_versioned_headers(connection, settings):
    settings.LINKEDIN_API_VERSION = "202610"
    route = respx.post(POSTS).mock(return_value=httpx.Response(201, headers={"x-restli-id": URN}))

    post = LinkedIn().publish(connection, "Our launch (finally) #launch", URL, "key-1")

    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer li-access"
    assert sent.headers["linkedin-version"] == "202610"
    assert sent.headers["x-restli-protocol-version"] == "2.0.0"
    assert json.loads(sent.content) == {
        "author": "urn:li:person:782bbtaQ",
        "commentary": "Our launch \\(finally\\) #launch",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "content": {"article": {"source": URL, "title": "Our launch (finally) #launch"}},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    assert post.remote_id == URN
    assert post.url == f"https://www.linkedin.com/feed/update/{URN}/"


@respx.mock
def test_publish_without_refresh_token_and_a_401_asks_to_reconnect(connection):
    respx.post(POSTS).mock(
        return_value=httpx.Response(
            401,
            json={
                "status": 401,
                "serviceErrorCode": 65601,
                "code": "REVOKED_ACCESS_TOKEN",
                "message": "The token used in the request has been revoked by the user",
            },
        )
    )

    with pytest.raises(AuthExpired) as caught:
        LinkedIn().publish(connection, "Hello", URL, "key-1")

    assert "li-access" not in caught.value.message


@respx.mock
def test_a_401_with_a_refresh_token_refreshes_once_and_retries(connection):
    connection.refresh_token = "li-refresh"
    token = respx.post(TOKEN).mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": "li-access-2",
                "expires_in": 5183999,
                "refresh_token": "li-refresh",
                "refresh_token_expires_in": 31535999,
            },
        )
    )
    posts = respx.post(POSTS).mock(
        side_effect=[
            error(401, "Invalid access token", "EXPIRED_ACCESS_TOKEN"),
            httpx.Response(201, headers={"x-restli-id": URN}),
        ]
    )

    LinkedIn().publish(connection, "Hello", URL, "key-1")

    assert form(token.calls.last.request)["grant_type"] == "refresh_token"
    assert form(token.calls.last.request)["refresh_token"] == "li-refresh"
    assert posts.calls.last.request.headers["authorization"] == "Bearer li-access-2"
    assert connection.refreshed is True


def test_refresh_without_a_refresh_token_means_reconnect(connection):
    with pytest.raises(AuthExpired):
        LinkedIn().refresh(connection)


@respx.mock
def test_an_expired_token_without_refresh_token_is_not_even_sent(connection):
    connection.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    posts = respx.post(POSTS)

    with pytest.raises(AuthExpired):
        LinkedIn().publish(connection, "Hello", URL, "key-1")

    assert posts.call_count == 0


@respx.mock
def test_missing_posting_permission_asks_to_reconnect(connection):
    respx.post(POSTS).mock(
        return_value=error(
            403,
            "Not enough permissions to access: partnerApiPostsExternal.CREATE.20240101",
            "ACCESS_DENIED",
        )
    )

    with pytest.raises(AuthExpired, match="reconnect"):
        LinkedIn().publish(connection, "Hello", URL, "key-1")


@respx.mock
def test_a_duplicate_post_is_rejected_as_duplicate(connection):
    respx.post(POSTS).mock(
        return_value=error(422, f"Content is a duplicate of {URN}", "DUPLICATE_POST")
    )

    with pytest.raises(Rejected) as caught:
        LinkedIn().publish(connection, "Hello", URL, "key-1")

    assert caught.value.reason == "duplicate"
    assert caught.value.status == 422


@respx.mock
def test_invalid_content_is_rejected_with_linkedins_message(connection):
    respx.post(POSTS).mock(
        return_value=error(400, "/commentary :: length of commentary exceeds the maximum")
    )

    with pytest.raises(Rejected, match="length of commentary") as caught:
        LinkedIn().publish(connection, "Hello", URL, "key-1")

    assert caught.value.reason == "rejected"


@respx.mock
def test_rate_limit_honours_retry_after(connection):
    respx.post(POSTS).mock(return_value=httpx.Response(429, headers={"Retry-After": "120"}))

    with pytest.raises(RateLimited) as caught:
        LinkedIn().publish(connection, "Hello", URL, "key-1")

    assert caught.value.retry_after == 120


@pytest.mark.parametrize(
    "outcome",
    [httpx.Response(500, json={"message": "Internal Server Error"}), httpx.ReadTimeout("slow")],
    ids=["5xx", "timeout"],
)
@respx.mock
def test_outages_and_timeouts_are_unavailable(connection, outcome):
    route = respx.post(POSTS)
    if isinstance(outcome, Exception):
        route.mock(side_effect=outcome)
    else:
        route.mock(return_value=outcome)

    with pytest.raises(Unavailable):
        LinkedIn().publish(connection, "Hello", URL, "key-1")


@respx.mock
def test_fetch_metrics_sums_reactions_and_counts_comments(connection):
    route = respx.get(SOCIAL_METADATA + "urn%3Ali%3Ashare%3A6844785523593134080").mock(
        return_value=httpx.Response(
            200,
            json={
                "reactionSummaries": {
                    "LIKE": {"reactionType": "LIKE", "count": 4},
                    "EMPATHY": {"reactionType": "EMPATHY", "count": 2},
                },
                "commentsState": "OPEN",
                "commentSummary": {"count": 3, "topLevelCount": 2},
                "entity": URN,
            },
        )
    )

    [metrics] = LinkedIn().fetch_metrics(connection, [URN])

    assert route.calls.last.request.headers["x-restli-protocol-version"] == "2.0.0"
    assert (metrics.remote_id, metrics.reactions, metrics.replies) == (URN, 6, 3)
    assert metrics.reposts is None and metrics.impressions is None


@respx.mock
def test_fetch_metrics_without_read_permission_returns_nothing_instead_of_failing(connection):
    respx.get(url__startswith=SOCIAL_METADATA).mock(
        return_value=error(
            403, "Not enough permissions to access: socialMetadata.GET", "ACCESS_DENIED"
        )
    )

    assert LinkedIn().fetch_metrics(connection, [URN, "urn:li:share:2"]) == []
