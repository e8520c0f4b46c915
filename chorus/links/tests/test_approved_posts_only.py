"""Tracked links exist for approved posts only: minted (service, API, page) and redirecting.

A draft, a post in review or a rejected one gets no link (422 in the API, a message on the
page), and a code whose post is in one of those states and was never approved answers "link
not found". Approved, scheduled, live and expired posts' codes redirect, and so do those of
a live post edited and sent back to review: what its members shared was approved.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from chorus.accounts.services import tokens as account_services
from chorus.content.models import Post, PostState
from chorus.factories import MembershipFactory, PostFactory
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click, Link
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import call, django_app, drain

NOT_APPROVED = [PostState.DRAFT, PostState.IN_REVIEW, PostState.REJECTED]
MINTABLE = [PostState.APPROVED, PostState.SCHEDULED, PostState.LIVE]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True)


def post_in(organization, state):
    return PostFactory(organization=organization, link_url="https://acme.example/", state=state)


@pytest.mark.parametrize("state", NOT_APPROVED)
def test_no_link_is_minted_for_a_post_that_is_not_approved(organization, employee, state):
    post = post_in(organization, state)
    with pytest.raises(ValidationError, match="only for approved posts"):
        link_mint(post=post, membership=employee, network="linkedin")
    assert not Link.objects.exists()


@pytest.mark.parametrize("state", MINTABLE)
def test_links_are_minted_for_approved_scheduled_and_live_posts(organization, employee, state):
    post = post_in(organization, state)
    assert link_mint(post=post, membership=employee, network="linkedin").post == post


@pytest.mark.parametrize("state", NOT_APPROVED)
def test_the_api_refuses_to_mint_for_a_post_that_is_not_approved_with_422(
    client, organization, curator, state
):
    post = post_in(organization, state)
    _, secret = account_services.api_token_create(membership=curator, name="test")
    response = client.post(
        f"/api/v1/posts/{post.pk}/links",
        data=json.dumps({"network": "x"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    assert "only for approved posts" in response.json()["detail"]
    assert not Link.objects.exists()


def test_the_page_refuses_to_mint_for_a_draft_and_says_why(client, organization, curator):
    client.force_login(curator.user)
    post = post_in(organization, PostState.DRAFT)
    response = client.post(f"/manage/posts/{post.pk}/links/", {"network": "x"}, headers=HTMX)
    assert response.status_code == 200
    assert "only for approved posts: this post is a draft" in response.content.decode()
    # Without htmx: back to the post, with the message.
    response = client.post(f"/manage/posts/{post.pk}/links/", {"network": "x"}, follow=True)
    html = response.content.decode()
    assert "only for approved posts: this post is a draft" in html
    # And the card offers no minting until the post is approved.
    assert "Short links can be made once this post is approved." in html
    assert not Link.objects.exists()


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


@pytest.mark.parametrize("state", NOT_APPROVED)
def test_a_code_whose_post_was_never_approved_is_link_not_found(
    edge, organization, employee, state
):
    post = post_in(organization, PostState.LIVE)
    link = link_mint(post=post, membership=employee, network="linkedin")
    # A link made before links were limited to approved posts, its post never approved.
    Post.objects.filter(pk=post.pk).update(state=state)
    status, _headers, body = call(edge, f"/l/{link.code}")
    assert status == 404
    assert b"Link not found" in body
    drain(edge)
    assert not Click.objects.exists()


@pytest.mark.parametrize("state", [*MINTABLE, PostState.EXPIRED])
def test_a_code_of_an_approved_post_redirects(edge, organization, employee, state):
    post = post_in(organization, PostState.LIVE)
    link = link_mint(post=post, membership=employee, network="linkedin")
    Post.objects.filter(pk=post.pk).update(state=state)
    status, headers, _body = call(edge, f"/l/{link.code}")
    assert status == 302
    assert headers["Location"].startswith("https://acme.example/?utm_source=linkedin")


def test_links_of_a_live_post_keep_working_while_its_edit_is_reviewed(
    edge, organization, employee, curator
):
    from chorus.content.services import posts as content

    approver = MembershipFactory(organization=organization, is_approver=True)
    post = content.post_create(
        organization=organization,
        actor=curator.user,
        title="Launch",
        link_url="https://acme.example/",
    )
    content.post_submit(post=post, actor=curator.user)
    content.post_approve(post=post, actor=approver.user)
    content.post_publish(post=post, actor=curator.user)
    link = link_mint(post=post, membership=employee, network="linkedin")
    assert call(edge, f"/l/{link.code}")[0] == 302

    content.post_update(
        post=post,
        actor=curator.user,
        title="Launch, typo fixed",
        commentary="",
        link_url="https://acme.example/",
        captions=None,
        campaign="",
        details=content.post_details(post),
    )
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    status, headers, _body = call(edge, f"/l/{link.code}")
    assert status == 302
    assert headers["Location"].startswith("https://acme.example/?utm_source=linkedin")
    # No new link while the edit is in review.
    with pytest.raises(ValidationError, match="only for approved posts"):
        link_mint(post=post, membership=employee, network="x")
