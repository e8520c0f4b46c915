"""Bluesky for customer care against the lexicons' shapes (app.bsky.notification.
listNotifications, app.bsky.feed.searchPosts, com.atproto.identity.resolveHandle,
app.bsky.feed.getPosts, com.atproto.repo.createRecord), faked at the transport with respx."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
import time_machine

from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Connection,
    RateLimited,
    Rejected,
    ReplyTarget,
    Unavailable,
)
from chorus.networks.bluesky.adapter import tid_from_key
from chorus.networks.bluesky.care import PUBLIC_APPVIEW, BlueskyCare

PDS = "https://bsky.social"
XRPC = f"{PDS}/xrpc"
PUBLIC = f"{PUBLIC_APPVIEW}/xrpc"
ORG = "did:plc:acme0000000000000000000"
MEMBER = "did:plc:ada00000000000000000000"
CARLA = "did:plc:carla000000000000000000"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ROOT = f"at://{ORG}/app.bsky.feed.post/3lroot00000aa"


def uri(rkey: str, did: str = CARLA) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def post(
    rkey: str,
    text: str = "@acme.com my order never came",
    *,
    indexed: str = "2025-03-01T11:58:00.000Z",
    reply_to: str = "",
) -> dict[str, Any]:
    """app.bsky.feed.defs#postView (trimmed)."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": indexed.replace(".000Z", ".000Z"),
        "langs": ["en"],
    }
    if reply_to:
        record["reply"] = {
            "root": {"uri": ROOT, "cid": "bafyroot"},
            "parent": {"uri": reply_to, "cid": "bafyparent"},
        }
    return {
        "uri": uri(rkey),
        "cid": f"bafy{rkey}",
        "author": {"did": CARLA, "handle": "carla.example.com", "displayName": "Carla"},
        "record": record,
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 0,
        "indexedAt": indexed,
    }


def notification(rkey: str, reason: str = "mention", **options: Any) -> dict[str, Any]:
    """app.bsky.notification.listNotifications#notification."""
    found = post(rkey, **options)
    return {
        "uri": found["uri"],
        "cid": found["cid"],
        "author": found["author"],
        "reason": reason,
        "record": found["record"],
        "isRead": False,
        "indexedAt": found["indexedAt"],
    }


@pytest.fixture
def care() -> BlueskyCare:
    return BlueskyCare()


@pytest.fixture
def official() -> Connection:
    return Connection(
        app=AppCredentials(),
        access_token="org-access",
        refresh_token="org-refresh",
        instance=PDS,
        account_id=ORG,
        handle="acme.com",
    )


@pytest.fixture
def member() -> Connection:
    return Connection(
        app=AppCredentials(),
        access_token="member-access",
        refresh_token="member-refresh",
        instance=PDS,
        account_id=MEMBER,
        handle="ada.bsky.social",
    )


@pytest.fixture
def bluesky() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


