"""The email channel against a real SMTP server (aiosmtpd) on loopback: what arrives (its
parts and headers), one session per batch, and what each answer of the server becomes."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from chorus.accounts.models import Membership
from chorus.factories import MembershipFactory
from chorus.notifications.channels import Outcome, OutcomeStatus, Outgoing, member_channel
from chorus.notifications.email.channel import EmailChannel
from chorus.notifications.messages import Action, Category, Channel, Item, Message


class SmtpServer:
    """Receives mail; refuses recipients or messages as a test tells it to."""

    def __init__(self) -> None:
        self.sessions: list[Any] = []
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        # recipient -> the reply to RCPT TO, or to DATA, instead of 250.
        self.refuse_recipient: dict[str, str] = {}
        self.refuse_data: dict[str, str] = {}

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_recipient:
            return self.refuse_recipient[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.refuse_data.get(envelope.rcpt_tos[0])
        if reply:
            return reply
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_smtp(settings, controller.port)
    settings.DEFAULT_FROM_EMAIL = "Chorus <chorus@chorus.example>"
    settings.SITE_URL = "https://chorus.example"
    yield server
    controller.stop()


def digest(number: int = 1, **changes: Any) -> Message:
    values: dict[str, Any] = {
        "category": Category.DIGEST,
        "subject": f"Your week at Acme ({number})",
        "intro": "New posts to share.",
        "items": (
            Item(
                title="We opened a plant in Leipzig",
                text="Why it matters.",
                url="https://chorus.example/posts/1",
                image_url="https://chorus.example/posts/1/image",
                actions=(Action("Share", "https://chorus.example/share/signed"),),
            ),
        ),
        "unsubscribe_url": f"https://chorus.example/unsubscribe/token-{number}",
        "preferences_url": "https://chorus.example/settings/notifications",
        "organization_name": "Acme",
        "logo_url": "https://chorus.example/organization/logo/abc.png",
        "accent_color": "#0f766e",
    }
    values.update(changes)
    return Message(**values)


def members(organization: Any, count: int) -> list[Any]:
    return [
        MembershipFactory(organization=organization, user__email=f"member{n}@acme.test")
        for n in range(count)
    ]


def batch_for(memberships: list[Any], **changes: Any) -> list[Outgoing]:
    return [
        Outgoing(
            delivery_id=1000 + n,
            key=f"digest:2025-w1:{membership.pk}",
            membership=membership,
            message=digest(n, **changes),
        )
        for n, membership in enumerate(memberships)
    ]


def send(organization: Any, batch: list[Outgoing]) -> list[Outcome]:
    return EmailChannel().send(organization=organization, batch=batch)


def test_the_channel_registers_itself() -> None:
    assert isinstance(member_channel(Channel.EMAIL), EmailChannel)


def test_a_digest_arrives_with_text_and_html_parts_and_one_click_unsubscribe(
    organization: Any, smtp: SmtpServer
) -> None:
    batch = batch_for(members(organization, 1))

    outcomes = send(organization, batch)

    assert outcomes == [Outcome.sent(remote_id="<delivery.1000@chorus.example>")]
    [received] = smtp.received
    assert smtp.envelopes == [("chorus@chorus.example", ["member0@acme.test"])]
    assert received["Subject"] == "Your week at Acme (0)"
    assert received["To"] == "member0@acme.test"
    assert received["From"] == "Acme via Chorus <chorus@chorus.example>"
    assert received["Message-ID"] == "<delivery.1000@chorus.example>"
    assert received["X-Chorus-Delivery"] == "1000"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["List-Unsubscribe"] == "<https://chorus.example/unsubscribe/token-0>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    text_content, html_content = text.get_content(), html.get_content()
    assert "Share: https://chorus.example/share/signed" in text_content
    assert "https://chorus.example/unsubscribe/token-0" in text_content
    assert '<img src="https://chorus.example/organization/logo/abc.png" alt="Acme"' in html_content
    assert 'href="https://chorus.example/share/signed"' in html_content
    assert 'href="https://chorus.example/unsubscribe/token-0"' in html_content
    assert "member0" not in received["X-Chorus-Delivery"]


def test_a_title_with_a_script_arrives_escaped(organization: Any, smtp: SmtpServer) -> None:
    batch = batch_for(
        members(organization, 1), items=(Item(title="<script>alert(1)</script> launch"),)
    )

    send(organization, batch)

    html = smtp.received[0].get_body(preferencelist=("html",))
    assert html is not None
    content = html.get_content()
    assert "<script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; launch" in content


def test_a_message_in_german_is_sent_in_german(organization: Any, smtp: SmtpServer) -> None:
    send(organization, batch_for(members(organization, 1), language="de"))

    html = smtp.received[0].get_body(preferencelist=("html",))
    assert html is not None
    assert '<html lang="de">' in html.get_content()


def test_a_batch_of_fifty_travels_in_one_session_with_one_query(
    organization: Any, smtp: SmtpServer, django_assert_num_queries: Any
) -> None:
    created = members(organization, 50)
    # As the engine might hand them over: members without their users read.
    batch = batch_for(list(Membership.objects.filter(pk__in=[m.pk for m in created])))

    with django_assert_num_queries(1):
        outcomes = send(organization, batch)

    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.SENT] * 50
    assert len(smtp.received) == 50
    assert len(smtp.sessions) == 1
    assert {message["Message-ID"] for message in smtp.received} == {
        f"<delivery.{1000 + n}@chorus.example>" for n in range(50)
    }


def test_a_refused_recipient_is_a_hard_bounce_and_the_rest_of_the_batch_is_sent(
    organization: Any, smtp: SmtpServer
) -> None:
    smtp.refuse_recipient["member1@acme.test"] = "550 5.1.1 No such user here"
    batch = batch_for(members(organization, 3))

    outcomes = send(organization, batch)

    assert outcomes[0].status == OutcomeStatus.SENT
    assert outcomes[1].status == OutcomeStatus.FAILED
    assert outcomes[1].stop is True
    assert "550" in outcomes[1].error and "No such user" in outcomes[1].error
    assert outcomes[2].status == OutcomeStatus.SENT
    assert [message["To"] for message in smtp.received] == [
        "member0@acme.test",
        "member2@acme.test",
    ]
    assert len(smtp.sessions) == 1


def test_a_relay_that_refuses_to_relay_stops_nobody(organization: Any, smtp: SmtpServer) -> None:
    smtp.refuse_recipient["member0@acme.test"] = (
        "554 5.7.1 <member0@acme.test>: Relay access denied"
    )
    smtp.refuse_recipient["member1@acme.test"] = "530 Authentication required"
    batch = batch_for(members(organization, 2))

    outcomes = send(organization, batch)

    assert [(outcome.status, outcome.stop) for outcome in outcomes] == [
        (OutcomeStatus.FAILED, False),
        (OutcomeStatus.FAILED, False),
    ]


def test_a_mailbox_refused_after_data_stops_but_refused_content_does_not(
    organization: Any, smtp: SmtpServer
) -> None:
    smtp.refuse_data["member0@acme.test"] = "550 5.1.1 Mailbox does not exist"
    smtp.refuse_data["member1@acme.test"] = "554 5.7.1 Message rejected as spam"
    batch = batch_for(members(organization, 3))

    outcomes = send(organization, batch)

    assert (outcomes[0].status, outcomes[0].stop) == (OutcomeStatus.FAILED, True)
    assert (outcomes[1].status, outcomes[1].stop) == (OutcomeStatus.FAILED, False)
    assert outcomes[2].status == OutcomeStatus.SENT


def test_a_temporary_refusal_is_retried(organization: Any, smtp: SmtpServer) -> None:
    smtp.refuse_recipient["member0@acme.test"] = "451 4.7.1 Greylisted, try again later"
    smtp.refuse_data["member1@acme.test"] = "452 4.3.1 Insufficient system storage"
    batch = batch_for(members(organization, 3))

    outcomes = send(organization, batch)

    assert outcomes[0].status == OutcomeStatus.RETRY
    assert "451" in outcomes[0].error
    assert outcomes[0].stop is False
    assert outcomes[1].status == OutcomeStatus.RETRY
    assert outcomes[2].status == OutcomeStatus.SENT


def test_a_dropped_session_is_opened_again_for_the_rest(
    organization: Any, smtp: SmtpServer
) -> None:
    smtp.refuse_data["member2@acme.test"] = "421 4.3.2 Service shutting down, closing channel"
    batch = batch_for(members(organization, 6))

    outcomes = send(organization, batch)

    assert [outcome.status for outcome in outcomes] == [
        OutcomeStatus.SENT,
        OutcomeStatus.SENT,
        OutcomeStatus.RETRY,
        OutcomeStatus.SENT,
        OutcomeStatus.SENT,
        OutcomeStatus.SENT,
    ]
    assert len(smtp.sessions) == 2


def test_a_server_that_keeps_dropping_the_session_gets_the_rest_retried(
    organization: Any, smtp: SmtpServer
) -> None:
    memberships = members(organization, 10)
    for membership in memberships:
        smtp.refuse_data[membership.user.email] = "421 4.3.2 Closing"

    outcomes = send(organization, batch_for(memberships))

    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.RETRY] * 10
    assert len(smtp.sessions) == 3


def test_a_server_that_is_down_gets_every_message_retried_at_once(
    organization: Any, settings: Any
) -> None:
    use_smtp(settings, free_port())  # nothing listens there
    batch = batch_for(members(organization, 50))

    started = time.monotonic()
    outcomes = send(organization, batch)

    assert time.monotonic() - started < 2
    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.RETRY] * 50
    assert "cannot be reached" in outcomes[-1].error


def test_a_server_that_never_answers_costs_one_timeout_not_fifty(
    organization: Any, settings: Any
) -> None:
    # It accepts the connection (the kernel does) and never greets.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(100)
        use_smtp(settings, silent.getsockname()[1])
        settings.EMAIL_TIMEOUT = 1
        batch = batch_for(members(organization, 50))

        started = time.monotonic()
        outcomes = send(organization, batch)

    assert time.monotonic() - started < 5
    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.RETRY] * 50


def test_members_read_with_their_users_cost_no_query(
    organization: Any, smtp: SmtpServer, django_assert_num_queries: Any
) -> None:
    created = members(organization, 5)
    read = Membership.objects.select_related("user").filter(pk__in=[m.pk for m in created])
    batch = batch_for(list(read))

    with django_assert_num_queries(0):
        outcomes = send(organization, batch)

    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.SENT] * 5


def test_a_member_without_an_address_fails_without_stopping_the_batch(
    organization: Any, smtp: SmtpServer
) -> None:
    memberships = members(organization, 2)
    memberships[0].user.is_active = False
    memberships[0].user.save(update_fields=["is_active"])

    outcomes = send(organization, batch_for(memberships))

    assert outcomes[0].status == OutcomeStatus.FAILED
    assert outcomes[0].stop is False
    assert outcomes[1].status == OutcomeStatus.SENT


def test_an_address_that_is_not_one_is_dead_and_the_rest_is_sent(
    organization: Any, smtp: SmtpServer
) -> None:
    memberships = members(organization, 3)
    for membership, address in zip(memberships[:2], ["no at sign", "a@b@c"], strict=True):
        membership.user.email = address

    outcomes = send(organization, batch_for(memberships))

    assert [(outcome.status, outcome.stop) for outcome in outcomes] == [
        (OutcomeStatus.FAILED, True),
        (OutcomeStatus.FAILED, True),
        (OutcomeStatus.SENT, False),
    ]
    assert [message["To"] for message in smtp.received] == ["member2@acme.test"]


def test_only_members_with_an_active_account_and_an_address_are_reachable(
    organization: Any, django_assert_num_queries: Any
) -> None:
    reachable: Any = MembershipFactory(organization=organization)
    deactivated: Any = MembershipFactory(organization=organization, is_active=False)
    no_address: Any = MembershipFactory(organization=organization, user__email="")
    closed: Any = MembershipFactory(organization=organization, user__is_active=False)
    elsewhere: Any = MembershipFactory()
    asked = [reachable.pk, deactivated.pk, no_address.pk, closed.pk, elsewhere.pk]

    with django_assert_num_queries(1):
        found = EmailChannel().reachable(organization=organization, membership_ids=asked)

    # A deactivated member can still be told about their own data; the engine decides.
    assert found == {reachable.pk, deactivated.pk}


def test_reachable_answers_for_many_members_in_one_query(
    organization: Any, django_assert_num_queries: Any
) -> None:
    member: Any = MembershipFactory(organization=organization)
    asked = [member.pk, *range(10_000_000, 10_005_000)]

    with django_assert_num_queries(1):
        found = EmailChannel().reachable(organization=organization, membership_ids=asked)

    assert found == {member.pk}
