"""Signing in and out, password reset, and email delivery over SMTP."""

from __future__ import annotations

import re
import socket

import dj_email_url
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import override_settings

from chorus.factories import MembershipFactory

PASSWORD = "correct horse battery"


def test_sign_in_with_email_and_password(client, employee):
    response = client.post(
        "/accounts/login/", {"login": employee.user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, employee):
    response = client.post("/accounts/login/", {"login": employee.user.email, "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/").status_code == 302


def test_sign_out(employee_client):
    assert employee_client.post("/accounts/logout/").status_code == 302
    assert employee_client.get("/settings/").status_code == 302


def test_sign_up_is_closed_without_an_invitation(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "stranger@example.test",
            "password1": "Xk4!pass-long",
            "password2": "Xk4!pass-long",
        },
    )
    assert "closed" in response.content.decode().lower()
    from chorus.accounts.models import User

    assert not User.objects.filter(email="stranger@example.test").exists()


def reset_link(body: str) -> str:
    match = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", body)
    assert match, body
    return match.group(0).split("testserver", 1)[-1]


def test_password_reset_by_email(client, employee):
    client.post("/accounts/password/reset/", {"email": employee.user.email})
    assert len(mail.outbox) == 1
    link = reset_link(mail.outbox[0].body)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "a-brand-new-Passw0rd"
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert client.login(email=employee.user.email, password=new_password)


def test_password_reset_for_unknown_address_reveals_nothing(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) <= 1
    assert all("reset/key" not in message.body for message in mail.outbox)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_email_goes_through_smtp_when_email_url_says_so(client, db, smtp_server):
    controller, inbox = smtp_server
    port = controller.port
    member = MembershipFactory(user__email="smtp@acme.test")
    email = dj_email_url.parse(f"smtp://127.0.0.1:{port}")
    with override_settings(
        EMAIL_BACKEND=email["EMAIL_BACKEND"],
        EMAIL_HOST=email["EMAIL_HOST"],
        EMAIL_PORT=email["EMAIL_PORT"],
    ):
        client.post("/accounts/password/reset/", {"email": member.user.email})
    assert len(inbox.messages) == 1
    assert b"smtp@acme.test" in inbox.messages[0]
