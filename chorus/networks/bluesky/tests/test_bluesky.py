"""The Bluesky adapter against the atproto lexicons' request and response shapes (respx)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
import time_machine
from atproto_client.models.string_formats import TID_RE  # type: ignore[import-untyped]

from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Connection,
    RateLimited,
    Rejected,
    Unavailable,
)
from chorus.networks.bluesky.adapter import TID_ALPHABET, Bluesky, link_facets, tid_from_key
from chorus.networks.registry import publishing_adapter

PDS = "https://bsky.social"
XRPC = f"{PDS}/xrpc"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PAGE = "https://l.test/abc"
IMAGE = "https://cdn.example.com/card.png"
# com.atproto.repo.uploadBlob's output.
BLOB = {
    "$type": "blob",
    "ref": {"$link": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"},
    "mimeType": "image/png",
    "size": 2048,
}


def session(access: str = "access-1", refresh: str = "refresh-1") -> dict[str, object]:
    """com.atproto.server.createSession / refreshSession output."""
    return {
        "accessJwt": access,
        "refreshJwt": refresh,
        "handle": "ada.bsky.social",
        "did": DID,
        "active": True,
    }


def created(rkey: str) -> dict[str, object]:
    """com.atproto.repo.createRecord output."""
    return {
        "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q",
        "commit": {"cid": "bafyreib2rxk3rh6kzwq", "rev": "3lcgjfe5xjs2e"},
        "validationStatus": "valid",
    }


def post_view(uri: str, **counts: int) -> dict[str, object]:
    """app.bsky.feed.defs#postView as app.bsky.feed.getPosts returns it."""
    return {
        "uri": uri,
        "cid": "bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q",
        "author": {"did": DID, "handle": "ada.bsky.social"},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Hi",
            "createdAt": "2025-03-01T12:00:00Z",
        },
        "replyCount": counts.get("replies", 0),
        "repostCount": counts.get("reposts", 0),
        "likeCount": counts.get("likes", 0),
        "quoteCount": counts.get("quotes", 0),
        "indexedAt": "2025-03-01T12:00:01.000Z",
    }


def page(image: bool = True) -> str:
    tag = f'<meta property="og:image" content="{IMAGE}">' if image else ""
    return (
        "<html><head><title>Fallback</title>"
        '<meta property="og:title" content="Our annual report">'
        '<meta property="og:description" content="Numbers, people, plans.">'
        f"{tag}</head><body></body></html>"
    )


@pytest.fixture
def adapter() -> Bluesky:
    return Bluesky()


@pytest.fixture
def connection() -> Connection:
    return Connection(
        app=AppCredentials(),
        access_token="access-1",
        refresh_token="refresh-1",
        instance=PDS,
        account_id=DID,
        handle="ada.bsky.social",
    )


@pytest.fixture
def bluesky() -> object:
    with respx.mock(assert_all_called=False) as router:
        yield router


def record_sent(route: respx.Route) -> dict[str, object]:
    return json.loads(route.calls.last.request.content)  # type: ignore[no-any-return]


def test_registry_loads_the_bluesky_adapter() -> None:
    found = publishing_adapter("bluesky")
    assert isinstance(found, Bluesky)
    assert found.can_publish and found.intent_takes_text


def test_intent_url_composes_the_text_with_the_link(adapter: Bluesky) -> None:
    url = adapter.intent_url("Read this ✨", PAGE)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://bsky.app/intent/compose"
    assert parse_qs(parts.query) == {"text": [f"Read this ✨\n\n{PAGE}"]}
    assert parse_qs(urlsplit(adapter.intent_url(f"See {PAGE}", PAGE)).query) == {
        "text": [f"See {PAGE}"]
    }


# Connecting ---------------------------------------------------------------------------


def test_login_creates_a_session_with_the_app_password(
    adapter: Bluesky, bluesky: respx.MockRouter
) -> None:
    route = bluesky.post(f"{XRPC}/com.atproto.server.createSession").respond(200, json=session())
    connection = adapter.login("@ada.bsky.social", "abcd-efgh-ijkl-mnop")
    assert record_sent(route) == {
        "identifier": "ada.bsky.social",
        "password": "abcd-efgh-ijkl-mnop",
    }
    assert (connection.access_token, connection.refresh_token) == ("access-1", "refresh-1")
    assert (connection.account_id, connection.handle, connection.instance) == (
        DID,
        "ada.bsky.social",
        PDS,
    )


