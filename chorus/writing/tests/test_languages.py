"""Writing help's settings page in the admin's own language."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from chorus.factories import MembershipFactory


def settings_page(client: Any, organization: Any, language: str) -> str:
    admin = MembershipFactory(organization=organization, is_admin=True, user__language=language)
    client.force_login(admin.user)
    page: str = client.get(reverse("writing_settings")).content.decode()
    return page


def test_an_admin_who_chose_german_gets_the_page_in_german(client: Any, organization: Any) -> None:
    page = settings_page(client, organization, "de")

    assert "<h1>Schreibhilfe</h1>" in page
    assert "Die Schreibhilfe ist <strong>aus</strong>" in page
    assert ">Speichern</button>" in page


def test_an_admin_without_a_choice_gets_the_page_in_english(client: Any, organization: Any) -> None:
    page = settings_page(client, organization, "")

    assert "<h1>Writing help</h1>" in page
    assert "Writing help is <strong>off</strong>" in page
