"""The analytics pages and exports speak the member's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from chorus.analytics.models import ValueSettings
from chorus.analytics.selectors.values import DIVIDED, TIMES, earned_media_value, money
from chorus.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request leaves its language active in the thread: later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@time_machine.travel("2026-03-31 12:00:00+00:00", tick=False)
def test_a_member_who_chose_german_gets_the_dashboard_in_german(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="de")
    client.force_login(curator.user)
    page = client.get(reverse("analytics_dashboard")).content.decode()
    assert "<h1>Analysen des Programms</h1>" in page
    assert "Eigene Worte nach Kampagne" in page
    assert 'lang="de"' in page
    assert "2. März 2026 \u2013 31. März 2026 (30 Tage)" in page
    mine = client.get(reverse("analytics_me")).content.decode()
    assert "<h1>Deine Statistik</h1>" in mine


@time_machine.travel("2026-03-31 12:00:00+00:00", tick=False)
def test_a_member_without_a_choice_gets_the_dashboard_in_english(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="")
    client.force_login(curator.user)
    page = client.get(reverse("analytics_dashboard")).content.decode()
    assert "<h1>Program analytics</h1>" in page
    assert "2 Mar 2026 \u2013 31 Mar 2026 (30 days)" in page
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


def test_money_and_the_value_formula_are_written_as_the_language_writes_them():
    values = ValueSettings(currency="EUR", per_click=Decimal("0.50"), cpm=Decimal("5"))
    totals = {"clicks": 1450, "potential_reach": 2000}
    with translation.override("en"):
        assert money(Decimal("1234.5"), "EUR") == "€1,234.50"
    with translation.override("de"):
        assert money(Decimal("1234.5"), "EUR") == "1.234,50 €"
        value = earned_media_value(settings=values, totals=totals)
    assert value.formula.startswith(f"1.450 Klicks {TIMES} 0,50 € + 0 Reaktionen {TIMES} 0,00 €")
    assert f"2.000 potenzielle Reichweite {DIVIDED} 1.000 {TIMES} 5,00 € CPM" in value.formula
