"""X for customer care against the documented X API v2 shapes (GET /2/tweets/search/recent,
GET /2/users/:id/mentions, GET /2/users/by/username/:username, GET /2/tweets/:id,
POST /2/tweets), faked at the transport with respx."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Connection,
    NetworkError,
    RateLimited,
    Rejected,
    ReplyTarget,
)
from chorus.networks.x.adapter import TWEETS
from chorus.networks.x.care import SEARCH, TWEET_FIELDS, XCare

API = "https://api.x.com/2"
ORG_ID = "1500000000000000001"
CARLA = {"id": "2244994945", "name": "Carla Customer", "username": "carla"}


def tweet(tweet_id: str, text: str = "@acme my order never came", **fields: Any) -> dict[str, Any]:
    """A Post object with the fields care asks for."""
    return {
        "id": tweet_id,
        "text": text,
        "author_id": CARLA["id"],
        "created_at": "2025-03-01T11:58:00.000Z",
        "conversation_id": fields.get("conversation_id", tweet_id),
        "lang": fields.get("lang", "en"),
        "edit_history_tweet_ids": [tweet_id],
        **(
            {"referenced_tweets": fields["referenced_tweets"]}
            if "referenced_tweets" in fields
            else {}
        ),
    }


def answer(tweets: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    """A search / timeline answer: data, includes.users and meta."""
    if not tweets:
        return {"meta": {"result_count": 0, **meta}}
    ids = sorted((item["id"] for item in tweets), key=lambda value: (len(value), value))
    return {
        "data": tweets,
        "includes": {"users": [CARLA]},
        "meta": {
            "newest_id": ids[-1],
            "oldest_id": ids[0],
            "result_count": len(tweets),
            **meta,
        },
    }


@pytest.fixture
def care() -> XCare:
    return XCare()


@pytest.fixture
def official() -> Connection:
    """The organization's app bearer token."""
    return Connection(
        app=AppCredentials(), access_token="app-bearer", account_id=ORG_ID, handle="acme"
    )


@pytest.fixture
def member() -> Connection:
    return Connection(
        app=AppCredentials(client_id="client-123", client_secret="secret-456"),
        access_token="member-access",
        refresh_token="member-refresh",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        account_id="99",
        handle="ada",
    )


@pytest.fixture
def x() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


