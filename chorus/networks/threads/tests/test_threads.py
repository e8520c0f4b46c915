"""Threads adapter against the documented OAuth, publishing and insights shapes (respx)."""

from __future__ import annotations

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
from chorus.networks.threads.adapter import API, LONG_TOKEN, REFRESH_TOKEN, SHORT_TOKEN, Threads

APP = AppCredentials(client_id="th-client", client_secret="th-secret")
URL = "https://chorus.example/l/Ab3"
USER = "17841400000000000"
CREATE = f"{API}/{USER}/threads"
PUBLISH = f"{API}/{USER}/threads_publish"


@pytest.fixture
def connection():
    return Connection(
        app=APP,
        access_token="th-long",
        expires_at=datetime.now(UTC) + timedelta(days=50),
        account_id=USER,
        handle="emma",
    )


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def graph_error(
    status: int, message: str, code: int, kind: str = "OAuthException"
) -> httpx.Response:
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "Abc"}},
    )


def test_authorization_url_asks_for_publishing_and_insights():
    authorization = Threads().authorization(APP, redirect_uri="https://chorus.example/cb")

    parts = urlsplit(authorization.url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://threads.net/oauth/authorize"
    assert query == {
        "client_id": "th-client",
        "redirect_uri": "https://chorus.example/cb",
        "scope": "threads_basic,threads_content_publish,threads_manage_insights",
        "response_type": "code",
        "state": authorization.state,
    }


@respx.mock
def test_exchange_code_swaps_the_short_lived_token_for_a_long_lived_one():
    short = respx.post(SHORT_TOKEN).mock(
        return_value=httpx.Response(200, json={"access_token": "th-short", "user_id": int(USER)})
    )
    long = respx.get(LONG_TOKEN).mock(
        return_value=httpx.Response(
            200, json={"access_token": "th-long", "token_type": "bearer", "expires_in": 5183944}
        )
    )
    me = respx.get(f"{API}/me").mock(
        return_value=httpx.Response(200, json={"id": USER, "username": "emma", "name": "Emma"})
    )

    connection = Threads().exchange_code(
        APP,
        code="code-1",
        redirect_uri="https://chorus.example/cb",
        authorization=Threads().authorization(APP, redirect_uri="https://chorus.example/cb"),
    )

    assert form(short.calls.last.request) == {
        "client_id": "th-client",
        "client_secret": "th-secret",
        "grant_type": "authorization_code",
        "redirect_uri": "https://chorus.example/cb",
        "code": "code-1",
    }
    assert dict(long.calls.last.request.url.params) == {
        "grant_type": "th_exchange_token",
        "client_secret": "th-secret",
        "access_token": "th-short",
    }
    assert me.calls.last.request.url.params["access_token"] == "th-long"
    assert connection.access_token == "th-long"
    assert connection.account_id == USER
    assert connection.handle == "emma"
    assert timedelta(days=59) < connection.expires_at - datetime.now(UTC) <= timedelta(days=60)


@respx.mock
def test_a_refused_code_means_reconnect():
    respx.post(SHORT_TOKEN).mock(
        return_value=graph_error(400, "Error validating verification code.", 100)
    )

    with pytest.raises(AuthExpired, match="verification code"):
        Threads().exchange_code(
            APP,
            code="bad",
            redirect_uri="https://chorus.example/cb",
            authorization=Threads().authorization(APP, redirect_uri="https://chorus.example/cb"),
        )


@respx.mock
def test_refresh_renews_the_long_lived_token_with_itself(connection):
    route = respx.get(REFRESH_TOKEN).mock(
        return_value=httpx.Response(
            200, json={"access_token": "th-long-2", "token_type": "bearer", "expires_in": 5183944}
        )
    )

    Threads().refresh(connection)

    assert dict(route.calls.last.request.url.params) == {
        "grant_type": "th_refresh_token",
        "access_token": "th-long",
    }
    assert connection.access_token == "th-long-2"
    assert connection.refreshed is True


def test_an_expired_long_lived_token_cannot_be_refreshed(connection):
    connection.expires_at = datetime.now(UTC) - timedelta(seconds=1)

    with pytest.raises(AuthExpired):
        Threads().refresh(connection)


@respx.mock
def test_publish_creates_a_container_then_publishes_it_and_reads_the_permalink(connection):
    create = respx.post(CREATE).mock(return_value=httpx.Response(200, json={"id": "1111"}))
    publish = respx.post(PUBLISH).mock(return_value=httpx.Response(200, json={"id": "2222"}))
    permalink = respx.get(f"{API}/2222").mock(
        return_value=httpx.Response(
            200, json={"permalink": "https://www.threads.com/@emma/post/Cx1", "id": "2222"}
        )
    )

    post = Threads().publish(connection, "Grüße & #launch", URL, "key-1")

    assert form(create.calls.last.request) == {
        "media_type": "TEXT",
        "text": "Grüße & #launch",
        "link_attachment": URL,
        "access_token": "th-long",
    }
    assert form(publish.calls.last.request) == {"creation_id": "1111", "access_token": "th-long"}
    assert permalink.calls.last.request.url.params["fields"] == "permalink"
    assert (post.remote_id, post.url) == ("2222", "https://www.threads.com/@emma/post/Cx1")


@respx.mock
def test_publish_leaves_out_the_attachment_when_the_text_holds_the_link(connection):
    create = respx.post(CREATE).mock(return_value=httpx.Response(200, json={"id": "1111"}))
    respx.post(PUBLISH).mock(return_value=httpx.Response(200, json={"id": "2222"}))
    respx.get(f"{API}/2222").mock(return_value=httpx.Response(500))

    post = Threads().publish(connection, f"Read {URL}", URL, "key-1")

    assert "link_attachment" not in form(create.calls.last.request)
    # The post is out even if the permalink could not be read: no error, so no second post.
    assert post.url == "https://www.threads.com/@emma"


@respx.mock
def test_text_over_five_hundred_characters_is_rejected_before_any_call(connection):
    create = respx.post(CREATE)

    with pytest.raises(Rejected) as caught:
        Threads().publish(connection, "x" * 501, URL, "key-1")

    assert caught.value.reason == "too_long"
    assert create.call_count == 0


@respx.mock
def test_a_token_near_its_end_is_refreshed_before_publishing(connection):
    connection.expires_at = datetime.now(UTC) + timedelta(days=2)
    respx.get(REFRESH_TOKEN).mock(
        return_value=httpx.Response(
            200, json={"access_token": "th-long-2", "token_type": "bearer", "expires_in": 5183944}
        )
    )
    create = respx.post(CREATE).mock(return_value=httpx.Response(200, json={"id": "1111"}))
    respx.post(PUBLISH).mock(return_value=httpx.Response(200, json={"id": "2222"}))
    respx.get(f"{API}/2222").mock(return_value=httpx.Response(200, json={"permalink": "p"}))

    Threads().publish(connection, "Hello", URL, "key-1")

    assert form(create.calls.last.request)["access_token"] == "th-long-2"
    assert connection.refreshed is True


@pytest.mark.parametrize(
    "answer",
    [
        graph_error(401, "Error validating access token: Session has expired.", 190),
        graph_error(
            400, "Error validating access token: The user has not authorized application.", 190
        ),
        graph_error(403, "(#10) The user has not granted threads_content_publish.", 10),
    ],
    ids=["401", "400-code-190", "403-permission"],
)
@respx.mock
def test_invalid_tokens_and_missing_permission_ask_to_reconnect(connection, answer):
    respx.post(CREATE).mock(return_value=answer)

    with pytest.raises(AuthExpired) as caught:
        Threads().publish(connection, "Hello", URL, "key-1")

    assert "th-long" not in caught.value.message


@respx.mock
def test_content_errors_are_rejected_with_the_threads_message(connection):
    respx.post(CREATE).mock(return_value=graph_error(400, "The parameter text is too long.", 100))

    with pytest.raises(Rejected, match="text is too long") as caught:
        Threads().publish(connection, "Hello", URL, "key-1")

    assert caught.value.status == 400


@respx.mock
def test_rate_limit_honours_retry_after(connection):
    respx.post(CREATE).mock(return_value=httpx.Response(429, headers={"Retry-After": "45"}))

    with pytest.raises(RateLimited) as caught:
        Threads().publish(connection, "Hello", URL, "key-1")

    assert caught.value.retry_after == 45


@respx.mock
def test_graph_throttling_codes_are_rate_limits(connection):
    respx.post(CREATE).mock(
        return_value=graph_error(400, "(#4) Application request limit reached", 4)
    )

    with pytest.raises(RateLimited):
        Threads().publish(connection, "Hello", URL, "key-1")


@pytest.mark.parametrize(
    "outcome",
    [httpx.Response(503, text="down"), httpx.ConnectTimeout("slow"), httpx.Response(200, text="<")],
    ids=["5xx", "timeout", "bad-json"],
)
@respx.mock
def test_outages_timeouts_and_unreadable_answers_are_unavailable(connection, outcome):
    route = respx.post(CREATE)
    if isinstance(outcome, Exception):
        route.mock(side_effect=outcome)
    else:
        route.mock(return_value=outcome)

    with pytest.raises(Unavailable):
        Threads().publish(connection, "Hello", URL, "key-1")


@respx.mock
def test_a_failed_publish_step_is_unavailable_and_publishes_nothing(connection):
    respx.post(CREATE).mock(return_value=httpx.Response(200, json={"id": "1111"}))
    respx.post(PUBLISH).mock(return_value=httpx.Response(500, json={"error": {"code": 2}}))

    with pytest.raises(Unavailable):
        Threads().publish(connection, "Hello", URL, "key-1")


@respx.mock
def test_fetch_metrics_reads_lifetime_insights(connection):
    route = respx.get(f"{API}/2222/insights").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "name": name,
                        "period": "lifetime",
                        "values": [{"value": value}],
                        "title": name.title(),
                        "description": "",
                        "id": f"2222/insights/{name}/lifetime",
                    }
                    for name, value in [
                        ("views", 4523),
                        ("likes", 187),
                        ("replies", 42),
                        ("reposts", 23),
                        ("quotes", 8),
                    ]
                ]
            },
        )
    )

    [metrics] = Threads().fetch_metrics(connection, ["2222"])

    assert route.calls.last.request.url.params["metric"] == "views,likes,replies,reposts,quotes"
    assert route.calls.last.request.url.params["access_token"] == "th-long"
    assert (metrics.reactions, metrics.reposts, metrics.replies, metrics.impressions) == (
        187,
        31,
        42,
        4523,
    )
