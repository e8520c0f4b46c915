"""The Mastodon adapter against the documented API shapes (docs.joinmastodon.org)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
import time_machine

from chorus.networks.base import (
    AppCredentials,
    AuthExpired,
    Authorization,
    Connection,
    RateLimited,
    Rejected,
    Unavailable,
)
from chorus.networks.http import pkce_challenge as code_challenge
from chorus.networks.mastodon.adapter import Mastodon, instance_clean
from chorus.networks.registry import oauth_adapter

BASE = "https://mastodon.social"
APP = AppCredentials(client_id="client-abc", client_secret="secret-xyz")
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# GET /api/v1/accounts/verify_credentials (the CredentialAccount entity, trimmed).
ACCOUNT = {
    "id": "109302",
    "username": "ada",
    "acct": "ada",
    "display_name": "Ada Lovelace",
    "locked": False,
    "bot": False,
    "created_at": "2022-11-05T00:00:00.000Z",
    "note": "",
    "url": "https://mastodon.social/@ada",
    "avatar": "https://files.mastodon.social/avatar.png",
    "followers_count": 321,
    "following_count": 12,
    "statuses_count": 40,
}


def status(status_id: str = "113001", **counts: int) -> dict[str, object]:
    """A Status entity as POST /api/v1/statuses and GET /api/v1/statuses/:id return it."""
    return {
        "id": status_id,
        "created_at": "2025-03-01T12:00:00.000Z",
        "uri": f"https://mastodon.social/users/ada/statuses/{status_id}",
        "url": f"https://mastodon.social/@ada/{status_id}",
        "visibility": "public",
        "content": "<p>Our report is out</p>",
        "replies_count": counts.get("replies", 0),
        "reblogs_count": counts.get("reblogs", 0),
        "favourites_count": counts.get("favourites", 0),
        "account": ACCOUNT,
    }


@pytest.fixture
def adapter() -> Mastodon:
    return Mastodon()


@pytest.fixture
def connection() -> Connection:
    return Connection(app=APP, access_token="token-123", instance=BASE, account_id="109302")


@pytest.fixture
def mastodon() -> object:
    with respx.mock(assert_all_called=False) as router:
        yield router


def test_registry_loads_the_mastodon_adapter() -> None:
    found = oauth_adapter("mastodon")
    assert isinstance(found, Mastodon)
    assert found.can_publish and found.intent_takes_text
    assert found.token_lifetime_days is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mastodon.social", BASE),
        ("  Mastodon.Social  ", BASE),
        ("https://mastodon.social/", BASE),
        ("http://mastodon.social", BASE),
        ("https://mastodon.social:443", BASE),
        ("@ada@mastodon.social", BASE),
        ("ada@mastodon.social", BASE),
        ("mastodon.social.", BASE),
        ("bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_instance_clean_accepts_names_urls_and_handles(typed: str, expected: str) -> None:
    assert instance_clean(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your Mastodon server"),
        ("https://mastodon.social/@ada", "without a path"),
        ("mastodon.social?x=1", "without a path"),
        ("https://mastodon.social:8443", "standard https port"),
        ("203.0.113.7", "not an IP address"),
        ("https://[2001:db8::1]/", "not an IP address"),
        ("localhost", "not a server name on the internet"),
        ("ftp://mastodon.social", "over https"),
        ("https://user:pw@mastodon.social", "only the server"),
        ("bad_host!.example", "not a valid server name"),
    ],
)
def test_instance_clean_refuses_anything_but_a_public_server_name(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        instance_clean(typed)


def test_intent_url_uses_the_members_instance_share_page(adapter: Mastodon) -> None:
    url = adapter.intent_url("Read this ✨", "https://l.test/abc", instance="@ada@Fosstodon.org")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "fosstodon.org", "/share")
    assert parse_qs(parts.query) == {"text": ["Read this ✨\n\nhttps://l.test/abc"]}


def test_intent_url_keeps_the_text_when_it_already_has_the_link(adapter: Mastodon) -> None:
    url = adapter.intent_url("See https://l.test/abc now", "https://l.test/abc", instance=BASE)
    assert parse_qs(urlsplit(url).query) == {"text": ["See https://l.test/abc now"]}


def test_intent_url_without_an_instance_asks_for_one(adapter: Mastodon) -> None:
    with pytest.raises(ValueError, match="Enter your Mastodon server"):
        adapter.intent_url("Hello", "https://l.test/abc")


def test_register_app_posts_the_app_form_and_returns_its_credentials(
    adapter: Mastodon, mastodon: respx.MockRouter, settings: object
) -> None:
    route = mastodon.post(f"{BASE}/api/v1/apps").respond(
        200,
        json={
            "id": "563419",
            "name": "Chorus",
            "website": "https://chorus.example",
            "scopes": ["read:accounts", "read:statuses", "write:statuses"],
            "redirect_uri": "https://chorus.example/connect/mastodon/done",
            "redirect_uris": ["https://chorus.example/connect/mastodon/done"],
            "client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
            "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
            "client_secret_expires_at": 0,
        },
    )
    credentials = adapter.register_app(
        "mastodon.social", redirect_uri="https://chorus.example/connect/mastodon/done"
    )
    assert credentials == AppCredentials(
        client_id="TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
        client_secret="ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
    )
    sent = parse_qs(route.calls.last.request.content.decode())
    assert sent["client_name"] == ["Chorus"]
    assert sent["redirect_uris"] == ["https://chorus.example/connect/mastodon/done"]
    assert sent["scopes"] == ["read:accounts read:statuses write:statuses"]
    assert "website" in sent


def test_authorization_sends_the_member_to_the_instance_with_pkce(adapter: Mastodon) -> None:
    found = adapter.authorization(
        APP, redirect_uri="https://chorus.example/done", instance="mastodon.social"
    )
    parts = urlsplit(found.url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/oauth/authorize"
    assert query == {
        "response_type": "code",
        "client_id": "client-abc",
        "redirect_uri": "https://chorus.example/done",
        "scope": "read:accounts read:statuses write:statuses",
        "state": found.state,
        "code_challenge": code_challenge(found.code_verifier),
        "code_challenge_method": "S256",
    }
    assert 43 <= len(found.code_verifier) <= 128
    assert found.extra == {"instance": BASE}
    # RFC 7636 appendix B test vector: the challenge is BASE64URL(SHA256(verifier)).
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_authorizations_never_repeat_state_or_verifier(adapter: Mastodon) -> None:
    first = adapter.authorization(APP, redirect_uri="https://c.example/d", instance=BASE)
    second = adapter.authorization(APP, redirect_uri="https://c.example/d", instance=BASE)
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier


def test_exchange_code_gets_a_token_then_reads_who_the_member_is(
    adapter: Mastodon, mastodon: respx.MockRouter
) -> None:
    token = mastodon.post(f"{BASE}/oauth/token").respond(
        200,
        json={
            "access_token": "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0",
            "token_type": "Bearer",
            "scope": "read:accounts read:statuses write:statuses",
            "created_at": 1573979017,
        },
    )
    me = mastodon.get(f"{BASE}/api/v1/accounts/verify_credentials").respond(200, json=ACCOUNT)
    authorization = Authorization(
        url="", state="s", code_verifier="verifier-1", extra={"instance": BASE}
    )
    connection = adapter.exchange_code(
        APP, code="code-9", redirect_uri="https://c.example/d", authorization=authorization
    )
    sent = {k: v[0] for k, v in parse_qs(token.calls.last.request.content.decode()).items()}
    assert sent["grant_type"] == "authorization_code"
    assert sent["code"] == "code-9"
    assert sent["code_verifier"] == "verifier-1"
    assert sent["client_id"] == "client-abc"
    assert sent["client_secret"] == "secret-xyz"
    assert sent["redirect_uri"] == "https://c.example/d"
    assert me.calls.last.request.headers["Authorization"] == (
        "Bearer ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
    )
    assert connection.access_token == "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
    assert connection.instance == BASE
    assert connection.account_id == "109302"
    assert connection.handle == "@ada@mastodon.social"
    assert connection.expires_at is None


def test_exchange_code_with_a_bad_code_is_an_auth_error(
    adapter: Mastodon, mastodon: respx.MockRouter
) -> None:
    mastodon.post(f"{BASE}/oauth/token").respond(
        400,
        json={
            "error": "invalid_grant",
            "error_description": "The provided authorization grant is invalid, expired, revoked",
        },
    )
    authorization = Authorization(url="", state="s", code_verifier="v", extra={"instance": BASE})
    with pytest.raises(Rejected, match="authorization grant is invalid"):
        adapter.exchange_code(
            APP, code="old", redirect_uri="https://c.example/d", authorization=authorization
        )


def test_profile_reads_followers(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.get(f"{BASE}/api/v1/accounts/verify_credentials").respond(
        200, json={**ACCOUNT, "acct": "ada"}
    )
    found = adapter.profile(connection)
    assert found.followers == 321
    assert found.display_name == "Ada Lovelace"
    assert found.url == "https://mastodon.social/@ada"


def test_refresh_is_impossible_so_the_member_reconnects(
    adapter: Mastodon, connection: Connection
) -> None:
    with pytest.raises(AuthExpired):
        adapter.refresh(connection)


def test_publish_posts_a_public_status_with_the_idempotency_key(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(f"{BASE}/api/v1/statuses").respond(200, json=status("113001"))
    posted = adapter.publish(
        connection, "Our report is out https://l.test/abc", "https://l.test/abc", "share-42"
    )
    assert posted.remote_id == "113001"
    assert posted.url == "https://mastodon.social/@ada/113001"
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer token-123"
    assert request.headers["Idempotency-Key"] == "share-42"
    assert json.loads(request.content) == {
        "status": "Our report is out https://l.test/abc",
        "visibility": "public",
    }


def test_publish_appends_the_link_only_when_the_text_lacks_it(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(f"{BASE}/api/v1/statuses").respond(200, json=status())
    adapter.publish(connection, "Our report is out", "https://l.test/abc", "share-43")
    assert json.loads(route.calls.last.request.content)["status"] == (
        "Our report is out\n\nhttps://l.test/abc"
    )


def test_a_retried_publish_with_the_same_key_creates_one_status(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    # Mastodon keeps Idempotency-Key for an hour and answers a repeat with the first status.
    created: dict[str, dict[str, object]] = {}

    def statuses(request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key", "")
        if key not in created:
            created[key] = status(str(113000 + len(created)))
        return httpx.Response(200, json=created[key])

    mastodon.post(f"{BASE}/api/v1/statuses").mock(side_effect=statuses)
    first = adapter.publish(connection, "Hello", "https://l.test/a", "share-7")
    again = adapter.publish(connection, "Hello", "https://l.test/a", "share-7")
    assert first == again
    assert len(created) == 1


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (
            httpx.Response(401, json={"error": "The access token is invalid"}),
            AuthExpired,
            "invalid",
        ),
        (
            httpx.Response(401, json={"error": "The access token was revoked"}),
            AuthExpired,
            "revoked",
        ),
        (
            httpx.Response(403, json={"error": "This action is outside the authorized scopes"}),
            AuthExpired,
            "authorized scopes",
        ),
        (
            httpx.Response(403, json={"error": "Your login is currently disabled"}),
            Rejected,
            "currently disabled",
        ),
        (
            httpx.Response(
                422, json={"error": "Validation failed: Text character limit of 500 exceeded"}
            ),
            Rejected,
            "character limit of 500 exceeded",
        ),
        (httpx.Response(502, text="<html>Bad gateway</html>"), Unavailable, "502"),
        (httpx.Response(503, json={"error": "down"}), Unavailable, "503"),
        (httpx.Response(200, text="<html>not json</html>"), Unavailable, "could not read"),
    ],
)
def test_publish_maps_error_answers_to_typed_errors(
    adapter: Mastodon,
    connection: Connection,
    mastodon: respx.MockRouter,
    answer: httpx.Response,
    error: type[Exception],
    message: str,
) -> None:
    mastodon.post(f"{BASE}/api/v1/statuses").mock(return_value=answer)
    with pytest.raises(error, match=message) as raised:
        adapter.publish(connection, "Hello", "https://l.test/a", "k")
    assert type(raised.value) is error


def test_a_422_keeps_mastodons_reason(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.post(f"{BASE}/api/v1/statuses").respond(
        422, json={"error": "Validation failed: Text can't be blank"}
    )
    with pytest.raises(Rejected) as raised:
        adapter.publish(connection, "", "", "k")
    assert raised.value.status == 422
    assert "Text can't be blank" in raised.value.reason


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": "Sat, 01 Mar 2025 12:05:00 GMT"}, 300.0),
        ({"X-RateLimit-Reset": "2025-03-01T12:00:30.000000Z"}, 30.0),
        ({"X-RateLimit-Reset": "2025-03-01T11:00:00.000Z"}, 0.0),
        ({}, None),
    ],
)
def test_a_429_says_when_to_retry(
    adapter: Mastodon,
    connection: Connection,
    mastodon: respx.MockRouter,
    headers: dict[str, str],
    seconds: float | None,
) -> None:
    mastodon.post(f"{BASE}/api/v1/statuses").respond(
        429,
        json={"error": "Too many requests"},
        headers={"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", **headers},
    )
    with pytest.raises(RateLimited) as raised:
        adapter.publish(connection, "Hello", "https://l.test/a", "k")
    assert raised.value.retry_after == seconds


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
)
def test_timeouts_and_connection_failures_are_unavailable(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter, failure: Exception
) -> None:
    mastodon.post(f"{BASE}/api/v1/statuses").mock(side_effect=failure)
    with pytest.raises(Unavailable):
        adapter.publish(connection, "Hello", "https://l.test/a", "k")


def test_an_instance_that_resolves_to_a_private_address_is_never_contacted(
    adapter: Mastodon, connection: Connection, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False  # type: ignore[attr-defined]

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(Unavailable, match="private or local network"):
        adapter.publish(connection, "Hello", "https://l.test/a", "k")


def test_fetch_metrics_reads_each_status_and_skips_deleted_ones(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    first = mastodon.get(f"{BASE}/api/v1/statuses/1").respond(
        200, json=status("1", favourites=5, reblogs=2, replies=1)
    )
    mastodon.get(f"{BASE}/api/v1/statuses/2").respond(404, json={"error": "Record not found"})
    mastodon.get(f"{BASE}/api/v1/statuses/3").respond(200, json=status("3", favourites=9))
    found = adapter.fetch_metrics(connection, ["1", "2", "3"])
    assert [(m.remote_id, m.reactions, m.reposts, m.replies) for m in found] == [
        ("1", 5, 2, 1),
        ("3", 9, 0, 0),
    ]
    assert first.calls.last.request.headers["Authorization"] == "Bearer token-123"


def test_fetch_metrics_stops_on_an_expired_token(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    mastodon.get(f"{BASE}/api/v1/statuses/1").respond(
        401, json={"error": "The access token is invalid"}
    )
    with pytest.raises(AuthExpired):
        adapter.fetch_metrics(connection, ["1"])


def test_revoke_posts_the_token_to_the_instance(
    adapter: Mastodon, connection: Connection, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(f"{BASE}/oauth/revoke").respond(200, json={})
    adapter.revoke(connection)
    sent = {k: v[0] for k, v in parse_qs(route.calls.last.request.content.decode()).items()}
    assert sent == {"client_id": "client-abc", "client_secret": "secret-xyz", "token": "token-123"}


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(403, json={"error": "unauthorized_client"}),
        httpx.Response(500),
        httpx.ConnectTimeout("slow"),
    ],
)
def test_revoke_never_raises(
    adapter: Mastodon,
    connection: Connection,
    mastodon: respx.MockRouter,
    answer: httpx.Response | Exception,
) -> None:
    route = mastodon.post(f"{BASE}/oauth/revoke")
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    adapter.revoke(connection)
    assert route.called