def test_search_reads_recent_posts_with_their_authors_and_threads(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    route = x.get(SEARCH).respond(
        200,
        json=answer(
            [
                tweet(
                    "1800000000000000003",
                    "@acme still waiting",
                    conversation_id="1800000000000000001",
                    referenced_tweets=[{"type": "replied_to", "id": "1800000000000000002"}],
                ),
                tweet("1800000000000000001", lang="und"),
            ]
        ),
    )
    page = care.search(official, "@acme -is:retweet")

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer app-bearer"
    params = request.url.params
    assert params["query"] == "@acme -is:retweet"
    assert params["tweet.fields"] == TWEET_FIELDS
    assert params["expansions"] == "author_id"
    assert params["user.fields"] == "username,name"
    assert "since_id" not in params
    assert page.cursor == "1800000000000000003"
    started, reply = page.items
    assert started.remote_id == "1800000000000000001"
    assert started.url == "https://x.com/carla/status/1800000000000000001"
    assert started.author_handle == "@carla"
    assert started.author_name == "Carla Customer"
    assert started.author_url == "https://x.com/carla"
    assert started.author_id == CARLA["id"]
    assert started.posted_at == datetime(2025, 3, 1, 11, 58, tzinfo=UTC)
    assert started.root_id == "" and started.parent_id == ""
    assert started.language == ""
    assert reply.root_id == "1800000000000000001"
    assert reply.parent_id == "1800000000000000002"
    assert reply.language == "en"


def test_search_pages_from_the_cursor_until_x_has_no_more(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    pages = {
        "": answer([tweet("1800000000000000009"), tweet("1800000000000000008")], next_token="b"),
        "b": answer([tweet("1800000000000000007")]),
    }

    def search(request: httpx.Request) -> httpx.Response:
        assert request.url.params["since_id"] == "1800000000000000006"
        return httpx.Response(200, json=pages[request.url.params.get("next_token", "")])

    route = x.get(SEARCH).mock(side_effect=search)
    page = care.search(official, "acme", cursor="1800000000000000006")

    assert len(route.calls) == 2
    assert [item.remote_id for item in page.items] == [
        "1800000000000000007",
        "1800000000000000008",
        "1800000000000000009",
    ]
    assert page.cursor == "1800000000000000009"


def test_an_empty_search_keeps_the_cursor(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    x.get(SEARCH).respond(200, json=answer([]))
    page = care.search(official, "acme", cursor="1800000000000000006")
    assert page.items == [] and page.cursor == "1800000000000000006"


def test_mentions_read_the_organizations_mention_timeline(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    route = x.get(f"{API}/users/{ORG_ID}/mentions").respond(
        200, json=answer([tweet("1800000000000000011")])
    )
    page = care.mentions(official, cursor="1800000000000000010")

    params = route.calls.last.request.url.params
    assert route.calls.last.request.headers["Authorization"] == "Bearer app-bearer"
    assert params["since_id"] == "1800000000000000010"
    assert [item.remote_id for item in page.items] == ["1800000000000000011"]
    assert page.cursor == "1800000000000000011"


def test_mentions_find_the_account_by_its_handle_when_its_id_is_missing(
    care: XCare, x: respx.MockRouter
) -> None:
    account = Connection(app=AppCredentials(), access_token="app-bearer", handle="@acme")
    lookup = x.get(f"{API}/users/by/username/acme").respond(
        200, json={"data": {"id": ORG_ID, "name": "Acme", "username": "acme"}}
    )
    timeline = x.get(f"{API}/users/{ORG_ID}/mentions").respond(200, json=answer([]))
    care.mentions(account)
    assert lookup.called and timeline.called


def test_mentions_without_an_account_say_what_is_missing(care: XCare) -> None:
    account = Connection(app=AppCredentials(), access_token="app-bearer")
    with pytest.raises(NetworkError, match="handle or user id"):
        care.mentions(account)


def test_a_rate_limited_search_says_when_to_retry(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    reset = int(time.time()) + 600
    x.get(SEARCH).respond(
        429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    with pytest.raises(RateLimited) as raised:
        care.search(official, "acme")
    assert raised.value.retry_after is not None
    assert 590 <= raised.value.retry_after <= 600


def test_a_refused_token_means_entering_a_new_one(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    x.get(SEARCH).respond(
        401, json={"title": "Unauthorized", "detail": "Unauthorized", "status": 401}
    )
    with pytest.raises(AuthExpired, match="API token"):
        care.search(official, "acme")


def test_a_plan_without_search_is_refused_with_xs_reason(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    x.get(SEARCH).respond(
        403,
        json={
            "title": "Client Forbidden",
            "detail": "This request must be made using an approved developer account "
            "that is enrolled in the requested endpoint.",
            "reason": "client-not-enrolled",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
        },
    )
    with pytest.raises(Rejected, match="enrolled in the requested endpoint"):
        care.search(official, "acme")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/carla/status/1800000000000000001",
        "https://twitter.com/carla/status/1800000000000000001?s=20",
        "https://mobile.twitter.com/carla/status/1800000000000000001/photo/1",
        "https://www.x.com/i/web/status/1800000000000000001",
    ],
)
def test_lookup_reads_a_post_by_its_link(
    care: XCare, official: Connection, x: respx.MockRouter, url: str
) -> None:
    route = x.get(f"{API}/tweets/1800000000000000001").respond(
        200,
        json={
            "data": tweet("1800000000000000001", "Open on Sunday?"),
            "includes": {"users": [CARLA]},
        },
    )
    found = care.lookup(url, account=official)

    assert route.calls.last.request.url.params["expansions"] == "author_id"
    assert found.text == "Open on Sunday?"
    assert found.author_handle == "@carla"


def test_lookup_without_api_access_asks_for_the_text(care: XCare) -> None:
    with pytest.raises(ValueError, match="paste the post's text"):
        care.lookup("https://x.com/carla/status/1800000000000000001")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/carla",
        "https://x.com/carla/status/notanumber",
        "https://evil.example/carla/status/1800000000000000001",
        "https://x.com.evil.example/carla/status/1800000000000000001",
        "javascript:alert(1)",
    ],
)
def test_lookup_refuses_what_is_not_a_post_link(
    care: XCare, official: Connection, url: str
) -> None:
    with pytest.raises(ValueError, match="not a link to a post on X"):
        care.lookup(url, account=official)


def test_lookup_of_a_deleted_post_asks_for_the_text(
    care: XCare, official: Connection, x: respx.MockRouter
) -> None:
    x.get(f"{API}/tweets/1800000000000000001").respond(
        200,
        json={
            "errors": [
                {
                    "value": "1800000000000000001",
                    "detail": "Could not find tweet with id: [1800000000000000001].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ]
        },
    )
    with pytest.raises(ValueError, match="paste its text"):
        care.lookup("https://x.com/carla/status/1800000000000000001", account=official)


def test_reply_posts_in_reply_to_the_post_as_the_member(
    care: XCare, member: Connection, x: respx.MockRouter
) -> None:
    route = x.post(TWEETS).respond(
        201,
        json={
            "data": {"id": "1800000000000000050", "text": "Sorry!", "edit_history_tweet_ids": []}
        },
    )
    target = ReplyTarget(remote_id="1800000000000000003", root_id="1800000000000000001")
    posted = care.reply(member, "@carla Sorry, it ships today!", target, "reply-1")

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer member-access"
    assert "Idempotency-Key" not in request.headers
    assert json.loads(request.content) == {
        "text": "@carla Sorry, it ships today!",
        "reply": {"in_reply_to_tweet_id": "1800000000000000003"},
    }
    assert posted.remote_id == "1800000000000000050"
    assert posted.url == "https://x.com/ada/status/1800000000000000050"


def test_a_repeated_reply_is_refused_as_duplicate_not_posted_twice(
    care: XCare, member: Connection, x: respx.MockRouter
) -> None:
    x.post(TWEETS).respond(
        403,
        json={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
        },
    )
    with pytest.raises(Rejected) as raised:
        care.reply(member, "Sorry!", ReplyTarget(remote_id="1800000000000000003"), "reply-1")
    assert raised.value.reason == "duplicate"


def test_x_replies_are_not_retried_blindly(care: XCare) -> None:
    assert care.idempotent_replies is False


def test_the_reply_page_is_xs_composer_answering_the_post(care: XCare) -> None:
    url = care.reply_intent_url(
        "@carla Sorry & thanks!", ReplyTarget(remote_id="1800000000000000003")
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/intent/post"
    assert parse_qs(parts.query) == {
        "in_reply_to": ["1800000000000000003"],
        "text": ["@carla Sorry & thanks!"],
    }
