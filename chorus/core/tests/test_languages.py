"""Pages speak the member's language: the one chosen in Settings, else the browser's; a
visitor picks one on the sign-in page."""

from __future__ import annotations

import re
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from chorus.accounts.models import Membership
from chorus.factories import MembershipFactory


@pytest.fixture
def german_member(organization: object) -> Membership:
    return cast(
        Membership,
        MembershipFactory(
            organization=organization, user__email="jonas@acme.test", user__language="de"
        ),
    )


def test_a_member_who_chose_german_gets_the_shell_in_german(
    client: Client, german_member: Membership, employee: Membership
) -> None:
    client.force_login(german_member.user)
    german = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in german
    assert ">Einstellungen</a>" in german
    assert ">Abmelden</button>" in german

    client.force_login(employee.user)
    english = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in english
    assert ">Settings</a>" in english
    assert ">Sign out</button>" in english


def test_without_a_choice_the_browser_language_is_used(
    client: Client, employee: Membership
) -> None:
    client.force_login(employee.user)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert ">Einstellungen</a>" in html


def test_error_pages_speak_the_members_language(client: Client, german_member: Membership) -> None:
    client.force_login(german_member.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Diese Seite finden wir nicht" in response.content.decode()


def test_a_visitor_switches_the_sign_in_page_to_german() -> None:
    client = Client(enforce_csrf_checks=True)
    login = reverse("account_login")
    page = client.get(login).content.decode()
    assert "Sign in to Chorus" in page
    picker = page.split('<form class="topbar-actions language-picker"', 1)[1].split("</form>")[0]
    assert f'action="{reverse("set_language")}"' in picker
    assert 'method="post"' in picker
    assert '<option value="de" lang="de">Deutsch</option>' in picker
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', picker)
    assert token is not None

    answer = client.post(
        reverse("set_language"),
        {"language": "de", "next": login, "csrfmiddlewaretoken": token.group(1)},
    )
    assert answer.status_code == 302
    assert answer["Location"] == login
    german = client.get(login).content.decode()
    assert "Bei Chorus anmelden" in german
    assert '<option value="de" lang="de" selected>Deutsch</option>' in german


def test_the_language_switch_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    answer = client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert answer.status_code == 403


def test_signed_in_members_choose_their_language_in_settings_not_in_the_top_bar(
    client: Client, employee: Membership
) -> None:
    client.force_login(employee.user)
    assert "language-picker" not in client.get(reverse("home")).content.decode()
