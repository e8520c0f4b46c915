"""The inbound webhook: Standard Webhooks signatures (signed here with the
`standardwebhooks` library), the payload, replays and unknown addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook

from chorus.care.models import Conversation, Message, Origin
from chorus.care.services.sources import inbound_secret_create
from chorus.factories import CareTagFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def inbound(admin_member: Any) -> tuple[str, str]:
    return inbound_secret_create(membership=admin_member)


def payload(**changes: Any) -> dict[str, Any]:
    body = {
        "id": "ticket-4711",
        "thread_id": "ticket-4700",
        "network": "helpdesk",
        "url": "https://help.example.com/tickets/4711",
        "text": "My order never arrived and nobody answers the phone.",
        "author": {"handle": "@carla", "name": "Carla", "url": "https://example.com/carla"},
        "posted_at": "2030-03-04T09:30:00Z",
        "subject": "Missing order",
        "priority": "high",
        "tags": ["delivery", "Unknown"],
    }
    body.update(changes)
    return body


def send(
    client: Any,
    key: str,
    secret: str,
    body: Any,
    *,
    message_id: str = "msg_1",
    at: datetime | None = None,
    signature: str | None = None,
) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    moment = at or datetime.now(tz=UTC)
    signed = signature or Webhook(secret).sign(message_id, moment, data)
    return client.post(
        f"/care/webhook/{key}/",
        data=data,
        content_type="application/json",
        headers={
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": signed,
        },
    )


@time_machine.travel(NOW, tick=False)
def test_a_signed_payload_becomes_a_conversation(client, organization, inbound):
    key, secret = inbound
    delivery = CareTagFactory(organization=organization, name="Delivery")

    response = send(client, key, secret, payload())

    assert response.status_code == 201
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert conversation.organization == organization
    assert conversation.origin == Origin.WEBHOOK
    assert conversation.network == "helpdesk"
    assert conversation.thread_key == "helpdesk:ticket-4700"
    assert conversation.subject == "Missing order"
    assert conversation.priority == "high"
    assert list(conversation.tags.all()) == [delivery]
    assert conversation.customer_handle == "@carla"
    assert conversation.opened_at == datetime(2030, 3, 4, 9, 30, tzinfo=UTC)
    assert response.json()["duplicate"] is False

    # Another message of the thread joins it.
    again = send(client, key, secret, payload(id="ticket-4712"), message_id="msg_2")
    assert again.status_code == 201
    assert again.json()["conversation_id"] == conversation.pk
    assert conversation.messages.count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_replayed_webhook_id_is_answered_once(client, organization, inbound):
    key, secret = inbound
    first = send(client, key, secret, payload())
    replay = send(client, key, secret, payload())
    # The same post under a new webhook-id (a retry by the sender): stored once as well.
    retried = send(client, key, secret, payload(), message_id="msg_9")

    assert first.status_code == 201
    assert replay.status_code == 200 and retried.status_code == 200
    ids = {r.json()["conversation_id"] for r in (first, replay, retried)}
    assert len(ids) == 1
    assert replay.json()["duplicate"] is True
    assert Message.objects.filter(organization=organization).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, organization, inbound):
    key, secret = inbound
    other = "whsec_" + "A" * 43 + "="
    wrong = send(client, key, secret, payload(), signature=Webhook(other).sign("msg_1", NOW, "{}"))
    unsigned = client.post(
        f"/care/webhook/{key}/", data=json.dumps(payload()), content_type="application/json"
    )
    assert wrong.status_code == 401
    assert unsigned.status_code == 401
    assert "signature" in wrong.json()["detail"]
    assert not Conversation.objects.filter(organization=organization).exists()


@time_machine.travel(NOW, tick=False)
def test_an_old_timestamp_is_refused(client, organization, inbound):
    key, secret = inbound
    response = send(client, key, secret, payload(), at=NOW - timedelta(minutes=10))
    assert response.status_code == 401
    assert not Conversation.objects.filter(organization=organization).exists()


@time_machine.travel(NOW, tick=False)
def test_an_unknown_or_rotated_address_is_404(client, admin_member, inbound):
    key, secret = inbound
    assert send(client, "no-such-key", secret, payload()).status_code == 404
    new_key, new_secret = inbound_secret_create(membership=admin_member)
    assert send(client, key, secret, payload()).status_code == 404
    assert send(client, new_key, new_secret, payload()).status_code == 201


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"text": "hello"}, "“id” is required"),
        ({"id": "1", "author": {"handle": "@c"}}, "“text” is required"),
        ({"id": "1", "text": "hello"}, "handle or a name"),
        ({"id": "1", "text": "t", "author": {"name": "C"}, "priority": "asap"}, "priority"),
        ({"id": "1", "text": "t", "author": {"name": "C"}, "posted_at": "soon"}, "posted_at"),
        ({"id": "1", "text": "t", "author": {"name": "C"}, "url": "javascript:alert(1)"}, "url"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_payload_that_does_not_fit_is_a_400_saying_why(
    client, organization, inbound, body, words
):
    key, secret = inbound
    response = send(client, key, secret, body)
    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert not Conversation.objects.filter(organization=organization).exists()


def test_the_webhook_takes_only_post(client, inbound):
    key, _secret = inbound
    assert client.get(f"/care/webhook/{key}/").status_code == 405
