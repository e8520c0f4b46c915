"""Connecting accounts (OAuth through the real Mastodon adapter, faked with respx), token
write-back, expiry reminders and disconnecting."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
import time_machine
from django.core.exceptions import ValidationError

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, NetworkConnectionFactory
from chorus.notifications.models import Notification
from chorus.sharing.models import (
    ConnectionStatus,
    MastodonApp,
    NetworkConnection,
    Share,
    ShareStatus,
)
from chorus.sharing.services.connections import (
    connection_check_allowed,
    connections_check_expiry,
)
from chorus.sharing.services.publishing import share_publish_now, share_publish_run
from chorus.sharing.tests.test_crypto import raw
from chorus.sharing.tests.test_publishing import advocate, enable, live_post

INSTANCE = "https://mastodon.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# POST /api/v1/apps (the Application entity with its credentials).
APP = {
    "id": "563419",
    "name": "Chorus",
    "website": "http://127.0.0.1:8000",
    "scopes": ["read:accounts", "read:statuses", "write:statuses"],
    "redirect_uris": ["http://127.0.0.1:8000/connections/callback/"],
    "client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
    "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
}
# POST /oauth/token (the Token entity).
TOKEN: dict[str, Any] = {
    "access_token": "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0",
    "token_type": "Bearer",
    "scope": "read:accounts read:statuses write:statuses",
    "created_at": 1573979017,
}
# GET /api/v1/accounts/verify_credentials (CredentialAccount, trimmed).
ACCOUNT = {
    "id": "109302",
    "username": "ada",
    "acct": "ada",
    "display_name": "Ada Lovelace",
    "url": f"{INSTANCE}/@ada",
    "followers_count": 321,
    "following_count": 12,
}


@pytest.fixture
def mastodon() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{INSTANCE}/api/v1/apps").respond(200, json=APP)
        router.post(f"{INSTANCE}/oauth/token").respond(200, json=TOKEN)
        router.get(f"{INSTANCE}/api/v1/accounts/verify_credentials").respond(200, json=ACCOUNT)
        router.post(f"{INSTANCE}/oauth/revoke").respond(200, json={})
        yield router


@pytest.fixture
def member(organization: Any) -> Any:
    enable(organization)
    return advocate(organization)


@pytest.fixture
def member_client(client: Any, member: Any) -> Any:
    client.force_login(member.user)
    return client


def start(client: Any, instance: str = "mastodon.example") -> Any:
    return client.post("/connections/connect/", {"network": "mastodon", "instance": instance})


def test_connecting_mastodon_registers_the_app_once_per_instance_and_sends_the_member_there(
    member_client: Any, mastodon: respx.MockRouter
) -> None:
    response = start(member_client)
    # Not a 302: a form answered by a redirect to another site is blocked by the CSP's
    # form-action 'self'; the page refreshes to the network's sign-in instead.
    assert response.status_code == 200
    assert response["Content-Security-Policy"]
    found = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', response.content.decode())
    assert found is not None
    location = urlsplit(html.unescape(found.group(1)))
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{INSTANCE}/oauth/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [APP["client_id"]]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/connections/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    pending = member_client.session["sharing_oauth"]
    assert pending["state"] == query["state"][0]
    assert pending["code_verifier"]
    app = MastodonApp.objects.get(instance=INSTANCE)
    assert app.client_secret == APP["client_secret"]

    start(member_client, instance="@ada@mastodon.example")
    assert mastodon.routes[0].call_count == 1  # the app was registered once


def test_the_callback_stores_encrypted_tokens_the_profile_and_an_audit_event(
    member_client: Any, member: Any, mastodon: respx.MockRouter
) -> None:
    start(member_client)
    state = member_client.session["sharing_oauth"]["state"]
    response = member_client.get("/connections/callback/", {"state": state, "code": "code-9"})
    assert response.status_code == 302
    connection = NetworkConnection.objects.get(membership=member)
    assert connection.network == "mastodon"
    assert connection.access_token == TOKEN["access_token"]
    assert connection.handle == "@ada@mastodon.example"
    assert connection.followers == 321
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.expires_at is None  # Mastodon tokens do not expire
    assert TOKEN["access_token"] not in raw(NetworkConnection, connection.pk, "access_token")
    assert AuditEvent.objects.filter(action="connection.connected").count() == 1
    assert "sharing_oauth" not in member_client.session
    page = member_client.get("/connections/")
    assert "@ada@mastodon.example" in page.content.decode()
    assert TOKEN["access_token"] not in page.content.decode()


def test_a_callback_with_another_state_stores_nothing(
    member_client: Any, member: Any, mastodon: respx.MockRouter
) -> None:
    start(member_client)
    response = member_client.get(
        "/connections/callback/", {"state": "forged", "code": "code-9"}, follow=True
    )
    assert "did not start here" in response.content.decode()
    assert not NetworkConnection.objects.exists()
    assert mastodon.routes[1].call_count == 0  # the code was never exchanged
    # The pending sign-in is gone: replaying the right state now fails too.
    again = member_client.get("/connections/callback/", {"state": "x", "code": "y"}, follow=True)
    assert "did not start here" in again.content.decode()


def test_a_callback_the_member_refused_stores_nothing(
    member_client: Any, mastodon: respx.MockRouter
) -> None:
    start(member_client)
    response = member_client.get("/connections/callback/", {"error": "access_denied"}, follow=True)
    assert "did not grant access" in response.content.decode()
    assert not NetworkConnection.objects.exists()


def test_only_advocates_connect_and_only_where_publishing_is_on(organization: Any) -> None:
    enable(organization)
    outsider: Any = MembershipFactory(organization=organization)
    with pytest.raises(ValidationError, match="Join the advocacy program"):
        connection_check_allowed(membership=outsider, network="mastodon")
    member = advocate(organization)
    with pytest.raises(ValidationError, match="not turned on publishing to LinkedIn"):
        connection_check_allowed(membership=member, network="linkedin")
    with pytest.raises(ValidationError, match="share link"):
        connection_check_allowed(membership=member, network="facebook")
    connection_check_allowed(membership=member, network="mastodon")


def test_a_bad_instance_is_refused_with_a_clear_message(
    member_client: Any, mastodon: respx.MockRouter
) -> None:
    response = start(member_client, instance="10.0.0.1")
    assert response.status_code == 302
    page = member_client.get("/connections/")
    assert "not an IP address" in page.content.decode()
    assert not MastodonApp.objects.exists()


@pytest.mark.parametrize(
    "instance",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "gopher://mastodon.example/",
    ],
)
def test_a_server_that_is_not_a_web_address_is_refused(
    member_client: Any, mastodon: respx.MockRouter, instance: str
) -> None:
    response = start(member_client, instance=instance)
    assert response.status_code == 302
    page = html.unescape(member_client.get("/connections/").content.decode())
    assert "server address" in page or "over https" in page
    assert not MastodonApp.objects.exists()
    assert "sharing_oauth" not in member_client.session


def test_a_server_given_as_a_web_address_is_taken(
    member_client: Any, mastodon: respx.MockRouter
) -> None:
    assert start(member_client, instance=f"{INSTANCE}/").status_code == 200
    assert MastodonApp.objects.filter(instance=INSTANCE).exists()


def test_disconnecting_revokes_deletes_the_tokens_and_cancels_pending_shares(
    member_client: Any, member: Any, mastodon: respx.MockRouter
) -> None:
    with time_machine.travel(NOW, tick=False):
        connection: Any = NetworkConnectionFactory(membership=member, instance=INSTANCE)
        post = live_post(member.organization, publish_start=NOW - timedelta(days=1))
        share = share_publish_now(membership=member, post=post, network="mastodon", text="Hi")
        response = member_client.post(f"/connections/{connection.pk}/disconnect/")
    assert response.status_code == 302
    assert not NetworkConnection.objects.filter(pk=connection.pk).exists()
    revoke = mastodon.routes[3]
    assert revoke.call_count == 1
    assert f"token={connection.access_token}" in revoke.calls.last.request.content.decode()
    share.refresh_from_db()
    assert share.status == ShareStatus.CANCELLED
    assert AuditEvent.objects.filter(action="connection.disconnected").count() == 1


def test_disconnecting_works_when_the_network_is_down(
    member_client: Any, member: Any, mastodon: respx.MockRouter
) -> None:
    mastodon.post(f"{INSTANCE}/oauth/revoke").mock(side_effect=httpx.ConnectError("down"))
    connection: Any = NetworkConnectionFactory(membership=member, instance=INSTANCE)
    member_client.post(f"/connections/{connection.pk}/disconnect/")
    assert not NetworkConnection.objects.exists()


def test_another_members_connection_cannot_be_disconnected(
    member_client: Any, organization: Any
) -> None:
    colleague = advocate(organization)
    theirs: Any = NetworkConnectionFactory(membership=colleague)
    assert member_client.post(f"/connections/{theirs.pk}/disconnect/").status_code == 404
    assert NetworkConnection.objects.filter(pk=theirs.pk).exists()


def test_members_are_reminded_once_before_expiry_then_the_connection_expires(
    member: Any,
) -> None:
    connection: Any = NetworkConnectionFactory(
        membership=member, network="linkedin", instance="", expires_at=NOW + timedelta(days=10)
    )
    renewing: Any = NetworkConnectionFactory(
        membership=advocate(member.organization),
        network="x",
        refresh_token="refresh-1",
        expires_at=NOW + timedelta(days=1),
    )
    with time_machine.travel(NOW, tick=False):
        assert connections_check_expiry() == {"reminded": 0, "expired": 0}
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        assert connections_check_expiry() == {"reminded": 1, "expired": 0}
        assert connections_check_expiry() == {"reminded": 0, "expired": 0}
    notice = Notification.objects.get(membership=member)
    assert notice.kind == "connection_expiring"
    assert "LinkedIn connection expires on 12 Mar 2026" in notice.message
    assert notice.url == "/connections/"
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        assert connections_check_expiry() == {"reminded": 0, "expired": 1}
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.EXPIRED
    assert "expired" in connection.last_error
    assert Notification.objects.filter(membership=member).count() == 2
    assert "Reconnect your LinkedIn account" in Notification.objects.latest("id").message
    # A token that renews itself is left to its adapter.
    renewing.refresh_from_db()
    assert renewing.status == ConnectionStatus.ACTIVE and renewing.reminded_at is None


def test_tokens_an_adapter_refreshed_are_written_back_encrypted(organization: Any) -> None:
    enable(organization, "x")
    member = advocate(organization)
    connection: Any = NetworkConnectionFactory(
        membership=member,
        network="x",
        instance="",
        account_id="2244994945",
        handle="ada",
        access_token="old-access",
        refresh_token="old-refresh",
        expires_at=NOW - timedelta(minutes=5),
    )
    with time_machine.travel(NOW, tick=False):
        post = live_post(organization, publish_start=NOW - timedelta(days=1))
        share = share_publish_now(membership=member, post=post, network="x", text="Our report")
        with respx.mock(assert_all_called=True) as x:
            # POST /2/oauth2/token (refresh_token grant) and POST /2/tweets, as documented.
            x.post("https://api.x.com/2/oauth2/token").respond(
                200,
                json={
                    "token_type": "bearer",
                    "expires_in": 7200,
                    "access_token": "new-access",
                    "scope": "tweet.read tweet.write users.read offline.access",
                    "refresh_token": "new-refresh",
                },
            )
            tweets = x.post("https://api.x.com/2/tweets").respond(
                201, json={"data": {"id": "1445880548472328192", "text": "Our report"}}
            )
            assert share_publish_run(share_id=share.pk) == "published"
    assert tweets.calls.last.request.headers["Authorization"] == "Bearer new-access"
    connection.refresh_from_db()
    assert connection.access_token == "new-access"
    assert connection.refresh_token == "new-refresh"
    assert connection.expires_at == NOW + timedelta(seconds=7200)
    assert connection.refreshed_at == NOW
    assert Share.objects.get(pk=share.pk).remote_id == "1445880548472328192"


def test_the_connections_page_lists_only_networks_the_organization_publishes_to(
    member_client: Any, organization: Any
) -> None:
    page = member_client.get("/connections/").content.decode()
    assert 'id="connection-mastodon"' in page
    assert 'id="connection-linkedin"' not in page
    enable(organization, "linkedin")
    page = member_client.get("/connections/").content.decode()
    assert 'id="connection-linkedin"' in page


BSKY = "https://bsky.social/xrpc"
BSKY_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"


def test_a_member_connects_bluesky_with_an_app_password_that_is_never_stored(client, organization):
    enable(organization, "bluesky")
    member = advocate(organization)
    client.force_login(member.user)
    with respx.mock(assert_all_called=True) as bluesky:
        # com.atproto.server.createSession and app.bsky.actor.getProfile, as documented.
        login = bluesky.post(f"{BSKY}/com.atproto.server.createSession").respond(
            200,
            json={
                "accessJwt": "access-jwt",
                "refreshJwt": "refresh-jwt",
                "handle": "ada.bsky.social",
                "did": BSKY_DID,
                "active": True,
            },
        )
        bluesky.get(f"{BSKY}/app.bsky.actor.getProfile").respond(
            200,
            json={
                "did": BSKY_DID,
                "handle": "ada.bsky.social",
                "displayName": "Ada",
                "followersCount": 42,
            },
        )
        response = client.post(
            "/connections/password/",
            {
                "network": "bluesky",
                "handle": "ada.bsky.social",
                "app_password": "abcd-efgh-ijkl-mnop",
            },
            follow=True,
        )
    assert response.status_code == 200
    assert "ada.bsky.social is connected" in response.content.decode()
    assert login.calls.last.request.content.count(b"abcd-efgh-ijkl-mnop") == 1
    connection = NetworkConnection.objects.get(membership=member, network="bluesky")
    assert (connection.account_id, connection.followers) == (BSKY_DID, 42)
    assert connection.access_token == "access-jwt"
    stored = raw(NetworkConnection, connection.pk, "access_token") + raw(
        NetworkConnection, connection.pk, "refresh_token"
    )
    assert "access-jwt" not in stored
    # The app password is nowhere in the row.
    for field in NetworkConnection._meta.concrete_fields:
        assert "abcd-efgh-ijkl-mnop" not in raw(NetworkConnection, connection.pk, field.column)


def test_a_refused_bluesky_sign_in_stores_nothing_and_says_why(client, organization):
    enable(organization, "bluesky")
    member = advocate(organization)
    client.force_login(member.user)
    with respx.mock() as bluesky:
        bluesky.post(f"{BSKY}/com.atproto.server.createSession").respond(
            401,
            json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        )
        response = client.post(
            "/connections/password/",
            {
                "network": "bluesky",
                "handle": "ada.bsky.social",
                "app_password": "abcd-efgh-ijkl-mnop",
            },
            follow=True,
        )
    assert "wrong handle or app password" in response.content.decode()
    assert not NetworkConnection.objects.filter(membership=member).exists()


def test_a_member_on_a_self_hosted_server_connects_there(client, organization):
    enable(organization, "bluesky")
    member = advocate(organization)
    client.force_login(member.user)
    pds = "https://pds.ada.example"
    with respx.mock(assert_all_called=True) as bluesky:
        login = bluesky.post(f"{pds}/xrpc/com.atproto.server.createSession").respond(
            200,
            json={
                "accessJwt": "a",
                "refreshJwt": "r",
                "handle": "ada.example",
                "did": BSKY_DID,
                "active": True,
            },
        )
        bluesky.get(f"{pds}/xrpc/app.bsky.actor.getProfile").respond(
            200, json={"did": BSKY_DID, "handle": "ada.example", "followersCount": 7}
        )
        client.post(
            "/connections/password/",
            {
                "network": "bluesky",
                "handle": "ada.example",
                "app_password": "abcd-efgh-ijkl-mnop",
                "server": "pds.ada.example",
            },
        )
    assert login.called
    assert NetworkConnection.objects.get(membership=member).instance == pds


def test_a_server_that_is_not_one_is_refused_before_anything_is_sent(client, organization):
    enable(organization, "bluesky")
    member = advocate(organization)
    client.force_login(member.user)
    with respx.mock() as network:
        response = client.post(
            "/connections/password/",
            {
                "network": "bluesky",
                "handle": "ada.example",
                "app_password": "abcd-efgh-ijkl-mnop",
                "server": "http://pds.ada.example/xrpc",
            },
            follow=True,
        )
    assert not network.calls
    assert "https" in response.content.decode()
    assert not NetworkConnection.objects.filter(membership=member).exists()


@pytest.mark.parametrize(
    "server",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "gopher://pds.ada.example/",
    ],
)
def test_a_bluesky_server_that_is_not_a_web_address_is_refused(client, organization, server):
    enable(organization, "bluesky")
    member = advocate(organization)
    client.force_login(member.user)
    with respx.mock() as network:
        client.post(
            "/connections/password/",
            {
                "network": "bluesky",
                "handle": "ada.example",
                "app_password": "abcd-efgh-ijkl-mnop",
                "server": server,
            },
        )
    assert not network.calls
    assert not NetworkConnection.objects.filter(membership=member).exists()
