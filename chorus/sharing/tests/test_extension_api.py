"""The browser extension's API: the live post behind a page, and my tracked link for it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services.tokens import api_token_create
from chorus.content.models import PostState
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.links.models import Link
from chorus.sharing.selectors.page import page_key
from chorus.sharing.services.pause import sharing_pause
from chorus.sharing.tests.test_publishing import NOW, advocate, live_post

pytestmark = pytest.mark.django_db

PAGE = "https://acme.example/news/lyon"


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def call(client: Any, member: Any, method: str, path: str, body: Any = None) -> Any:
    _, secret = api_token_create(membership=member, name="extension")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def page(client: Any, member: Any, url: str) -> Any:
    return call(client, member, "GET", "/extension/page?" + urlencode({"url": url}))


def page_link(client: Any, member: Any, url: str) -> Any:
    return call(client, member, "POST", "/extension/page/link", {"url": url})


@pytest.fixture
def member(organization: Any) -> Any:
    return advocate(organization)


def test_a_live_post_of_my_feed_is_found_by_its_page(client, member):
    post = live_post(member.organization, title="We opened a plant in Lyon", link_url=PAGE)

    response = page(client, member, PAGE)

    assert response.status_code == 200, response.content
    found = response.json()
    assert found["post_id"] == post.pk
    assert found["title"] == "We opened a plant in Lyon"
    assert found["link_url"] == PAGE
    assert found["share_url"] == f"http://testserver/feed/{post.pk}/share/"
    assert found["post_url"] == f"http://testserver/feed/{post.pk}/"
    assert found["may_share"] is True
    assert found["reasons"] == []


@pytest.mark.parametrize(
    "opened",
    [
        "https://acme.example/news/lyon/",
        "https://ACME.example:443/news/lyon#comments",
        "http://acme.example/news/lyon",
        "https://acme.example/news/lyon?utm_source=linkedin&utm_medium=employee_advocacy",
    ],
)
def test_the_page_is_the_same_whatever_its_slash_case_fragment_or_campaign(client, member, opened):
    post = live_post(member.organization, link_url=PAGE)

    assert page(client, member, opened).json()["post_id"] == post.pk


def test_another_page_of_the_same_site_is_not_the_post(client, member):
    live_post(member.organization, link_url=PAGE)

    for other in (
        "https://acme.example/news/lyon-2",
        "https://acme.example/news",
        "https://acme.example/news/lyon?page=2",
        "https://acme.example:8443/news/lyon",
        "https://blog.acme.example/news/lyon",
    ):
        assert page(client, member, other).status_code == 404, other


def test_a_page_that_is_no_post_is_404(client, member):
    response = page(client, member, "https://elsewhere.example/article")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "state", [PostState.DRAFT, PostState.IN_REVIEW, PostState.APPROVED, PostState.ARCHIVED]
)
def test_a_post_that_is_not_live_is_404(client, member, state):
    live_post(member.organization, link_url=PAGE, state=state)

    assert page(client, member, PAGE).status_code == 404
    assert page_link(client, member, PAGE).status_code == 404
    assert not Link.objects.exists()


def test_a_live_post_outside_its_publish_window_is_404(client, member):
    live_post(member.organization, link_url=PAGE, publish_end=NOW - timedelta(minutes=1))

    assert page(client, member, PAGE).status_code == 404


def test_a_post_targeted_at_other_groups_is_404(client, member):
    lyon = GroupFactory(organization=member.organization, name="Lyon")
    post = live_post(member.organization, link_url=PAGE, target_all=False)
    post.target_groups.add(lyon)

    assert page(client, member, PAGE).status_code == 404
    lyon.members.add(member)
    assert page(client, member, PAGE).json()["post_id"] == post.pk


def test_another_organizations_post_is_not_found(client, member):
    globex = OrganizationFactory(name="Globex", slug="globex")
    live_post(globex, link_url=PAGE)

    assert page(client, member, PAGE).status_code == 404
    assert page_link(client, member, PAGE).status_code == 404
    assert not Link.objects.exists()


def test_the_newest_live_post_wins_when_two_share_a_link(client, member):
    live_post(member.organization, link_url=PAGE, publish_start=NOW - timedelta(days=3))
    newer = live_post(member.organization, link_url=PAGE, publish_start=NOW - timedelta(hours=1))

    assert page(client, member, PAGE).json()["post_id"] == newer.pk


def test_my_tracked_link_is_made_once_and_redirects_to_the_page(client, member, settings):
    post = live_post(member.organization, link_url=PAGE, campaign="lyon")

    first = page_link(client, member, PAGE)
    again = page_link(client, member, PAGE + "/")

    assert first.status_code == 200, first.content
    assert first.json() == again.json()
    link = Link.objects.get()
    assert (link.post, link.membership, link.network) == (post, member, "")
    assert first.json() == {
        "post_id": post.pk,
        "link": f"{settings.SITE_URL}/l/{link.code}",
        "share_url": f"http://testserver/feed/{post.pk}/share/",
    }
    assert link.destination.startswith(PAGE + "?")
    assert "utm_medium=employee_advocacy" in link.destination
    assert "utm_campaign=lyon" in link.destination


def test_a_member_who_left_the_program_is_refused_a_link(client, organization):
    left = MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)
    live_post(organization, link_url=PAGE)

    looked_up = page(client, left, PAGE)
    refused = page_link(client, left, PAGE)

    assert looked_up.status_code == 200
    assert looked_up.json()["may_share"] is False
    assert looked_up.json()["reasons"] == ["Join the advocacy program to share."]
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Join the advocacy program to share."
    assert not Link.objects.exists()


def test_while_sharing_is_paused_no_link_is_given(client, member, admin_member):
    live_post(member.organization, link_url=PAGE)
    sharing_pause(organization=member.organization, actor=admin_member.user, reason="Crisis")

    looked_up = page(client, member, PAGE).json()
    refused = page_link(client, member, PAGE)

    assert looked_up["may_share"] is False
    assert looked_up["reasons"]
    assert refused.status_code == 403
    assert refused.json()["gates"][0]["reason"] == looked_up["reasons"][0]
    assert not Link.objects.exists()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "not a url", "", "https://"]
)
def test_addresses_that_are_not_web_pages_are_422(client, member, url):
    assert page(client, member, url).status_code == 422
    assert page_link(client, member, url).status_code == 422


def test_without_a_token_the_extension_is_401(client):
    response = client.get("/api/v1/extension/page", {"url": PAGE})

    assert response.status_code == 401


def test_page_keys_ignore_what_does_not_change_the_page():
    assert page_key("https://Acme.example/a/?utm_source=x&b=1#top") == "acme.example/a?b=1"
    assert page_key("http://acme.example:80/a") == page_key("https://acme.example/a")
    assert page_key("ftp://acme.example/a") is None
    assert page_key("https://acme.example:99999/") is None
