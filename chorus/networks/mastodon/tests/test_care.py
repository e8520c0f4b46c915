"""Mastodon for customer care against the documented API shapes (docs.joinmastodon.org:
GET /api/v1/notifications, GET /api/v2/search, GET /api/v1/statuses/:id,
POST /api/v1/statuses), faked at the transport with respx."""

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
    ReplyTarget,
    Unavailable,
)
from chorus.networks.mastodon.care import MastodonCare, html_text

BASE = "https://mastodon.social"
OTHER = "https://fosstodon.org"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
APP = AppCredentials(client_id="client-abc", client_secret="secret-xyz")


def account(acct: str = "carla@example.net", account_id: str = "2001") -> dict[str, Any]:
    """An Account entity (trimmed)."""
    username = acct.split("@")[0]
    return {
        "id": account_id,
        "username": username,
        "acct": acct,
        "display_name": "Carla Customer",
        "url": f"https://example.net/@{username}",
    }


def status(
    status_id: str,
    content: str = "<p>@acme my order never came</p>",
    *,
    reply_to: str | None = None,
    visibility: str = "public",
    acct: str = "carla@example.net",
) -> dict[str, Any]:
    """A Status entity as the organization's server shows it (trimmed)."""
    return {
        "id": status_id,
        "created_at": "2025-03-01T11:58:00.000Z",
        "in_reply_to_id": reply_to,
        "in_reply_to_account_id": "1" if reply_to else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": visibility,
        "language": "en",
        "uri": f"https://example.net/users/carla/statuses/9{status_id}",
        "url": f"https://example.net/@carla/9{status_id}",
        "content": content,
        "account": account(acct),
    }


def notification(
    notification_id: str, item: dict[str, Any], kind: str = "mention"
) -> dict[str, Any]:
    """A Notification entity."""
    return {
        "id": notification_id,
        "type": kind,
        "created_at": "2025-03-01T11:58:01.000Z",
        "account": item["account"],
        "status": item,
    }


@pytest.fixture
def care() -> MastodonCare:
    return MastodonCare()


@pytest.fixture
def official() -> Connection:
    return Connection(app=APP, access_token="org-token", instance=BASE, account_id="1")


@pytest.fixture
def member() -> Connection:
    return Connection(app=APP, access_token="member-token", instance=BASE, account_id="7")


@pytest.fixture
def mastodon() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


