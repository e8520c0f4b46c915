"""Escalation hands the whole thread to the support team: a real SMTP server (aiosmtpd)
and a real webhook receiver (http.server) on loopback, the signature verified with the
Standard Webhooks library; a failed delivery is retried with back-off."""

from __future__ import annotations

import base64
import email
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dj_email_url
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone
from standardwebhooks import Webhook

from chorus.accounts.services.tokens import api_token_create
from chorus.care.models import ConversationStatus, EscalationDelivery
from chorus.care.services.escalation import (
    conversation_escalate,
    escalation_deliver_run,
    escalations_deliver_due,
)
from chorus.care.services.targets import care_settings_for
from chorus.factories import (
    CareAgentFactory,
    ConversationFactory,
    MembershipFactory,
    MessageFactory,
)
from chorus.notifications.models import Notification

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    parsed = dj_email_url.parse(f"smtp://127.0.0.1:{controller.port}")
    with override_settings(
        EMAIL_BACKEND=parsed["EMAIL_BACKEND"],
        EMAIL_HOST=parsed["EMAIL_HOST"],
        EMAIL_PORT=parsed["EMAIL_PORT"],
    ):
        yield inbox
    controller.stop()


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []


@pytest.fixture
def receiver(settings: Any) -> Iterator[tuple[Receiver, str]]:
    settings.HTTP_ALLOW_LOOPBACK = True
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = found.statuses.pop(0) if found.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found, f"http://127.0.0.1:{server.server_address[1]}/support"
    server.shutdown()
    server.server_close()


@pytest.fixture
def assignee(organization: Any) -> Any:
    membership: Any = MembershipFactory(organization=organization, user__name="Emma Stone")
    CareAgentFactory(membership=membership)
    return membership


@pytest.fixture
def conversation(organization: Any, assignee: Any) -> Any:
    sender: Any = MembershipFactory(organization=organization)
    conversation: Any = ConversationFactory(
        organization=organization,
        customer_handle="@carla@mastodon.example",
        assignee=assignee,
        created_by=sender,
    )
    MessageFactory(conversation=conversation, text="My parcel never came.")
    MessageFactory(conversation=conversation, text="Order 4711, please help.")
    MessageFactory(conversation=conversation, direction="note", text="Internal: VIP", remote_id="")
    return conversation


def configure(organization: Any, **values: Any) -> None:
    found = care_settings_for(organization=organization)
    for name, value in values.items():
        setattr(found, name, value)
    found.save()


def test_the_thread_is_emailed_to_the_support_team(
    organization: Any, assignee: Any, conversation: Any, smtp: Inbox
) -> None:
    configure(organization, escalation_email="support@acme.test")
    conversation_escalate(conversation=conversation, membership=assignee, note="Lost parcel")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ESCALATED
    assert conversation.escalated_at is not None
    assert escalation_deliver_run(conversation_id=conversation.pk) == {"email": "delivered"}
    assert len(smtp.messages) == 1
    sent = email.message_from_bytes(smtp.messages[0])
    assert sent["To"] == "support@acme.test"
    parts: dict[str, str] = {}
    for part in sent.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts[part.get_content_type()] = payload.decode()
    for body in (parts["text/plain"], parts["text/html"]):
        assert "My parcel never came." in body
        assert "Order 4711, please help." in body
        assert "Lost parcel" in body
        assert "Internal: VIP" not in body
    # The member who sent it to care is told it was handed over.
    told = Notification.objects.get(membership=conversation.created_by, kind="care_escalated")
    assert "handed over to the support team" in told.message
    # Delivered once: running again sends nothing.
    escalation_deliver_run(conversation_id=conversation.pk)
    assert len(smtp.messages) == 1


def test_the_signed_webhook_carries_the_thread_and_is_retried_on_failure(
    organization: Any, assignee: Any, conversation: Any, receiver: tuple[Receiver, str]
) -> None:
    found, url = receiver
    found.statuses = [500]
    configure(organization, escalation_webhook_url=url, escalation_webhook_secret=SECRET)
    conversation_escalate(conversation=conversation, membership=assignee)

    assert escalation_deliver_run(conversation_id=conversation.pk) == {"webhook": "retry"}
    conversation.refresh_from_db()
    assert "500" in conversation.escalation_error
    delivery = EscalationDelivery.objects.get()
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()
    assert escalations_deliver_due() == 0  # not due yet

    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert escalations_deliver_due() == 1  # the sweep delivers it (the task runs at once)
    conversation.refresh_from_db()
    assert conversation.escalation_error == ""
    assert len(found.requests) == 2
    headers, body = found.requests[-1]
    payload = Webhook(SECRET).verify(body, headers)
    assert headers["webhook-id"] == found.requests[0][0]["webhook-id"]  # same id on retry
    assert payload["type"] == "care.conversation.escalated"
    texts = [message["text"] for message in payload["data"]["thread"]]
    assert texts == ["My parcel never came.", "Order 4711, please help."]
    assert payload["data"]["customer"]["handle"] == "@carla@mastodon.example"
    assert json.loads(body)["data"]["id"] == conversation.pk


def test_no_support_team_configured_says_so(
    organization: Any, assignee: Any, conversation: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        conversation_escalate(conversation=conversation, membership=assignee)
    assert "No support team" in " ".join(refused.value.messages)
    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.ESCALATED


def test_only_the_assignee_and_care_staff_escalate(organization: Any, conversation: Any) -> None:
    configure(organization, escalation_email="support@acme.test")
    bystander: Any = MembershipFactory(organization=organization)
    CareAgentFactory(membership=bystander)
    with pytest.raises(PermissionDenied):
        conversation_escalate(conversation=conversation, membership=bystander)
    curator: Any = MembershipFactory(organization=organization, is_curator=True)
    conversation_escalate(conversation=conversation, membership=curator)


def test_escalate_page_and_api(
    client: Any, organization: Any, assignee: Any, conversation: Any
) -> None:
    client.force_login(assignee.user)
    response = client.post(f"/care/c/{conversation.pk}/escalate/", {"note": "Please call her"})
    assert response.status_code == 400  # nothing configured: said so, note kept
    assert "Please call her" in response.content.decode()
    configure(organization, escalation_email="support@acme.test")
    response = client.post(f"/care/c/{conversation.pk}/escalate/", {"note": "Please call her"})
    assert response.status_code == 302
    page = client.get(f"/care/c/{conversation.pk}/").content.decode()
    assert "Handed over to the support team" in page
    other: Any = ConversationFactory(organization=organization, assignee=assignee)
    _, secret = api_token_create(membership=assignee, name="t")
    answer = client.post(
        f"/api/v1/care/conversations/{other.pk}/escalate",
        {"note": ""},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "escalated"
    foreign: Any = ConversationFactory()
    answer = client.post(
        f"/api/v1/care/conversations/{foreign.pk}/escalate",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 404
