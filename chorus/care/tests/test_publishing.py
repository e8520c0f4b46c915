"""Replies posted in the customer's thread from the member's own account, exactly once:
the real care adapters, faked at the transport with respx from the networks' documented
request and response shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
import time_machine

from chorus.care.models import (
    CareReply,
    ConversationStatus,
    Message,
    MessageDirection,
    ReplyAttemptOutcome,
    ReplyMethod,
    ReplyStatus,
)
from chorus.care.services import publishing
from chorus.care.services.publishing import replies_publish_due, reply_publish_run
from chorus.care.services.replies import ReplyDraft, reply_create
from chorus.factories import (
    CareAgentFactory,
    ConversationFactory,
    MembershipFactory,
    MessageFactory,
    NetworkConnectionFactory,
    ReplyTemplateFactory,
)
from chorus.notifications.models import Notification
from chorus.sharing.models import ConnectionStatus

INSTANCE = "https://mastodon.example"
STATUSES = f"{INSTANCE}/api/v1/statuses"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def status_entity(status_id: str = "113500") -> dict[str, Any]:
    """A Status entity as POST /api/v1/statuses returns it (docs.joinmastodon.org)."""
    return {
        "id": status_id,
        "created_at": "2026-03-02T09:00:00.000Z",
        "in_reply_to_id": "110001",
        "uri": f"{INSTANCE}/users/emma/statuses/{status_id}",
        "url": f"{INSTANCE}/@emma/{status_id}",
        "visibility": "public",
        "content": "<p>Hi</p>",
    }


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def member(organization: Any) -> Any:
    membership: Any = MembershipFactory(organization=organization, user__name="Emma Stone")
    CareAgentFactory(membership=membership)
    return membership


@pytest.fixture
def connection(member: Any) -> Any:
    return NetworkConnectionFactory(membership=member, network="mastodon", instance=INSTANCE)


@pytest.fixture
def conversation(organization: Any) -> Any:
    conversation: Any = ConversationFactory(
        organization=organization, customer_handle="@carla@mastodon.example"
    )
    MessageFactory(
        conversation=conversation,
        remote_id="110001",
        remote_url=f"{INSTANCE}/@carla/110001",
        extra={"instance": INSTANCE},
    )
    return conversation


@pytest.fixture
def mastodon() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def template_reply(member: Any, conversation: Any) -> CareReply:
    template: Any = ReplyTemplateFactory(organization=member.organization)
    from chorus.care.services.templates import template_render

    text = template_render(template=template, conversation=conversation, membership=member)
    return reply_create(
        membership=member,
        conversation=conversation,
        draft=ReplyDraft(text=text, template=template),
    )


def test_a_template_reply_is_posted_in_the_thread_with_its_idempotency_key(
    member: Any, connection: Any, conversation: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    reply = template_reply(member, conversation)
    assert reply.status == ReplyStatus.QUEUED
    assert reply.method == ReplyMethod.API

    assert reply_publish_run(reply_id=reply.pk) == "published"

    sent = json.loads(route.calls.last.request.content)
    assert sent["in_reply_to_id"] == "110001"
    assert sent["status"] == reply.text
    assert "Hi @carla@mastodon.example, I am Emma" in sent["status"]
    headers = route.calls.last.request.headers
    assert headers["Idempotency-Key"] == str(reply.idempotency_key)
    assert headers["Authorization"] == f"Bearer {connection.access_token}"
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PUBLISHED
    assert reply.remote_id == "113500"
    assert reply.published_at == NOW
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ANSWERED
    assert conversation.first_response_at == NOW
    message = Message.objects.get(conversation=conversation, direction=MessageDirection.REPLY)
    assert message.remote_id == "113500"
    assert message.membership == member
    assert message.parent_remote_id == "110001"
    # Run again, or by the sweep: nothing more is posted.
    assert reply_publish_run(reply_id=reply.pk) == "skipped (published)"
    replies_publish_due()
    assert route.call_count == 1


def test_a_503_then_success_posts_once_with_the_same_key(
    member: Any, connection: Any, conversation: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    route = mastodon.post(STATUSES).mock(
        side_effect=[
            httpx.Response(503, json={"error": "Service Unavailable"}),
            httpx.Response(200, json=status_entity()),
        ]
    )
    reply = template_reply(member, conversation)

    assert reply_publish_run(reply_id=reply.pk) == "retry"
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.QUEUED
    assert reply.next_attempt_at is not None and reply.next_attempt_at > NOW
    assert reply_publish_run(reply_id=reply.pk) == "not due"

    clock.move_to(reply.next_attempt_at)
    assert replies_publish_due() == 1  # the sweep hands it to the task (run at once here)
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PUBLISHED
    assert route.call_count == 2
    keys = {call.request.headers["Idempotency-Key"] for call in route.calls}
    assert keys == {str(reply.idempotency_key)}
    outcomes = [attempt.outcome for attempt in reply.attempts_made.all()]
    assert outcomes == [ReplyAttemptOutcome.UNAVAILABLE, ReplyAttemptOutcome.PUBLISHED]
    assert Message.objects.filter(direction=MessageDirection.REPLY).count() == 1


def test_a_crash_after_started_on_mastodon_resends_with_the_same_key(
    member: Any, connection: Any, conversation: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    reply = template_reply(member, conversation)

    def worker_dies(request: httpx.Request) -> httpx.Response:
        raise SystemExit("the worker was killed")

    mastodon.post(STATUSES).mock(side_effect=worker_dies)
    with pytest.raises(SystemExit):
        reply_publish_run(reply_id=reply.pk)
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PUBLISHING
    assert [a.outcome for a in reply.attempts_made.all()] == [ReplyAttemptOutcome.STARTED]
    assert reply_publish_run(reply_id=reply.pk) == "not due"  # still in flight

    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    clock.shift(publishing.IN_FLIGHT)
    assert reply_publish_run(reply_id=reply.pk) == "published"
    assert route.call_count == 1
    assert route.calls.last.request.headers["Idempotency-Key"] == str(reply.idempotency_key)


def test_a_crash_on_a_network_without_idempotency_is_not_posted_blindly_again(
    member: Any, conversation: Any, clock: Any
) -> None:
    conversation.network = "x"
    conversation.save()
    NetworkConnectionFactory(membership=member, network="x", instance="", account_id="42")
    reply = template_reply(member, conversation)
    assert reply.method == ReplyMethod.API
    # A worker died mid-call: its attempt stayed STARTED.
    reply.attempts_made.create(organization=reply.organization)
    CareReply.objects.filter(pk=reply.pk).update(status=ReplyStatus.PUBLISHING, next_attempt_at=NOW)
    with respx.mock(assert_all_called=False) as router:
        route = router.post("https://api.x.com/2/tweets")
        assert reply_publish_run(reply_id=reply.pk) == "uncertain"
        assert route.call_count == 0
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.FAILED
    assert "check the thread" in reply.error_message
    assert Notification.objects.filter(membership=member, kind="care_reply_failed").exists()


def test_a_rejected_reply_fails_and_the_member_is_told(
    member: Any, connection: Any, conversation: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    mastodon.post(STATUSES).mock(
        return_value=httpx.Response(422, json={"error": "Validation failed: Text is too long"})
    )
    reply = template_reply(member, conversation)
    assert reply_publish_run(reply_id=reply.pk) == "failed"
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.FAILED
    assert Notification.objects.filter(membership=member, kind="care_reply_failed").exists()
    conversation.refresh_from_db()
    assert conversation.first_response_at is None


def test_without_a_connected_account_the_member_posts_it_by_hand(
    member: Any, conversation: Any, clock: Any
) -> None:
    reply = template_reply(member, conversation)
    assert reply.method == ReplyMethod.INTENT
    assert reply.status == ReplyStatus.MANUAL
    link = publishing.reply_intent_link(reply)
    assert link.startswith(INSTANCE) or "mastodon" in link or link.startswith("https://")


def test_a_connection_lost_before_publishing_falls_back_to_posting_by_hand(
    member: Any, connection: Any, conversation: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    route = mastodon.post(STATUSES)
    reply = template_reply(member, conversation)
    connection.status = ConnectionStatus.EXPIRED
    connection.save()
    assert reply_publish_run(reply_id=reply.pk) == "manual"
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.MANUAL
    assert reply.method == ReplyMethod.INTENT
    assert route.call_count == 0
    assert Notification.objects.filter(membership=member, kind="care_reply_manual").exists()


def test_a_bluesky_reply_names_the_threads_root_and_parent(
    member: Any, organization: Any, clock: Any
) -> None:
    pds = "https://bsky.social"
    member_did = "did:plc:emma0000000000000000000"
    parent = "at://did:plc:carla000000000000000000/app.bsky.feed.post/3lb"
    root = "at://did:plc:carla000000000000000000/app.bsky.feed.post/3la"
    NetworkConnectionFactory(
        membership=member,
        network="bluesky",
        instance=pds,
        account_id=member_did,
        handle="emma.bsky.social",
    )
    conversation: Any = ConversationFactory(
        organization=organization, network="bluesky", customer_handle="@carla.example.com"
    )
    MessageFactory(
        conversation=conversation,
        network="bluesky",
        remote_id=parent,
        remote_url="https://bsky.app/profile/carla.example.com/post/3lb",
        root_remote_id=root,
        extra={"cid": "bafy3lb", "root_uri": root, "root_cid": "bafyroot"},
    )
    reply = template_reply(member, conversation)
    with respx.mock(assert_all_called=False) as router:
        route = router.post(f"{pds}/xrpc/com.atproto.repo.createRecord").respond(
            200, json={"uri": f"at://{member_did}/app.bsky.feed.post/3lz", "cid": "bafynew"}
        )
        assert reply_publish_run(reply_id=reply.pk) == "published"
    record = json.loads(route.calls.last.request.content)["record"]
    assert record["reply"]["root"]["uri"] == root
    assert record["reply"]["root"]["cid"] == "bafyroot"
    assert record["reply"]["parent"]["uri"] == parent
    assert record["reply"]["parent"]["cid"] == "bafy3lb"
    assert record["text"] == reply.text
    reply.refresh_from_db()
    assert reply.remote_id == f"at://{member_did}/app.bsky.feed.post/3lz"


def test_an_x_reply_names_the_tweet_it_answers(member: Any, organization: Any, clock: Any) -> None:
    NetworkConnectionFactory(
        membership=member, network="x", instance="", account_id="42", handle="emma"
    )
    conversation: Any = ConversationFactory(
        organization=organization, network="x", customer_handle="@carla"
    )
    MessageFactory(
        conversation=conversation,
        network="x",
        remote_id="1899000000000000001",
        remote_url="https://x.com/carla/status/1899000000000000001",
    )
    reply = template_reply(member, conversation)
    with respx.mock(assert_all_called=False) as router:
        route = router.post("https://api.x.com/2/tweets").respond(
            201, json={"data": {"id": "1899000000000000002", "text": reply.text}}
        )
        assert reply_publish_run(reply_id=reply.pk) == "published"
    sent = json.loads(route.calls.last.request.content)
    assert sent["reply"] == {"in_reply_to_tweet_id": "1899000000000000001"}
    assert sent["text"] == reply.text
    reply.refresh_from_db()
    assert reply.remote_url == "https://x.com/emma/status/1899000000000000002"