def test_mentions_become_incoming_posts_oldest_first_with_the_newest_notification_as_cursor(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.get(f"{BASE}/api/v1/notifications").respond(
        200,
        json=[
            notification("560", status("1120", "<p>still waiting</p>", reply_to="1110")),
            notification("555", status("1110")),
        ],
    )
    page = care.mentions(official)

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer org-token"
    assert request.url.params.get_list("types[]") == ["mention"]
    assert "min_id" not in request.url.params
    assert page.cursor == "560"
    first, second = page.items
    assert first.remote_id == "1110"
    assert first.text == "@acme my order never came"
    assert first.author_handle == "@carla@example.net"
    assert first.author_name == "Carla Customer"
    assert first.author_url == "https://example.net/@carla"
    assert first.author_id == "2001"
    assert first.url == "https://example.net/@carla/91110"
    assert first.posted_at == datetime(2025, 3, 1, 11, 58, tzinfo=UTC)
    assert first.language == "en"
    assert first.parent_id == "" and first.root_id == ""
    assert first.extra == {
        "instance": BASE,
        "uri": "https://example.net/users/carla/statuses/91110",
    }
    assert second.parent_id == "1110"
    assert second.root_id == ""


def test_mentions_continue_after_the_cursor_and_skip_private_ones(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.get(f"{BASE}/api/v1/notifications").respond(
        200,
        json=[
            notification("990", status("1300", visibility="direct")),
            notification("980", status("1290")),
            # An old one a server sends again is not read twice.
            notification("560", status("1120")),
        ],
    )
    page = care.mentions(official, cursor="560")

    assert route.calls.last.request.url.params["min_id"] == "560"
    assert [item.remote_id for item in page.items] == ["1290"]
    # The direct message is not answered in public, but not read again either.
    assert page.cursor == "990"


def test_no_new_mentions_keep_the_cursor(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.get(f"{BASE}/api/v1/notifications").respond(200, json=[])
    page = care.mentions(official, cursor="560")
    assert page.items == [] and page.cursor == "560"


def test_html_content_becomes_plain_text_with_its_line_breaks() -> None:
    content = (
        '<p>Hi <span class="h-card"><a href="https://x.test/@acme" class="u-url mention">'
        "@<span>acme</span></a></span>,<br>my order &amp; refund?</p>"
        "<p>Thanks <script>alert(1)</script><b>a lot</b></p>"
    )
    assert html_text(content) == "Hi @acme,\nmy order & refund?\n\nThanks a lot"


def test_search_reads_statuses_newer_than_the_cursor(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.get(f"{BASE}/api/v2/search").respond(
        200,
        json={
            "accounts": [],
            "hashtags": [],
            "statuses": [status("1500"), status("1400"), status("999")],
        },
    )
    page = care.search(official, "#acmehelp", cursor="1400")

    params = route.calls.last.request.url.params
    assert params["q"] == "#acmehelp"
    assert params["type"] == "statuses"
    assert params["resolve"] == "false"
    assert route.calls.last.request.headers["Authorization"] == "Bearer org-token"
    assert [item.remote_id for item in page.items] == ["1500"]
    assert page.cursor == "1500"


def test_search_without_results_keeps_the_cursor(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.get(f"{BASE}/api/v2/search").respond(200, json={"statuses": []})
    assert care.search(official, "acme", cursor="1400").cursor == "1400"


def test_an_empty_search_is_refused(care: MastodonCare, official: Connection) -> None:
    with pytest.raises(ValueError, match="Enter words"):
        care.search(official, "  ")


@time_machine.travel(NOW, tick=False)
def test_a_rate_limited_poll_says_when_to_retry(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.get(f"{BASE}/api/v1/notifications").respond(
        429,
        json={"error": "Too many requests"},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2025-03-01T12:05:00.000Z"},
    )
    with pytest.raises(RateLimited) as raised:
        care.mentions(official)
    assert raised.value.retry_after == 300.0


def test_a_revoked_token_means_reconnecting(
    care: MastodonCare, official: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.get(f"{BASE}/api/v2/search").respond(
        401, json={"error": "The access token was revoked"}
    )
    with pytest.raises(AuthExpired, match="revoked"):
        care.search(official, "acme")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.net/@carla/113001",
        "https://example.net/@carla@other.example/113001",
        "https://example.net/users/carla/statuses/113001",
        "http://example.net/@carla/113001/",
    ],
)
def test_lookup_reads_a_public_status_from_its_link(
    care: MastodonCare, mastodon: respx.MockRouter, url: str
) -> None:
    route = mastodon.get("https://example.net/api/v1/statuses/113001").respond(
        200, json=status("113001", "<p>Is the shop open on Sunday?</p>", acct="carla")
    )
    found = care.lookup(url)

    assert "Authorization" not in route.calls.last.request.headers
    assert found.remote_id == "113001"
    assert found.text == "Is the shop open on Sunday?"
    assert found.author_handle == "@carla@example.net"
    assert found.extra["instance"] == "https://example.net"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.net/@carla",
        "https://example.net/@carla/notanumber",
        "https://example.net/about",
        "ftp://example.net/@carla/1",
        "https://127.0.0.1/@carla/1",
        "https://localhost/@carla/1",
        "not a link",
    ],
)
def test_lookup_refuses_what_is_not_a_status_link(care: MastodonCare, url: str) -> None:
    with pytest.raises(ValueError):
        care.lookup(url)


def test_lookup_of_a_private_or_deleted_status_asks_for_the_text(
    care: MastodonCare, mastodon: respx.MockRouter
) -> None:
    mastodon.get("https://example.net/api/v1/statuses/5").respond(
        404, json={"error": "Record not found"}
    )
    with pytest.raises(ValueError, match="paste its text"):
        care.lookup("https://example.net/@carla/5")


def test_lookup_never_contacts_a_server_on_a_private_address(
    care: MastodonCare, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.8", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(Unavailable, match="private or local network"):
        care.lookup("https://intranet.example/@carla/5")


def test_reply_posts_in_the_thread_with_the_idempotency_key(
    care: MastodonCare, member: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(f"{BASE}/api/v1/statuses").respond(
        200, json=status("1600", acct="ada") | {"url": f"{BASE}/@ada/1600"}
    )
    target = ReplyTarget(
        remote_id="1110", url="https://example.net/@carla/91110", extra={"instance": BASE}
    )
    posted = care.reply(member, "@carla@example.net sorry, on its way!", target, "reply-9")

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer member-token"
    assert request.headers["Idempotency-Key"] == "reply-9"
    assert json.loads(request.content) == {
        "status": "@carla@example.net sorry, on its way!",
        "in_reply_to_id": "1110",
        "visibility": "public",
    }
    assert posted.remote_id == "1600"
    assert posted.url == f"{BASE}/@ada/1600"


def test_a_member_on_another_server_replies_to_the_id_their_server_knows(
    care: MastodonCare, mastodon: respx.MockRouter
) -> None:
    member = Connection(app=APP, access_token="member-token", instance=OTHER)
    uri = "https://example.net/users/carla/statuses/91110"
    search = mastodon.get(f"{OTHER}/api/v2/search").respond(
        200, json={"statuses": [status("777") | {"uri": uri}]}
    )
    post = mastodon.post(f"{OTHER}/api/v1/statuses").respond(200, json=status("778"))
    target = ReplyTarget(remote_id="1110", extra={"instance": BASE, "uri": uri})
    care.reply(member, "On its way!", target, "reply-10")

    params = search.calls.last.request.url.params
    assert params["q"] == uri and params["resolve"] == "true"
    assert json.loads(post.calls.last.request.content)["in_reply_to_id"] == "777"


def test_a_retried_reply_with_the_same_key_posts_once(
    care: MastodonCare, member: Connection, mastodon: respx.MockRouter
) -> None:
    # Mastodon keeps an Idempotency-Key for an hour and answers a repeat with the first status.
    created: dict[str, dict[str, Any]] = {}

    def statuses(request: httpx.Request) -> httpx.Response:
        key = request.headers["Idempotency-Key"]
        created.setdefault(key, status(str(1700 + len(created))))
        return httpx.Response(200, json=created[key])

    mastodon.post(f"{BASE}/api/v1/statuses").mock(side_effect=statuses)
    target = ReplyTarget(remote_id="1110", extra={"instance": BASE})
    first = care.reply(member, "On its way!", target, "reply-11")
    again = care.reply(member, "On its way!", target, "reply-11")
    assert first == again
    assert len(created) == 1


def test_the_reply_page_is_the_members_server_showing_the_post(care: MastodonCare) -> None:
    target = ReplyTarget(
        remote_id="1110",
        url="https://example.net/@carla/91110",
        extra={"uri": "https://example.net/users/carla/statuses/91110"},
    )
    assert care.reply_intent_url("On its way!", target, instance="fosstodon.org") == (
        "https://fosstodon.org/authorize_interaction?uri="
        "https%3A%2F%2Fexample.net%2Fusers%2Fcarla%2Fstatuses%2F91110"
    )
    assert care.reply_intent_url("On its way!", target) == "https://example.net/@carla/91110"
