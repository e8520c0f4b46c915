"""The "Tracked links" card on a post, its forms, and the organization's link settings."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chorus.content.models import PostState
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.links.models import Link, LinkSettings
from chorus.links.services.links import link_mint, short_url

HTMX = {"HX-Request": "true"}


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True, user__name="Cleo Curator")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator.user)
    return client


@pytest.fixture
def post(organization):
    return PostFactory(
        organization=organization,
        link_url="https://acme.example/launch",
        state=PostState.LIVE,
    )


def detail(client, post):
    return client.get(f"/manage/posts/{post.pk}/")


# The card ------------------------------------------------------------------------------


def test_the_card_shows_each_links_counters_and_short_url(curator_client, post, employee):
    employee.user.name = "Emma Example"
    employee.user.save(update_fields=["name"])
    shared = link_mint(post=post, membership=employee, network="linkedin")
    own = link_mint(post=post, network="x")
    Link.objects.filter(pk=shared.pk).update(clicks=41, unique_clicks=37, previews=8, self_clicks=3)
    with CaptureQueriesContext(connection) as queries:
        response = detail(curator_client, post)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tracked links" in html
    assert f"/l/{shared.code}" in html and f"/l/{own.code}" in html
    assert f'data-copy="#short-link-{shared.pk}"' in html
    assert "Emma Example" in html and "LinkedIn" in html
    for number in ("41", "37", "8", "3"):
        assert f">{number}<" in html
    # The numbers are the link counters: the page never reads raw clicks.
    assert not [q for q in queries.captured_queries if "links_click" in q["sql"]]


def test_approvers_see_the_post_but_not_the_card(client, organization, post):
    approver = MembershipFactory(organization=organization, is_approver=True)
    link_mint(post=post)
    client.force_login(approver.user)
    response = detail(client, post)
    assert response.status_code == 200
    assert "Tracked links" not in response.content.decode()


def test_a_post_without_a_link_has_no_mint_form(curator_client, organization):
    post = PostFactory(organization=organization, link_url="")
    html = detail(curator_client, post).content.decode()
    assert "This post has no link to track." in html
    assert f"/manage/posts/{post.pk}/links/" not in html


def test_curator_mints_a_link_for_the_post_with_htmx(curator_client, post):
    response = curator_client.post(
        f"/manage/posts/{post.pk}/links/", {"network": "bluesky"}, headers=HTMX
    )
    assert response.status_code == 200
    link = Link.objects.get()
    assert (link.post, link.membership, link.network) == (post, None, "bluesky")
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="tracked-links"')
    assert f"/l/{link.code}" in html
    assert "Bluesky: link created." in html
    again = curator_client.post(
        f"/manage/posts/{post.pk}/links/", {"network": "bluesky"}, headers=HTMX
    )
    assert "Bluesky: the post already had this link." in again.content.decode()
    assert Link.objects.count() == 1


def test_minting_without_htmx_goes_back_to_the_post(curator_client, post):
    response = curator_client.post(f"/manage/posts/{post.pk}/links/", {"network": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/manage/posts/{post.pk}/#tracked-links"
    assert Link.objects.get().network == ""


def test_an_unknown_network_is_refused_on_the_card(curator_client, post):
    response = curator_client.post(
        f"/manage/posts/{post.pk}/links/", {"network": "myspace"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Link.objects.exists()


def test_minting_for_a_post_without_a_link_says_why(curator_client, organization):
    post = PostFactory(organization=organization, link_url="")
    response = curator_client.post(f"/manage/posts/{post.pk}/links/", {"network": "x"})
    assert response.status_code == 302
    page = curator_client.get(response["Location"])
    assert "This post has no link to track." in page.content.decode()
    assert not Link.objects.exists()


def test_curator_disables_and_enables_a_link_from_the_card(curator_client, post, curator):
    link = link_mint(post=post)
    url = f"/manage/links/{link.pk}/toggle/"
    response = curator_client.post(url, {"active": "0"}, headers=HTMX)
    assert response.status_code == 200
    assert "link-disabled" in response.content.decode()
    link.refresh_from_db()
    assert not link.is_active
    # The form says which state it wants: a second click of the same button changes nothing.
    curator_client.post(url, {"active": "0"}, headers=HTMX)
    link.refresh_from_db()
    assert not link.is_active
    assert AuditEvent.objects.filter(action="links.disable", actor=curator.user).count() == 1
    curator_client.post(url, {"active": "1"})
    link.refresh_from_db()
    assert link.is_active


def test_toggle_without_a_wanted_state_is_400(curator_client, post):
    link = link_mint(post=post)
    response = curator_client.post(f"/manage/links/{link.pk}/toggle/", {"active": "maybe"})
    assert response.status_code == 400
    link.refresh_from_db()
    assert link.is_active


def test_employees_may_not_mint_or_toggle(employee_client, post):
    link = link_mint(post=post)
    assert employee_client.post(f"/manage/posts/{post.pk}/links/", {}).status_code == 403
    toggle = employee_client.post(f"/manage/links/{link.pk}/toggle/", {"active": "0"})
    assert toggle.status_code == 403
    link.refresh_from_db()
    assert link.is_active
    assert Link.objects.count() == 1


def test_foreign_posts_and_links_are_404_on_the_pages(curator_client):
    stranger_post = PostFactory(
        organization=OrganizationFactory(), link_url="https://g.example/", state=PostState.LIVE
    )
    foreign = link_mint(post=stranger_post)
    mint = curator_client.post(f"/manage/posts/{stranger_post.pk}/links/", {"network": "x"})
    toggle = curator_client.post(f"/manage/links/{foreign.pk}/toggle/", {"active": "0"})
    assert (mint.status_code, toggle.status_code) == (404, 404)
    foreign.refresh_from_db()
    assert foreign.is_active
    assert Link.objects.count() == 1


# Organization link settings -----------------------------------------------------------


def save_settings(client, short_domain="", fallback_url=""):
    return client.post(
        "/manage/organization/",
        {
            "section": "links",
            "links-short_domain": short_domain,
            "links-fallback_url": fallback_url,
        },
    )


def test_admin_sets_a_short_domain_and_short_urls_use_it(admin_client, organization, post):
    response = save_settings(admin_client, "Go.Acme.Example", "https://acme.example/news")
    assert response.status_code == 302
    stored = LinkSettings.objects.get(organization=organization)
    assert (stored.short_domain, stored.fallback_url) == (
        "go.acme.example",
        "https://acme.example/news",
    )
    link = link_mint(post=post)
    assert short_url(link) == f"https://go.acme.example/l/{link.code}"
    event = AuditEvent.objects.get(action="links.settings_update")
    assert event.data["after"]["short_domain"] == "go.acme.example"
    page = admin_client.get("/manage/organization/").content.decode()
    assert 'value="go.acme.example"' in page


def test_international_domains_are_stored_in_idna_form(admin_client, organization):
    assert save_settings(admin_client, "kurz.bücher.example").status_code == 302
    assert LinkSettings.objects.get().short_domain == "kurz.xn--bcher-kva.example"


@pytest.mark.parametrize(
    "domain",
    [
        "https://go.acme.example",
        "go.acme.example/path",
        "go.acme.example:8443",
        "user@go.acme.example",
        "go acme.example",
        "localhost",
        "203.0.113.9",
        "bad..example",
        "-bad.example",
        "x" * 64 + ".example",
        "127.0.0.1",  # this site's host in the tests
    ],
)
def test_bad_short_domains_are_refused(admin_client, domain):
    response = save_settings(admin_client, domain)
    assert response.status_code == 400
    assert "has-error" in response.content.decode()
    assert not LinkSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="links.settings_update").exists()


def test_this_sites_own_host_is_not_a_short_domain(admin_client, settings):
    settings.SITE_URL = "https://chorus.example.com"
    response = save_settings(admin_client, "chorus.example.com")
    assert response.status_code == 400
    assert "not this site" in response.content.decode()


def test_a_domain_another_organization_uses_is_refused(admin_client):
    LinkSettings.objects.create(organization=OrganizationFactory(), short_domain="go.acme.example")
    response = save_settings(admin_client, "go.acme.example")
    assert response.status_code == 400
    assert "Another organization" in response.content.decode()


@pytest.mark.parametrize(
    "fallback",
    ["javascript:alert(1)", "ftp://acme.example/", "//acme.example/", "data:text/html,hi"],
)
def test_fallback_pages_must_be_http_or_https(admin_client, fallback):
    response = save_settings(admin_client, "", fallback)
    assert response.status_code == 400
    assert not LinkSettings.objects.exists()


def test_clearing_the_settings_goes_back_to_this_sites_address(
    admin_client, organization, post, settings
):
    settings.SITE_URL = "https://chorus.example.com"
    LinkSettings.objects.create(organization=organization, short_domain="go.acme.example")
    assert save_settings(admin_client, "", "").status_code == 302
    link = link_mint(post=post)
    assert short_url(link) == f"https://chorus.example.com/l/{link.code}"
    assert LinkSettings.objects.get().short_domain == ""


def test_only_admins_change_link_settings(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    assert save_settings(client, "go.acme.example").status_code == 403
    assert not LinkSettings.objects.exists()
