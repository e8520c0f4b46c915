"""Pages and the invitation email speak the member's language: the one chosen in Settings,
else the browser's (Accept-Language)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from chorus.factories import UserFactory


@pytest.fixture(autouse=True)
def _english_around_each_test() -> Any:
    # A request activates its language in this thread; start and end each test in English.
    with translation.override("en"):
        yield


def test_a_member_who_chose_german_gets_the_settings_page_in_german(employee_client, employee):
    employee.user.language = "de"
    employee.user.save(update_fields=["language"])
    page = employee_client.get(reverse("settings")).content.decode()
    assert "<h1>Einstellungen</h1>" in page
    assert "Passwort ändern" in page
    assert "<h1>Settings</h1>" not in page


def test_a_member_without_a_choice_gets_the_settings_page_in_english(employee_client):
    page = employee_client.get(reverse("settings")).content.decode()
    assert "<h1>Settings</h1>" in page
    assert "Change your password" in page


def test_choosing_deutsch_in_settings_makes_the_next_page_german(employee_client, employee):
    response = employee_client.post(
        reverse("settings"), {"name": "Emma", "language": "de"}, follow=True
    )
    employee.user.refresh_from_db()
    assert employee.user.language == "de"
    page = response.content.decode()
    assert "Deine Einstellungen wurden gespeichert." in page
    assert "<h1>Einstellungen</h1>" in page
    # The choice is the member's, whatever the browser says.
    page = employee_client.get(reverse("program"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Das Advocacy-Programm</h1>" in page


def test_choosing_the_browsers_language_follows_accept_language_again(employee_client, employee):
    employee.user.language = "de"
    employee.user.save(update_fields=["language"])
    response = employee_client.post(
        reverse("settings"), {"name": "Emma", "language": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    employee.user.refresh_from_db()
    assert employee.user.language == ""
    english = employee_client.get(reverse("settings"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Your settings were saved." in english.content.decode()
    assert "<h1>Settings</h1>" in english.content.decode()
    german = employee_client.get(reverse("settings"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert "<h1>Einstellungen</h1>" in german.content.decode()


def test_an_unknown_language_is_refused_in_settings(employee_client, employee):
    response = employee_client.post(reverse("settings"), {"name": "Emma", "language": "xx"})
    assert response.status_code == 200
    employee.user.refresh_from_db()
    assert employee.user.language == ""


def _invite(admin_client: Any, email: str, **headers: Any) -> Any:
    return admin_client.post(
        reverse("invitations"), {"email": email, "roles": ["employee"]}, **headers
    )


def test_the_invitation_email_speaks_the_inviting_admins_language(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin_client, "grace@example.test", HTTP_ACCEPT_LANGUAGE="de")
    message = mail.outbox[-1]
    assert message.subject == "Tritt Acme auf Chorus bei"
    assert "Hallo," in message.body
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html
    assert "Einladung annehmen" in html


def test_the_invitation_email_speaks_the_invitees_own_language_when_they_chose_one(
    admin_client, admin_member, django_capture_on_commit_callbacks
):
    admin_member.user.language = "de"
    admin_member.user.save(update_fields=["language"])
    UserFactory(email="grace@example.test", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin_client, "grace@example.test")
    message = mail.outbox[-1]
    assert message.subject == "Join Acme on Chorus"
    assert "Hello," in message.body


def test_an_invitation_made_in_english_is_emailed_in_english(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin_client, "grace@example.test", HTTP_ACCEPT_LANGUAGE="en")
    message = mail.outbox[-1]
    assert message.subject == "Join Acme on Chorus"
    assert '<html lang="en">' in message.alternatives[0][0]
