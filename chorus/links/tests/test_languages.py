"""The link pages speak the member's language; the redirect's own pages, the visitor's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from chorus.factories import MembershipFactory
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import call, django_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request leaves its language active in the thread: later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_an_admin_who_chose_german_gets_the_visitors_page_in_german(client, organization):
    admin = MembershipFactory(organization=organization, is_admin=True, user__language="de")
    client.force_login(admin.user)
    page = client.get(reverse("suspicious_visitors")).content.decode()
    assert "<h1>Verdächtige Besucher</h1>" in page
    assert '<option value="7" selected>Letzte 7 Tage</option>' in page


def test_an_admin_without_a_choice_gets_the_visitors_page_in_english(client, organization):
    admin = MembershipFactory(organization=organization, is_admin=True, user__language="")
    client.force_login(admin.user)
    page = client.get(reverse("suspicious_visitors")).content.decode()
    assert "<h1>Suspicious visitors</h1>" in page
    assert '<option value="7" selected>Last 7 days</option>' in page


def test_the_not_found_page_follows_the_visitors_browser_language(tmp_path):
    edge = LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )
    status, _, body = call(edge, "/l/unknown123", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.8")
    assert status == 404
    assert b'lang="de"' in body and b"Link nicht gefunden" in body
    _, _, body = call(edge, "/l/unknown123", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert b'lang="en"' in body and b"Link not found" in body
    _, _, body = call(edge, "/l/unknown123")
    assert b"Link not found" in body
