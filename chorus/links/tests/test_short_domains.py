"""A custom short domain answers only its own organization's codes; this site's host every
organization's."""

from __future__ import annotations

import pytest

from chorus.content.models import PostState
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click, LinkSettings
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import call, django_app, drain

SHORT_DOMAIN = "go.acme.test"


def live_link(organization):
    post = PostFactory(
        organization=organization, link_url="https://example.com/", state=PostState.LIVE
    )
    member = MembershipFactory(organization=organization)
    return link_mint(post=post, membership=member, network="linkedin")


@pytest.fixture
def acme_link(organization):
    LinkSettings.objects.create(organization=organization, short_domain=SHORT_DOMAIN)
    return live_link(organization)


@pytest.fixture
def globex_link(db):
    return live_link(OrganizationFactory(name="Globex"))


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


def test_another_organizations_code_on_a_custom_short_domain_is_404(edge, acme_link, globex_link):
    status, _headers, body = call(edge, f"/l/{globex_link.code}", HTTP_HOST=SHORT_DOMAIN)
    assert status == 404
    assert b"Link not found" in body
    drain(edge)
    assert not Click.objects.exists()


@pytest.mark.parametrize("host", [SHORT_DOMAIN, "GO.Acme.test:443", "go.acme.test."])
def test_a_custom_short_domain_answers_its_own_organizations_codes(edge, acme_link, host):
    assert call(edge, f"/l/{acme_link.code}", HTTP_HOST=host)[0] == 302


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "chorus.example"])
def test_the_sites_own_host_answers_every_organizations_codes(edge, acme_link, globex_link, host):
    assert call(edge, f"/l/{acme_link.code}", HTTP_HOST=host)[0] == 302
    assert call(edge, f"/l/{globex_link.code}", HTTP_HOST=host)[0] == 302


def test_behind_a_proxy_the_forwarded_host_decides(settings, tmp_path, acme_link, globex_link):
    settings.BEHIND_PROXY = True
    edge = LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )
    forwarded = {"HTTP_HOST": "127.0.0.1:8000", "HTTP_X_FORWARDED_HOST": SHORT_DOMAIN}
    assert call(edge, f"/l/{globex_link.code}", **forwarded)[0] == 404
    assert call(edge, f"/l/{acme_link.code}", **forwarded)[0] == 302


def test_a_domain_set_later_takes_effect_when_the_cache_expires(organization, tmp_path):
    link = live_link(OrganizationFactory(name="Globex"))
    resolver = LinkResolver(ttl=3600, missing_ttl=0)
    edge = LinkEdge(django_app, resolver=resolver, sink=FileSink(tmp_path))
    assert call(edge, f"/l/{link.code}", HTTP_HOST=SHORT_DOMAIN)[0] == 302  # no such domain
    LinkSettings.objects.create(organization=organization, short_domain=SHORT_DOMAIN)
    resolver._domains_expire = 0.0  # LINK_CACHE_SECONDS later
    assert call(edge, f"/l/{link.code}", HTTP_HOST=SHORT_DOMAIN)[0] == 404


def test_when_the_domains_cannot_be_read_links_still_redirect_and_it_is_not_retried_per_click(
    acme_link, tmp_path, monkeypatch, caplog
):
    import sqlite3

    resolver = LinkResolver(ttl=60, missing_ttl=0)
    edge = LinkEdge(django_app, resolver=resolver, sink=FileSink(tmp_path))
    assert call(edge, f"/l/{acme_link.code}")[0] == 302  # the code is cached now
    resolver._domains_expire = 0.0
    asked = []

    def database_down(sql, params, *, many=False):
        asked.append(sql)
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(resolver, "_query", database_down)
    statuses = [call(edge, f"/l/{acme_link.code}", HTTP_HOST=SHORT_DOMAIN)[0] for _ in range(3)]
    assert statuses == [302] * 3
    assert len(asked) == 1
    assert "Could not read the custom short domains" in caplog.text
