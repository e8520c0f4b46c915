"""Ingestion: posts become conversations once each, in their thread, with what routing and
the inbox need (customer, language, priority, tags, targets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from chorus.care.models import Conversation, ConversationStatus, Message, Origin
from chorus.care.services.ingest import incoming_ingest, language_detect
from chorus.factories import (
    CareAgentFactory,
    CareSourceFactory,
    CareTagFactory,
    MembershipFactory,
)
from chorus.networks.base import Incoming

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


def post(remote_id: str, text: str = "My order never arrived, can you help me please?", **more):
    return Incoming(
        remote_id=remote_id,
        url=f"https://mastodon.example/@carla/{remote_id}",
        text=text,
        author_handle="@carla@mastodon.example",
        author_name="Carla",
        author_url="https://mastodon.example/@carla",
        posted_at=more.pop("posted_at", NOW - timedelta(minutes=5)),
        **more,
    )


@time_machine.travel(NOW, tick=False)
def test_a_post_starts_a_conversation_with_the_customer_language_and_targets(organization):
    source = CareSourceFactory(organization=organization, default_priority="high")
    billing = CareTagFactory(organization=organization, name="Billing")
    source.default_tags.add(billing)

    [conversation] = incoming_ingest(
        organization=organization,
        items=[post("1")],
        network="mastodon",
        origin=Origin.SOURCE,
        source=source,
    )

    conversation.refresh_from_db()
    assert conversation.thread_key == "mastodon:1"
    assert conversation.customer_handle == "@carla@mastodon.example"
    assert conversation.customer_name == "Carla"
    assert conversation.customer_url == "https://mastodon.example/@carla"
    assert conversation.language == "en"
    assert conversation.priority == "high"
    assert list(conversation.tags.all()) == [billing]
    assert conversation.opened_at == NOW - timedelta(minutes=5)
    # High priority: an hour to the first answer by default.
    assert conversation.first_response_due == NOW + timedelta(minutes=55)
    assert conversation.sentiment is None
    message = conversation.messages.get()
    assert message.remote_id == "1"
    assert message.text.startswith("My order")


@time_machine.travel(NOW, tick=False)
def test_the_same_post_twice_is_stored_once(organization):
    first = incoming_ingest(
        organization=organization, items=[post("1"), post("1")], network="mastodon", origin="source"
    )
    again = incoming_ingest(
        organization=organization, items=[post("1")], network="mastodon", origin="source"
    )
    assert len(first) == 1
    assert again == []
    assert Message.objects.filter(organization=organization).count() == 1


@time_machine.travel(NOW, tick=False)
def test_replies_join_their_threads_conversation_in_one_batch_or_later(organization):
    [conversation] = incoming_ingest(
        organization=organization,
        items=[post("2", parent_id="1", posted_at=NOW - timedelta(minutes=1)), post("1")],
        network="mastodon",
        origin="source",
    )
    later = incoming_ingest(
        organization=organization,
        items=[post("3", parent_id="2"), post("9", root_id="1")],
        network="mastodon",
        origin="source",
    )
    assert [c.pk for c in later] == [conversation.pk]
    assert Conversation.objects.filter(organization=organization).count() == 1
    assert sorted(conversation.messages.values_list("remote_id", flat=True)) == [
        "1",
        "2",
        "3",
        "9",
    ]


@time_machine.travel(NOW, tick=False)
def test_the_same_ids_in_another_organization_or_network_are_separate(organization):
    other = MembershipFactory().organization
    incoming_ingest(organization=organization, items=[post("1")], network="mastodon", origin="x")
    incoming_ingest(organization=other, items=[post("1")], network="mastodon", origin="x")
    incoming_ingest(organization=organization, items=[post("1")], network="bluesky", origin="x")
    assert Message.objects.count() == 3


@time_machine.travel(NOW, tick=False)
def test_a_new_message_reopens_a_closed_or_answered_conversation(organization):
    agent = CareAgentFactory(
        membership__organization=organization, membership__program_status="joined"
    )
    [closed] = incoming_ingest(
        organization=organization, items=[post("1")], network="mastodon", origin="source"
    )
    [answered] = incoming_ingest(
        organization=organization, items=[post("5")], network="mastodon", origin="source"
    )
    Conversation.objects.filter(pk=closed.pk).update(
        status=ConversationStatus.CLOSED, assignee=None, resolved_at=NOW
    )
    Conversation.objects.filter(pk=answered.pk).update(
        status=ConversationStatus.ANSWERED, assignee=agent.membership
    )

    incoming_ingest(
        organization=organization,
        items=[post("2", parent_id="1"), post("6", parent_id="5")],
        network="mastodon",
        origin="source",
    )

    closed.refresh_from_db()
    answered.refresh_from_db()
    # Reopened as new, then routed to the one agent on duty.
    assert closed.status == ConversationStatus.ASSIGNED
    assert closed.resolved_at is None
    assert answered.status == ConversationStatus.ASSIGNED
    assert answered.assignee == agent.membership


@time_machine.travel(NOW, tick=False)
def test_new_conversations_are_routed_to_an_agent(organization):
    agent = CareAgentFactory(
        membership__organization=organization, membership__program_status="joined"
    )
    [conversation] = incoming_ingest(
        organization=organization, items=[post("1")], network="mastodon", origin="source"
    )
    conversation.refresh_from_db()
    assert conversation.assignee == agent.membership
    assert conversation.status == ConversationStatus.ASSIGNED


def test_language_is_left_empty_when_the_text_is_too_short_to_trust():
    assert language_detect("Meine Bestellung ist nie angekommen, könnt ihr helfen?") == "de"
    assert language_detect("@acme help!!") == ""
    assert language_detect("ok thanks", declared="en-GB") == "en"
    assert language_detect("https://example.com/a-long-address-with-words #hashtag") == ""
