"""Polling listening sources: the networks' APIs faked at the transport with respx from
their documented shapes (Mastodon GET /api/v1/notifications; Bluesky
com.atproto.server.createSession and app.bsky.feed.searchPosts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import respx
import time_machine
from django.db import connection

from chorus.care.models import Conversation, Message, Origin, SourceKind
from chorus.care.services.sources import source_poll, sources_poll_due
from chorus.care.tasks import care_sources_poll
from chorus.core.models import AuditEvent
from chorus.factories import CareSourceFactory, CareTagFactory, MembershipFactory
from chorus.notifications.models import Notification

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
MASTODON = "https://mastodon.example"
PDS = "https://bsky.social"
CARLA = "did:plc:carla000000000000000000"


def status(status_id: str, content: str, *, reply_to: str | None = None) -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": "2030-03-04T09:58:00.000Z",
        "in_reply_to_id": reply_to,
        "visibility": "public",
        "language": "en",
        "uri": f"https://example.net/users/carla/statuses/{status_id}",
        "url": f"https://example.net/@carla/{status_id}",
        "content": content,
        "spoiler_text": "",
        "account": {
            "id": "2001",
            "username": "carla",
            "acct": "carla@example.net",
            "display_name": "Carla Customer",
            "url": "https://example.net/@carla",
        },
    }


def mention(notification_id: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": notification_id,
        "type": "mention",
        "created_at": "2030-03-04T09:58:01.000Z",
        "account": item["account"],
        "status": item,
    }


@pytest.fixture
def network() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def mentions(organization: Any) -> Any:
    return CareSourceFactory(
        organization=organization,
        kind=SourceKind.MASTODON_MENTIONS,
        instance=MASTODON,
        secret="org-token",
        next_poll_at=NOW - timedelta(seconds=1),
    )


@time_machine.travel(NOW, tick=False)
def test_a_mastodon_mention_becomes_a_conversation_and_a_second_poll_stores_it_once(
    organization, mentions, network
):
    delivery = CareTagFactory(organization=organization, name="Delivery")
    mentions.default_tags.add(delivery)
    route = network.get(f"{MASTODON}/api/v1/notifications").respond(
        200,
        json=[mention("555", status("1110", "<p>@acme my order never arrived, please help</p>"))],
    )

    outcome = source_poll(source=mentions)

    assert outcome.found == 1 and outcome.conversations == 1 and outcome.error == ""
    assert route.calls.last.request.headers["Authorization"] == "Bearer org-token"
    conversation = Conversation.objects.get(organization=organization)
    assert conversation.origin == Origin.SOURCE
    assert conversation.source == mentions
    assert conversation.network == "mastodon"
    assert conversation.customer_handle == "@carla@example.net"
    assert conversation.customer_name == "Carla Customer"
    assert conversation.language == "en"
    assert list(conversation.tags.all()) == [delivery]
    message = conversation.messages.get()
    assert message.text == "@acme my order never arrived, please help"
    assert message.extra["instance"] == MASTODON
    mentions.refresh_from_db()
    assert mentions.cursor == "555"
    assert mentions.last_polled_at == NOW
    assert mentions.next_poll_at == NOW + timedelta(seconds=60)

    # The server answers the same mention again (as if it ignored min_id): stored once.
    outcome = source_poll(source=mentions)
    assert route.calls.last.request.url.params["min_id"] == "555"
    assert outcome.conversations == 0
    assert Message.objects.filter(organization=organization).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_reply_in_the_thread_joins_its_conversation(organization, mentions, network):
    route = network.get(f"{MASTODON}/api/v1/notifications")
    route.respond(200, json=[mention("555", status("1110", "<p>@acme where is my order?</p>"))])
    source_poll(source=mentions)
    route.respond(
        200,
        json=[mention("560", status("1120", "<p>@acme still waiting</p>", reply_to="1110"))],
    )
    source_poll(source=mentions)

    conversation = Conversation.objects.get(organization=organization)
    assert list(conversation.messages.values_list("remote_id", flat=True)) == ["1110", "1120"]


@time_machine.travel(NOW, tick=False)
def test_a_bluesky_search_hit_becomes_a_conversation_and_the_session_is_kept(organization, network):
    source = CareSourceFactory(
        organization=organization,
        kind=SourceKind.BLUESKY_SEARCH,
        instance=PDS,
        handle="acme.com",
        query="acme delivery",
        secret="abcd-efgh-ijkl-mnop",
    )
    login = network.post(f"{PDS}/xrpc/com.atproto.server.createSession").respond(
        200,
        json={
            "accessJwt": "org-access",
            "refreshJwt": "org-refresh",
            "did": "did:plc:acme0000000000000000000",
            "handle": "acme.com",
        },
    )
    search = network.get(f"{PDS}/xrpc/app.bsky.feed.searchPosts").respond(
        200,
        json={
            "posts": [
                {
                    "uri": f"at://{CARLA}/app.bsky.feed.post/3lpost0000aa",
                    "cid": "bafypost",
                    "author": {"did": CARLA, "handle": "carla.example.com", "displayName": "Carla"},
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": "Acme delivery is two weeks late, anyone else?",
                        "createdAt": "2030-03-04T09:58:00.000Z",
                        "langs": ["en"],
                    },
                    "indexedAt": "2030-03-04T09:58:00.000Z",
                }
            ]
        },
    )

    outcome = source_poll(source=source)

    assert outcome.error == ""
    assert json.loads(login.calls.last.request.content)["password"] == "abcd-efgh-ijkl-mnop"
    assert search.calls.last.request.headers["Authorization"] == "Bearer org-access"
    conversation = Conversation.objects.get(organization=organization)
    assert conversation.network == "bluesky"
    assert conversation.customer_handle.endswith("carla.example.com")
    assert conversation.messages.get().extra.get("cid") == "bafypost"
    source.refresh_from_db()
    assert json.loads(source.session)["access_token"] == "org-access"
    # Stored encrypted, never in clear.
    with connection.cursor() as cursor:
        cursor.execute("SELECT session FROM care_caresource WHERE id = %s", [source.pk])
        assert "org-access" not in cursor.fetchone()[0]

    # The next poll uses the kept session: no second sign-in.
    source_poll(source=source)
    assert login.call_count == 1


@time_machine.travel(NOW, tick=False)
def test_failures_back_off_exponentially_with_the_error_in_words(mentions, network):
    network.get(f"{MASTODON}/api/v1/notifications").respond(503)

    first = source_poll(source=mentions)
    mentions.refresh_from_db()
    assert "503" in first.error
    assert mentions.failures == 1
    assert mentions.next_poll_at == NOW + timedelta(seconds=120)
    source_poll(source=mentions)
    mentions.refresh_from_db()
    assert mentions.failures == 2
    assert mentions.next_poll_at == NOW + timedelta(seconds=240)
    for _ in range(10):
        source_poll(source=mentions)
    mentions.refresh_from_db()
    assert mentions.next_poll_at == NOW + timedelta(hours=1)
    assert mentions.is_active

    # Once it works again, the failures are forgotten.
    network.get(f"{MASTODON}/api/v1/notifications").respond(200, json=[])
    source_poll(source=mentions)
    mentions.refresh_from_db()
    assert (mentions.failures, mentions.last_error) == (0, "")


@time_machine.travel(NOW, tick=False)
def test_a_rate_limit_waits_as_long_as_the_network_asks(mentions, network):
    network.get(f"{MASTODON}/api/v1/notifications").respond(
        429, headers={"Retry-After": "900"}, json={"error": "Too many requests"}
    )
    outcome = source_poll(source=mentions)
    mentions.refresh_from_db()
    assert "slow down" in outcome.error
    assert mentions.next_poll_at == NOW + timedelta(seconds=900)


@time_machine.travel(NOW, tick=False)
def test_revoked_credentials_stop_the_source_and_tell_the_admins(
    organization, admin_member, employee, mentions, network
):
    network.get(f"{MASTODON}/api/v1/notifications").respond(
        401, json={"error": "The access token was revoked"}
    )
    outcome = source_poll(source=mentions)

    mentions.refresh_from_db()
    assert not mentions.is_active
    assert mentions.next_poll_at is None
    assert "no longer accepts" in outcome.error
    notice = Notification.objects.get(membership=admin_member)
    assert notice.kind == "care.source_stopped"
    assert mentions.name in notice.message
    assert not Notification.objects.filter(membership=employee).exists()
    assert AuditEvent.objects.filter(action="care.source_stopped").exists()


@time_machine.travel(NOW, tick=False)
def test_one_failing_source_never_stops_the_others(organization, mentions, network):
    other = CareSourceFactory(
        organization=MembershipFactory().organization,
        kind=SourceKind.MASTODON_SEARCH,
        instance="https://other.example",
        query="acme",
        next_poll_at=NOW,
    )
    later = CareSourceFactory(organization=organization, next_poll_at=NOW + timedelta(minutes=5))
    network.get(f"{MASTODON}/api/v1/notifications").mock(side_effect=RuntimeError("boom"))
    search = network.get("https://other.example/api/v2/search").respond(
        200, json={"statuses": [status("77", "<p>acme is great but my parcel is lost</p>")]}
    )

    assert care_sources_poll.call() == 2

    mentions.refresh_from_db()
    assert mentions.failures == 1
    assert "unexpected" in mentions.last_error
    assert search.called
    assert Conversation.objects.filter(organization=other.organization).count() == 1
    later.refresh_from_db()
    assert later.last_polled_at is None
    assert sources_poll_due() == 0
