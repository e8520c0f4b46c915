"""The analytics pages and exports speak the member's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chorus.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_member_who_chose_german_gets_the_dashboard_in_german(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="de")
    client.force_login(curator.user)
    page = client.get(reverse("analytics_dashboard")).content.decode()
    assert "<h1>Analysen des Programms</h1>" in page
    assert "Eigene Worte nach Kampagne" in page
    assert 'lang="de"' in page
    mine = client.get(reverse("analytics_me")).content.decode()
    assert "<h1>Deine Statistiken</h1>" in mine


def test_a_member_without_a_choice_gets_the_dashboard_in_english(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="")
    client.force_login(curator.user)
    page = client.get(reverse("analytics_dashboard")).content.decode()
    assert "<h1>Program analytics</h1>" in page
    assert "Analysen des Programms" not in page


def test_export_headers_and_filter_errors_are_in_the_members_language(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="de")
    client.force_login(curator.user)
    response = client.get(reverse("analytics_export"), {"table": "daily", "format": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "Tag,geteilte Beiträge,Klicks,Interaktionen"
    error = client.get(reverse("analytics_dashboard"), {"date_from": "2026-13-45"})
    assert error.status_code == 400
    assert "Das Startdatum muss als JJJJ-MM-TT angegeben werden" in error.content.decode()