def test_login_with_a_wrong_password_says_so(adapter: Bluesky, bluesky: respx.MockRouter) -> None:
    bluesky.post(f"{XRPC}/com.atproto.server.createSession").respond(
        401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    )
    with pytest.raises(AuthExpired, match="wrong handle or app password"):
        adapter.login("ada.bsky.social", "abcd-efgh-ijkl-mnop")


def test_login_refuses_an_account_password_without_sending_it(
    adapter: Bluesky, bluesky: respx.MockRouter
) -> None:
    route = bluesky.post(f"{XRPC}/com.atproto.server.createSession")
    with pytest.raises(ValueError, match="app password"):
        adapter.login("ada.bsky.social", "my secret password")
    assert not route.called


def test_login_to_a_self_hosted_pds_uses_that_server(
    adapter: Bluesky, bluesky: respx.MockRouter
) -> None:
    route = bluesky.post("https://pds.example.org/xrpc/com.atproto.server.createSession").respond(
        200, json=session()
    )
    connection = adapter.login("ada.example.org", "abcd-efgh-ijkl-mnop", service="pds.example.org")
    assert route.called
    assert connection.instance == "https://pds.example.org"


@pytest.mark.parametrize("service", ["http://pds.example.org", "10.0.0.5", "pds.example.org/x"])
def test_login_refuses_a_service_that_is_not_a_public_https_server(
    adapter: Bluesky, service: str
) -> None:
    with pytest.raises(ValueError):
        adapter.login("ada", "abcd-efgh-ijkl-mnop", service=service)