def test_mentions_and_replies_become_incoming_posts_with_their_thread(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    route = bluesky.get(f"{XRPC}/app.bsky.notification.listNotifications").respond(
        200,
        json={
            "notifications": [
                notification("3lb", "reply", reply_to=ROOT, indexed="2025-03-01T11:59:00.000Z"),
                notification("3la", indexed="2025-03-01T11:58:00.000Z"),
            ],
            "cursor": "older-page",
            "seenAt": "2025-03-01T11:00:00.000Z",
        },
    )
    page = care.mentions(official)

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer org-access"
    assert request.url.params.get_list("reasons") == ["mention", "reply"]
    # The first poll reads one page, newest first, and starts from its newest post.
    assert len(route.calls) == 1
    assert page.cursor == "2025-03-01T11:59:00.000Z"
    mention, reply = page.items
    assert mention.remote_id == uri("3la")
    assert mention.url == "https://bsky.app/profile/carla.example.com/post/3la"
    assert mention.text == "@acme.com my order never came"
    assert mention.author_handle == "@carla.example.com"
    assert mention.author_name == "Carla"
    assert mention.author_id == CARLA
    assert mention.author_url == "https://bsky.app/profile/carla.example.com"
    assert mention.language == "en"
    assert mention.posted_at == datetime(2025, 3, 1, 11, 58, tzinfo=UTC)
    assert mention.parent_id == "" and mention.root_id == ""
    assert mention.extra == {"cid": "bafy3la", "root_uri": uri("3la"), "root_cid": "bafy3la"}
    assert reply.parent_id == ROOT and reply.root_id == ROOT
    assert reply.extra == {"cid": "bafy3lb", "root_uri": ROOT, "root_cid": "bafyroot"}


def test_mentions_page_back_to_the_cursor_and_skip_what_was_read(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    pages = {
        "": {
            "notifications": [
                notification("3ld", indexed="2025-03-01T11:59:30.000Z"),
                notification("3lc", indexed="2025-03-01T11:59:20.000Z"),
            ],
            "cursor": "page-2",
        },
        "page-2": {
            "notifications": [
                notification("3lb", indexed="2025-03-01T11:59:10.000Z"),
                notification("3la", indexed="2025-03-01T11:58:00.000Z"),
            ],
            "cursor": "page-3",
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("cursor", "")])

    route = bluesky.get(f"{XRPC}/app.bsky.notification.listNotifications").mock(side_effect=answer)
    page = care.mentions(official, cursor="2025-03-01T11:58:00.000Z")

    # The second page reached the cursor: no third page is asked for.
    assert len(route.calls) == 2
    assert [item.remote_id for item in page.items] == [uri("3lb"), uri("3lc"), uri("3ld")]
    assert page.cursor == "2025-03-01T11:59:30.000Z"


def test_no_new_mentions_keep_the_cursor(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(f"{XRPC}/app.bsky.notification.listNotifications").respond(
        200, json={"notifications": [notification("3la", indexed="2025-03-01T11:58:00.000Z")]}
    )
    page = care.mentions(official, cursor="2025-03-01T11:58:00.000Z")
    assert page.items == [] and page.cursor == "2025-03-01T11:58:00.000Z"


def test_search_asks_for_the_latest_posts_since_the_cursor(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    route = bluesky.get(f"{XRPC}/app.bsky.feed.searchPosts").respond(
        200,
        json={
            "posts": [
                post("3lf", "acme support is slow", indexed="2025-03-01T11:59:00.000Z"),
                post("3le", "acme again", indexed="2025-03-01T11:30:00.000Z"),
            ],
            "hitsTotal": 2,
        },
    )
    page = care.search(official, "acme support", cursor="2025-03-01T11:30:00.000Z")

    params = route.calls.last.request.url.params
    assert params["q"] == "acme support"
    assert params["sort"] == "latest"
    # A little before the cursor (sortAt can precede indexedAt); what was read is dropped.
    assert params["since"] == "2025-03-01T11:25:00.000Z"
    assert route.calls.last.request.headers["Authorization"] == "Bearer org-access"
    assert [item.remote_id for item in page.items] == [uri("3lf")]
    assert page.items[0].text == "acme support is slow"
    assert page.cursor == "2025-03-01T11:59:00.000Z"


def test_a_first_search_has_no_since(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    route = bluesky.get(f"{XRPC}/app.bsky.feed.searchPosts").respond(200, json={"posts": []})
    page = care.search(official, "#acme")
    assert "since" not in route.calls.last.request.url.params
    assert page.items == [] and page.cursor == ""


def test_an_expired_session_is_refreshed_once_and_handed_back(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    answers = iter(
        [
            httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"}),
            httpx.Response(200, json={"posts": []}),
        ]
    )
    search = bluesky.get(f"{XRPC}/app.bsky.feed.searchPosts").mock(
        side_effect=lambda request: next(answers)
    )
    bluesky.post(f"{XRPC}/com.atproto.server.refreshSession").respond(
        200,
        json={"accessJwt": "org-access-2", "refreshJwt": "org-refresh-2", "did": ORG},
    )
    care.search(official, "acme")

    assert search.calls.last.request.headers["Authorization"] == "Bearer org-access-2"
    assert official.refreshed is True
    assert (official.access_token, official.refresh_token) == ("org-access-2", "org-refresh-2")


def test_a_session_that_cannot_be_refreshed_means_signing_in_again(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(f"{XRPC}/app.bsky.notification.listNotifications").respond(
        401, json={"error": "AuthenticationRequired", "message": "Invalid identifier"}
    )
    with pytest.raises(AuthExpired):
        care.mentions(official)


@time_machine.travel(NOW, tick=False)
def test_a_rate_limited_poll_says_when_to_retry(
    care: BlueskyCare, official: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(f"{XRPC}/app.bsky.feed.searchPosts").respond(
        429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={"ratelimit-remaining": "0", "ratelimit-reset": str(int(NOW.timestamp()) + 90)},
    )
    with pytest.raises(RateLimited) as raised:
        care.search(official, "acme")
    assert raised.value.retry_after == 90.0


@pytest.mark.parametrize(
    ("url", "resolves"),
    [
        ("https://bsky.app/profile/carla.example.com/post/3la", True),
        ("https://bsky.app/profile/did:plc:carla000000000000000000/post/3la", False),
    ],
)
def test_lookup_reads_a_post_from_the_public_appview(
    care: BlueskyCare, bluesky: respx.MockRouter, url: str, resolves: bool
) -> None:
    resolve = bluesky.get(f"{PUBLIC}/com.atproto.identity.resolveHandle").respond(
        200, json={"did": CARLA}
    )
    get_posts = bluesky.get(f"{PUBLIC}/app.bsky.feed.getPosts").respond(
        200, json={"posts": [post("3la", "Is the shop open on Sunday?")]}
    )
    found = care.lookup(url)

    assert resolve.called is resolves
    if resolves:
        assert resolve.calls.last.request.url.params["handle"] == "carla.example.com"
    request = get_posts.calls.last.request
    assert request.url.params.get_list("uris") == [uri("3la")]
    assert "Authorization" not in request.headers
    assert found.text == "Is the shop open on Sunday?"
    assert found.author_handle == "@carla.example.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://bsky.app/profile/carla.example.com",
        "https://bsky.app/profile/carla.example.com/post/",
        "https://evil.example/profile/carla.example.com/post/3la",
        "http://bsky.app/profile/carla.example.com/post/3la",
        "https://bsky.app/profile/not a handle/post/3la",
        "hello",
    ],
)
def test_lookup_refuses_what_is_not_a_bluesky_post_link(care: BlueskyCare, url: str) -> None:
    with pytest.raises(ValueError, match="not a link to a Bluesky post"):
        care.lookup(url)


def test_lookup_of_a_deleted_post_asks_for_the_text(
    care: BlueskyCare, bluesky: respx.MockRouter
) -> None:
    bluesky.get(f"{PUBLIC}/app.bsky.feed.getPosts").respond(200, json={"posts": []})
    with pytest.raises(ValueError, match="paste its text"):
        care.lookup(f"https://bsky.app/profile/{CARLA}/post/3la")


def test_lookup_of_an_unknown_handle_says_so(care: BlueskyCare, bluesky: respx.MockRouter) -> None:
    bluesky.get(f"{PUBLIC}/com.atproto.identity.resolveHandle").respond(
        400, json={"error": "InvalidRequest", "message": "Unable to resolve handle"}
    )
    with pytest.raises(ValueError, match="does not know the account"):
        care.lookup("https://bsky.app/profile/nobody.example.com/post/3la")


def test_reply_names_the_threads_root_and_parent(
    care: BlueskyCare, member: Connection, bluesky: respx.MockRouter
) -> None:
    rkey = tid_from_key("reply-1")
    route = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json={"uri": uri(rkey, MEMBER), "cid": "bafynew"}
    )
    target = ReplyTarget(
        remote_id=uri("3lb"),
        url="https://bsky.app/profile/carla.example.com/post/3lb",
        root_id=ROOT,
        extra={"cid": "bafy3lb", "root_uri": ROOT, "root_cid": "bafyroot"},
    )
    with time_machine.travel(NOW, tick=False):
        posted = care.reply(member, "Sorry! Details: https://acme.com/help", target, "reply-1")

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer member-access"
    sent = json.loads(request.content)
    assert sent["repo"] == MEMBER
    assert sent["collection"] == "app.bsky.feed.post"
    assert sent["rkey"] == rkey
    record = sent["record"]
    assert record["text"] == "Sorry! Details: https://acme.com/help"
    assert record["createdAt"] == "2025-03-01T12:00:00.000Z"
    assert record["reply"]["root"] == {
        "uri": ROOT,
        "cid": "bafyroot",
        "$type": "com.atproto.repo.strongRef",
    }
    assert record["reply"]["parent"] == {
        "uri": uri("3lb"),
        "cid": "bafy3lb",
        "$type": "com.atproto.repo.strongRef",
    }
    assert record["facets"][0]["features"][0]["uri"] == "https://acme.com/help"
    assert posted.remote_id == uri(rkey, MEMBER)
    assert posted.url == f"https://bsky.app/profile/ada.bsky.social/post/{rkey}"


def test_a_reply_to_a_post_known_only_by_its_uri_reads_its_thread_first(
    care: BlueskyCare, member: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(f"{PUBLIC}/app.bsky.feed.getPosts").respond(
        200, json={"posts": [post("3lb", reply_to=ROOT)]}
    )
    route = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json={"uri": uri("3lz", MEMBER), "cid": "bafynew"}
    )
    care.reply(member, "On its way!", ReplyTarget(remote_id=uri("3lb")), "reply-2")

    reply = json.loads(route.calls.last.request.content)["record"]["reply"]
    assert (reply["root"]["uri"], reply["root"]["cid"]) == (ROOT, "bafyroot")
    assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (uri("3lb"), "bafy3lb")


def test_a_retried_reply_with_the_same_key_posts_once(
    care: BlueskyCare, member: Connection, bluesky: respx.MockRouter
) -> None:
    # The PDS refuses a second record under a taken key; the first is then the answer.
    records: dict[str, dict[str, Any]] = {}

    def create(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        if sent["rkey"] in records:
            return httpx.Response(
                400, json={"error": "InvalidRequest", "message": "Record already exists"}
            )
        records[sent["rkey"]] = sent["record"]
        return httpx.Response(200, json={"uri": uri(sent["rkey"], MEMBER), "cid": "bafynew"})

    def get_record(request: httpx.Request) -> httpx.Response:
        rkey = request.url.params["rkey"]
        return httpx.Response(
            200, json={"uri": uri(rkey, MEMBER), "cid": "bafynew", "value": records[rkey]}
        )

    bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").mock(side_effect=create)
    bluesky.get(f"{XRPC}/com.atproto.repo.getRecord").mock(side_effect=get_record)
    target = ReplyTarget(
        remote_id=uri("3lb"), extra={"cid": "bafy3lb", "root_uri": ROOT, "root_cid": "bafyroot"}
    )
    first = care.reply(member, "On its way!", target, "reply-3")
    again = care.reply(member, "On its way!", target, "reply-3")

    assert first == again
    assert len(records) == 1


def test_a_reply_too_long_for_bluesky_is_refused_before_sending(
    care: BlueskyCare, member: Connection
) -> None:
    target = ReplyTarget(
        remote_id=uri("3lb"), extra={"cid": "c", "root_uri": ROOT, "root_cid": "r"}
    )
    with pytest.raises(Rejected, match="at most 300"):
        care.reply(member, "x" * 301, target, "reply-4")


def test_a_reply_to_what_is_not_a_bluesky_post_is_refused(
    care: BlueskyCare, member: Connection
) -> None:
    with pytest.raises(ValueError, match="which Bluesky post"):
        care.reply(member, "Hi", ReplyTarget(remote_id="12345"), "reply-5")


def test_the_reply_page_is_the_post_on_bsky_app(care: BlueskyCare) -> None:
    target = ReplyTarget(remote_id=uri("3lb"))
    assert care.reply_intent_url("Hi", target) == (f"https://bsky.app/profile/{CARLA}/post/3lb")
    linked = ReplyTarget(remote_id=uri("3lb"), url="https://bsky.app/profile/c.example/post/3lb")
    assert care.reply_intent_url("Hi", linked) == "https://bsky.app/profile/c.example/post/3lb"


def test_a_members_pds_on_a_private_address_is_never_contacted(
    care: BlueskyCare, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    self_hosted = Connection(
        app=AppCredentials(), access_token="a", instance="https://pds.intranet.example"
    )

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(Unavailable, match="private or local network"):
        care.search(self_hosted, "acme")
