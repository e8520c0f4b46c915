"""The links API: minting, counts from the counters, switching links, permissions, isolation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chorus.accounts.services import tokens as account_services
from chorus.content.models import PostState
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory
from chorus.links.models import Click, Link, LinkSettings
from chorus.links.services.links import link_mint


def call(client, method, path, member, body=None):
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True)


@pytest.fixture
def post(organization):
    return PostFactory(
        organization=organization,
        link_url="https://acme.example/launch?ref=1",
        campaign="spring",
        state=PostState.LIVE,
    )


@pytest.fixture
def stranger_post():
    return PostFactory(
        organization=OrganizationFactory(), link_url="https://globex.example/", state="live"
    )


def test_curator_mints_a_link_for_a_member_and_network(client, curator, employee, post, settings):
    settings.SITE_URL = "https://chorus.example"
    response = call(
        client,
        "POST",
        f"/posts/{post.pk}/links",
        curator,
        {"member_id": employee.pk, "network": "linkedin"},
    )
    assert response.status_code == 201
    body = response.json()
    link = Link.objects.get()
    assert body["id"] == link.pk
    assert body["code"] == link.code
    assert body["short_url"] == f"https://chorus.example/l/{link.code}"
    assert body["member_id"] == employee.pk
    assert body["network"] == "linkedin"
    assert body["post_id"] == post.pk
    assert "utm_source=linkedin" in body["destination"]
    assert body["counts"] == {
        "clicks": 0,
        "unique_clicks": 0,
        "self_clicks": 0,
        "previews": 0,
        "last_click_at": None,
    }


def test_minting_the_same_triple_again_answers_200_with_the_same_link(client, curator, post):
    first = call(client, "POST", f"/posts/{post.pk}/links", curator, {"network": "x"})
    again = call(client, "POST", f"/posts/{post.pk}/links", curator, {"network": "x"})
    alone = call(client, "POST", f"/posts/{post.pk}/links", curator, {})
    assert (first.status_code, again.status_code, alone.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"] != alone.json()["id"]
    assert alone.json()["network"] == "" and alone.json()["member_id"] is None
    assert Link.objects.count() == 2


def test_unknown_network_is_422(client, curator, post):
    response = call(client, "POST", f"/posts/{post.pk}/links", curator, {"network": "myspace"})
    assert response.status_code == 422
    assert not Link.objects.exists()


def test_a_post_without_a_link_is_422_with_a_clear_message(client, curator, organization):
    post = PostFactory(organization=organization, link_url="", state=PostState.LIVE)
    response = call(client, "POST", f"/posts/{post.pk}/links", curator, {"network": "x"})
    assert response.status_code == 422
    assert response.json()["detail"] == "This post has no link to track."


def test_a_deactivated_member_gets_no_link(client, curator, organization, post):
    former = MembershipFactory(organization=organization, is_active=False)
    response = call(client, "POST", f"/posts/{post.pk}/links", curator, {"member_id": former.pk})
    assert response.status_code == 422
    assert not Link.objects.exists()


def test_minting_for_a_member_of_another_organization_is_404(client, curator, post):
    foreigner = MembershipFactory(organization=OrganizationFactory())
    response = call(client, "POST", f"/posts/{post.pk}/links", curator, {"member_id": foreigner.pk})
    assert response.status_code == 404
    assert not Link.objects.exists()


def test_foreign_posts_and_links_are_404(client, curator, stranger_post):
    foreign_link = link_mint(post=stranger_post)
    assert call(client, "POST", f"/posts/{stranger_post.pk}/links", curator, {}).status_code == 404
    assert call(client, "GET", f"/posts/{stranger_post.pk}/links", curator).status_code == 404
    assert call(client, "GET", f"/links/{foreign_link.pk}", curator).status_code == 404
    patch = call(client, "PATCH", f"/links/{foreign_link.pk}", curator, {"is_active": False})
    assert patch.status_code == 404
    foreign_link.refresh_from_db()
    assert foreign_link.is_active
    assert Link.objects.count() == 1


def test_employees_may_not_use_the_curator_operations(client, employee, post):
    link = link_mint(post=post)
    for method, path, body in [
        ("POST", f"/posts/{post.pk}/links", {}),
        ("GET", f"/posts/{post.pk}/links", None),
        ("GET", f"/links/{link.pk}", None),
        ("PATCH", f"/links/{link.pk}", {"is_active": False}),
    ]:
        assert call(client, method, path, employee, body).status_code == 403, path
    link.refresh_from_db()
    assert link.is_active
    assert Link.objects.count() == 1


def test_approvers_are_not_curators(client, organization, post):
    approver = MembershipFactory(organization=organization, is_approver=True)
    assert call(client, "POST", f"/posts/{post.pk}/links", approver, {}).status_code == 403


def test_counts_are_read_from_the_counters(client, curator, post):
    link = link_mint(post=post, network="x")
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    # Counters alone, with no Click rows at all: the API must not count raw clicks.
    Link.objects.filter(pk=link.pk).update(
        clicks=12, unique_clicks=9, self_clicks=2, previews=5, last_click_at=moment
    )
    assert not Click.objects.exists()
    detail = call(client, "GET", f"/links/{link.pk}", curator).json()
    assert detail["counts"] == {
        "clicks": 12,
        "unique_clicks": 9,
        "self_clicks": 2,
        "previews": 5,
        "last_click_at": "2026-03-02T09:30:00Z",
    }
    listed = call(client, "GET", f"/posts/{post.pk}/links", curator).json()
    assert listed["count"] == 1
    assert listed["items"][0]["counts"]["clicks"] == 12


def test_post_links_list_the_posts_own_links_only(client, organization, curator, employee, post):
    other_post = PostFactory(
        organization=organization, link_url="https://acme.example/other", state=PostState.LIVE
    )
    link_mint(post=other_post)
    mine = {
        link_mint(post=post).pk,
        link_mint(post=post, membership=employee, network="linkedin").pk,
    }
    body = call(client, "GET", f"/posts/{post.pk}/links", curator).json()
    assert body["count"] == 2
    assert {item["id"] for item in body["items"]} == mine


def test_curator_disables_and_enables_a_link(client, curator, post):
    link = link_mint(post=post)
    response = call(client, "PATCH", f"/links/{link.pk}", curator, {"is_active": False})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    link.refresh_from_db()
    assert not link.is_active
    event = AuditEvent.objects.get(action="links.disable")
    assert (event.target_id, event.actor) == (str(link.pk), curator.user)
    call(client, "PATCH", f"/links/{link.pk}", curator, {"is_active": True})
    link.refresh_from_db()
    assert link.is_active
    assert AuditEvent.objects.filter(action="links.enable").count() == 1


def test_patch_needs_is_active(client, curator, post):
    link = link_mint(post=post)
    assert call(client, "PATCH", f"/links/{link.pk}", curator, {}).status_code == 422


def test_members_read_their_own_links_only(client, organization, employee, post):
    colleague = MembershipFactory(organization=organization)
    own = link_mint(post=post, membership=employee, network="x")
    link_mint(post=post, membership=colleague, network="x")
    link_mint(post=post)
    Link.objects.filter(pk=own.pk).update(clicks=3)
    body = call(client, "GET", "/links/mine", employee).json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == own.pk
    assert body["items"][0]["counts"]["clicks"] == 3


def test_short_urls_use_the_organizations_short_domain(client, organization, curator, post):
    LinkSettings.objects.create(organization=organization, short_domain="go.acme.example")
    body = call(client, "POST", f"/posts/{post.pk}/links", curator, {}).json()
    assert body["short_url"] == f"https://go.acme.example/l/{body['code']}"


def test_calls_without_credentials_are_refused(client, post):
    response = client.post(
        f"/api/v1/posts/{post.pk}/links", data="{}", content_type="application/json"
    )
    assert response.status_code == 401
    assert not Link.objects.exists()