def test_a_pds_that_resolves_to_a_private_address_is_never_contacted(
    adapter: Bluesky, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False  # type: ignore[attr-defined]

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(Unavailable, match="private or local network"):
        adapter.login("ada", "abcd-efgh-ijkl-mnop", service="pds.example.org")


def test_refresh_sends_the_refresh_token_and_stores_the_new_pair(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    route = bluesky.post(f"{XRPC}/com.atproto.server.refreshSession").respond(
        200, json=session("access-2", "refresh-2")
    )
    adapter.refresh(connection)
    assert route.calls.last.request.headers["Authorization"] == "Bearer refresh-1"
    assert (connection.access_token, connection.refresh_token) == ("access-2", "refresh-2")
    assert connection.refreshed


def test_an_expired_refresh_token_means_reconnecting(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.post(f"{XRPC}/com.atproto.server.refreshSession").respond(
        400, json={"error": "ExpiredToken", "message": "Token has expired"}
    )
    with pytest.raises(AuthExpired):
        adapter.refresh(connection)
    assert not connection.refreshed


def test_revoke_deletes_the_session_and_never_raises(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    route = bluesky.post(f"{XRPC}/com.atproto.server.deleteSession").respond(200)
    adapter.revoke(connection)
    assert route.calls.last.request.headers["Authorization"] == "Bearer refresh-1"
    route.mock(side_effect=httpx.ConnectTimeout("slow"))
    adapter.revoke(connection)
    route.mock(return_value=httpx.Response(500))
    adapter.revoke(connection)


# Record keys and facets ---------------------------------------------------------------


def test_record_keys_are_valid_tids_derived_from_the_idempotency_key() -> None:
    first = tid_from_key("share-42")
    assert first == tid_from_key("share-42")
    assert first != tid_from_key("share-43")
    for key in ["share-42", "", "x" * 500, "ünïcode"]:
        tid = tid_from_key(key)
        assert TID_RE.match(tid), tid
        value = 0
        for char in tid:
            value = value * 32 + TID_ALPHABET.index(char)
        assert value < 1 << 63  # the top bit is zero
        when = datetime.fromtimestamp((value >> 10) / 1_000_000, tz=UTC)
        assert datetime(2023, 1, 1, tzinfo=UTC) <= when < datetime(2025, 4, 1, tzinfo=UTC)


def test_link_facets_use_utf8_byte_offsets_after_emoji() -> None:
    text = "🎉 Ünïcode news: https://l.test/abc. And (https://example.com/a_(b)) too"
    facets = link_facets(text)
    encoded = text.encode("utf-8")
    spans = [(f.index.byte_start, f.index.byte_end) for f in facets]
    # 🎉 is 4 bytes, Ü and ï 2 each: the first URL starts at byte 21, not character 16.
    assert spans[0] == (21, 39)
    assert [encoded[start:end].decode() for start, end in spans] == [
        "https://l.test/abc",
        "https://example.com/a_(b)",
    ]
    assert [f.features[0].uri for f in facets] == [
        "https://l.test/abc",
        "https://example.com/a_(b)",
    ]


# Publishing ---------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_publish_creates_a_post_with_facets_and_a_link_card_with_image(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(PAGE).respond(200, html=page(image=True))
    bluesky.get(IMAGE).respond(200, content=b"\x89PNG-bytes", headers={"Content-Type": "image/png"})
    upload = bluesky.post(f"{XRPC}/com.atproto.repo.uploadBlob").respond(200, json={"blob": BLOB})
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json=created(tid_from_key("share-42"))
    )
    text = f"🎉 Our report is out: {PAGE}"
    posted = adapter.publish(connection, text, PAGE, "share-42")

    rkey = tid_from_key("share-42")
    assert posted.remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert posted.url == f"https://bsky.app/profile/ada.bsky.social/post/{rkey}"
    assert upload.calls.last.request.content == b"\x89PNG-bytes"
    assert upload.calls.last.request.headers["Content-Type"] == "image/png"
    assert upload.calls.last.request.headers["Authorization"] == "Bearer access-1"
    request = create.calls.last.request
    assert request.headers["Authorization"] == "Bearer access-1"
    body = json.loads(request.content)
    assert (body["repo"], body["collection"], body["rkey"]) == (DID, "app.bsky.feed.post", rkey)
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["createdAt"] == "2025-03-01T12:00:00.000Z"
    start = len("🎉 Our report is out: ".encode())
    assert record["facets"] == [
        {
            "$type": "app.bsky.richtext.facet",
            "index": {
                "$type": "app.bsky.richtext.facet#byteSlice",
                "byteStart": start,
                "byteEnd": start + len(PAGE),
            },
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": PAGE}],
        }
    ]
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert (external["uri"], external["title"], external["description"]) == (
        PAGE,
        "Our annual report",
        "Numbers, people, plans.",
    )
    assert external["thumb"] == BLOB


def test_publish_builds_the_card_without_image_when_the_page_has_none(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(PAGE).respond(200, html=page(image=False))
    upload = bluesky.post(f"{XRPC}/com.atproto.repo.uploadBlob")
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json=created(tid_from_key("k"))
    )
    adapter.publish(connection, "Our report", PAGE, "k")
    external = record_sent(create)["record"]["embed"]["external"]  # type: ignore[index]
    assert external["title"] == "Our annual report"
    assert "thumb" not in external
    assert not upload.called
    # The link was appended to the text and linked.
    assert record_sent(create)["record"]["text"] == f"Our report\n\n{PAGE}"  # type: ignore[index]


@pytest.mark.parametrize(
    "image_answer",
    [
        httpx.Response(
            200,
            content=b"x" * 1_000_001,
            headers={"Content-Type": "image/jpeg", "Content-Length": "1000001"},
        ),
        httpx.Response(404),
        httpx.Response(200, content=b"<html>", headers={"Content-Type": "text/html"}),
    ],
)
def test_a_missing_or_too_big_image_leaves_the_card_without_thumb(
    adapter: Bluesky,
    connection: Connection,
    bluesky: respx.MockRouter,
    image_answer: httpx.Response,
) -> None:
    bluesky.get(PAGE).respond(200, html=page(image=True))
    bluesky.get(IMAGE).mock(return_value=image_answer)
    upload = bluesky.post(f"{XRPC}/com.atproto.repo.uploadBlob")
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json=created(tid_from_key("k"))
    )
    adapter.publish(connection, f"Hi {PAGE}", PAGE, "k")
    assert not upload.called
    assert "thumb" not in record_sent(create)["record"]["embed"]["external"]  # type: ignore[index]


def test_a_failed_upload_still_publishes_the_post(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(PAGE).respond(200, html=page(image=True))
    bluesky.get(IMAGE).respond(200, content=b"png", headers={"Content-Type": "image/png"})
    bluesky.post(f"{XRPC}/com.atproto.repo.uploadBlob").respond(
        400, json={"error": "InvalidRequest", "message": "Unable to decode image"}
    )
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json=created(tid_from_key("k"))
    )
    posted = adapter.publish(connection, f"Hi {PAGE}", PAGE, "k")
    assert posted.remote_id.endswith(tid_from_key("k"))
    assert "thumb" not in record_sent(create)["record"]["embed"]["external"]  # type: ignore[index]


def test_a_page_without_preview_is_posted_without_card(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.get(PAGE).respond(404)
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        200, json=created(tid_from_key("k"))
    )
    adapter.publish(connection, f"Hi {PAGE}", PAGE, "k")
    record = record_sent(create)["record"]
    assert "embed" not in record  # type: ignore[operator]
    assert len(record["facets"]) == 1  # type: ignore[index]


def test_a_post_over_300_graphemes_is_rejected_before_sending(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord")
    # 300 family emoji are 300 graphemes but far more code points: they fit.
    family = "👨‍👩‍👧"
    bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(200, json=created("x"))
    adapter.publish(connection, family * 300, "", "fits")
    with pytest.raises(Rejected, match="301 characters"):
        adapter.publish(connection, "a" * 301, "", "too-long")
    assert create.call_count == 1


def test_an_expired_access_token_is_refreshed_and_the_call_retried_once(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    refresh = bluesky.post(f"{XRPC}/com.atproto.server.refreshSession").respond(
        200, json=session("access-2", "refresh-2")
    )
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").mock(
        side_effect=[
            httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"}),
            httpx.Response(200, json=created(tid_from_key("k"))),
        ]
    )
    posted = adapter.publish(connection, "Hello", "", "k")
    assert posted.remote_id.endswith(tid_from_key("k"))
    assert refresh.calls.last.request.headers["Authorization"] == "Bearer refresh-1"
    assert [call.request.headers["Authorization"] for call in create.calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
    assert connection.refreshed
    assert (connection.access_token, connection.refresh_token) == ("access-2", "refresh-2")


def test_a_token_that_expires_again_after_refresh_means_reconnecting(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.post(f"{XRPC}/com.atproto.server.refreshSession").respond(
        200, json=session("access-2", "refresh-2")
    )
    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        400, json={"error": "ExpiredToken", "message": "Token has expired"}
    )
    bluesky.get(f"{XRPC}/com.atproto.repo.getRecord").respond(
        400, json={"error": "ExpiredToken", "message": "Token has expired"}
    )
    with pytest.raises(AuthExpired):
        adapter.publish(connection, "Hello", "", "k")
    assert create.call_count == 2


def test_a_retried_publish_with_the_same_key_creates_one_post(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    # A PDS refuses a second record under a taken record key; getRecord shows the first.
    records: dict[str, dict[str, object]] = {}

    def create_record(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["rkey"] in records:
            return httpx.Response(
                400, json={"error": "InvalidRequest", "message": "Record already exists"}
            )
        records[body["rkey"]] = body["record"]
        return httpx.Response(200, json=created(body["rkey"]))

    def get_record(request: httpx.Request) -> httpx.Response:
        rkey = request.url.params["rkey"]
        if rkey not in records:
            return httpx.Response(
                400, json={"error": "RecordNotFound", "message": "Could not locate record"}
            )
        return httpx.Response(
            200,
            json={
                "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
                "cid": "bafy",
                "value": records[rkey],
            },
        )

    create = bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").mock(side_effect=create_record)
    lookup = bluesky.get(f"{XRPC}/com.atproto.repo.getRecord").mock(side_effect=get_record)
    first = adapter.publish(connection, "Hello", "", "share-7")
    again = adapter.publish(connection, "Hello", "", "share-7")
    assert first == again
    assert len(records) == 1
    assert create.call_count == 2
    assert lookup.calls.last.request.url.params["repo"] == DID
    assert lookup.calls.last.request.url.params["collection"] == "app.bsky.feed.post"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (
            httpx.Response(
                401, json={"error": "AuthenticationRequired", "message": "Invalid token"}
            ),
            AuthExpired,
            "Invalid token",
        ),
        (
            httpx.Response(
                400, json={"error": "InvalidToken", "message": "Token has been revoked"}
            ),
            AuthExpired,
            "revoked",
        ),
        (
            httpx.Response(403, json={"error": "InvalidToken", "message": "Bad token scope"}),
            AuthExpired,
            "Bad token scope",
        ),
        (
            httpx.Response(403, json={"error": "Forbidden", "message": "Account is deactivated"}),
            Rejected,
            "deactivated",
        ),
        (
            httpx.Response(
                400,
                json={
                    "error": "InvalidRequest",
                    "message": "Invalid app.bsky.feed.post record: Record/text must not be longer",
                },
            ),
            Rejected,
            "must not be longer",
        ),
        (httpx.Response(502, text="<html>Bad gateway</html>"), Unavailable, "502"),
        (httpx.Response(500, json={"error": "InternalServerError"}), Unavailable, "500"),
        (httpx.Response(200, text="not json"), Unavailable, "could not read"),
        (
            httpx.Response(
                429,
                json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                headers={
                    "ratelimit-limit": "5000",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(int(NOW.timestamp()) + 90),
                    "ratelimit-policy": "5000;w=3600",
                },
            ),
            RateLimited,
            "slow down",
        ),
    ],
)
def test_publish_maps_error_answers_to_typed_errors(
    adapter: Bluesky,
    connection: Connection,
    bluesky: respx.MockRouter,
    answer: httpx.Response,
    error: type[Exception],
    message: str,
) -> None:
    bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").mock(return_value=answer)
    bluesky.get(f"{XRPC}/com.atproto.repo.getRecord").respond(
        400, json={"error": "RecordNotFound", "message": "Could not locate record"}
    )
    with pytest.raises(error, match=message) as raised:
        adapter.publish(connection, "Hello", "", "k")
    assert type(raised.value) is error
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 90.0


@time_machine.travel(NOW, tick=False)
def test_a_429_with_retry_after_says_when_to_retry(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        429, json={"error": "RateLimitExceeded"}, headers={"Retry-After": "45"}
    )
    with pytest.raises(RateLimited) as raised:
        adapter.publish(connection, "Hello", "", "k")
    assert raised.value.retry_after == 45.0


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
def test_timeouts_and_connection_failures_are_unavailable(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter, failure: Exception
) -> None:
    bluesky.post(f"{XRPC}/com.atproto.repo.createRecord").mock(side_effect=failure)
    with pytest.raises(Unavailable):
        adapter.publish(connection, "Hello", "", "k")


# Reading back -------------------------------------------------------------------------


def test_fetch_metrics_asks_25_posts_at_a_time_and_skips_deleted_ones(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    uris = [f"at://{DID}/app.bsky.feed.post/3lcgjfe5xjs{n:02d}" for n in range(30)]

    def get_posts(request: httpx.Request) -> httpx.Response:
        asked = request.url.params.get_list("uris")
        # The second post was deleted: it is missing from the answer.
        posts = [
            post_view(uri, likes=3, reposts=2, quotes=1, replies=4)
            for uri in asked
            if uri != uris[1]
        ]
        return httpx.Response(200, json={"posts": posts})

    route = bluesky.get(f"{XRPC}/app.bsky.feed.getPosts").mock(side_effect=get_posts)
    found = adapter.fetch_metrics(connection, uris)
    assert [call.request.url.params.get_list("uris") for call in route.calls] == [
        uris[:25],
        uris[25:],
    ]
    assert route.calls.last.request.headers["Authorization"] == "Bearer access-1"
    assert [m.remote_id for m in found] == [uris[0], *uris[2:]]
    assert (found[0].reactions, found[0].reposts, found[0].replies) == (3, 3, 4)


def test_profile_reads_followers(
    adapter: Bluesky, connection: Connection, bluesky: respx.MockRouter
) -> None:
    route = bluesky.get(f"{XRPC}/app.bsky.actor.getProfile").respond(
        200,
        json={
            "did": DID,
            "handle": "ada.bsky.social",
            "displayName": "Ada",
            "followersCount": 1200,
            "followsCount": 10,
            "postsCount": 99,
        },
    )
    found = adapter.profile(connection)
    assert route.calls.last.request.url.params["actor"] == DID
    assert (found.account_id, found.handle, found.followers) == (DID, "ada.bsky.social", 1200)
    assert found.url == "https://bsky.app/profile/ada.bsky.social"
