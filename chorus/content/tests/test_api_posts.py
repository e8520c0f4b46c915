from __future__ import annotations

import json

import pytest

from chorus.accounts.services import tokens as account_services
from chorus.content.models import ContentPolicy, Post, PostState, PostTransition
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, PostFactory


def bearer(membership):
    _, secret = account_services.api_token_create(membership=membership, name="test")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True)


@pytest.fixture
def approver(organization):
    return MembershipFactory(organization=organization, is_approver=True)


def call(client, method, path, member, body=None):
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=bearer(member),
    )


def test_curator_creates_and_reads_a_post(client, organization, curator):
    group = GroupFactory(organization=organization)
    response = call(
        client,
        "POST",
        "/posts",
        curator,
        {
            "title": "API post",
            "captions": [{"network": "x", "text": "Hello"}],
            "target_group_ids": [group.pk],
            "topics": ["AI"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert body["captions"] == [{"network": "x", "text": "Hello"}]
    assert body["target_all"] is False and body["target_group_ids"] == [group.pk]
    assert body["topics"] == ["AI"]
    detail = call(client, "GET", f"/posts/{body['id']}", curator)
    assert detail.json()["title"] == "API post"


def test_list_filters_by_state(client, organization, curator):
    PostFactory(organization=organization, title="Draft")
    PostFactory(organization=organization, title="Live", state=PostState.LIVE)
    PostFactory(title="Foreign", state=PostState.LIVE)
    response = call(client, "GET", "/posts?state=live", curator)
    assert [item["title"] for item in response.json()["items"]] == ["Live"]


def test_full_workflow_through_the_api(client, organization, curator, approver):
    post_id = call(client, "POST", "/posts", curator, {"title": "Flow"}).json()["id"]
    assert call(client, "POST", f"/posts/{post_id}/submit", curator).json()["state"] == "in_review"
    rejected = call(client, "POST", f"/posts/{post_id}/reject", approver, {"reason": "Why?"})
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Why?"
    call(client, "POST", f"/posts/{post_id}/submit", curator)
    assert call(client, "POST", f"/posts/{post_id}/approve", approver).json()["state"] == "approved"
    assert call(client, "POST", f"/posts/{post_id}/publish", curator).json()["state"] == "live"
    archived = call(client, "POST", f"/posts/{post_id}/archive", curator, {"reason": "Done"})
    assert archived.json()["state"] == "archived"
    assert PostTransition.objects.filter(post_id=post_id).count() == 6


def test_invalid_transition_is_422_with_the_reason(client, organization, curator):
    post = PostFactory(organization=organization)
    response = call(client, "POST", f"/posts/{post.pk}/publish", curator)
    assert response.status_code == 422
    assert "Only a post that is approved" in response.json()["detail"]


def test_approving_own_post_is_422_unless_the_policy_allows_it(client, organization, admin_member):
    post_id = call(client, "POST", "/posts", admin_member, {"title": "Mine"}).json()["id"]
    call(client, "POST", f"/posts/{post_id}/submit", admin_member)
    response = call(client, "POST", f"/posts/{post_id}/approve", admin_member)
    assert response.status_code == 422
    ContentPolicy.objects.create(organization=organization, require_other_approver=False)
    response = call(client, "POST", f"/posts/{post_id}/approve", admin_member)
    assert response.status_code == 200


def test_patch_changes_only_what_is_sent_and_returns_approved_post_to_review(
    client, organization, curator, approver
):
    post_id = call(client, "POST", "/posts", curator, {"title": "P", "campaign": "Spring"}).json()[
        "id"
    ]
    call(client, "POST", f"/posts/{post_id}/submit", curator)
    call(client, "POST", f"/posts/{post_id}/approve", approver)
    response = call(client, "PATCH", f"/posts/{post_id}", curator, {"commentary": "More"})
    body = response.json()
    assert (body["commentary"], body["campaign"], body["state"]) == ("More", "Spring", "in_review")
    assert body["version"] == 2


def test_patch_refuses_a_window_in_the_wrong_order(client, organization, curator):
    post = PostFactory(organization=organization)
    response = call(
        client,
        "PATCH",
        f"/posts/{post.pk}",
        curator,
        {"publish_start": "2030-01-02T00:00:00Z", "publish_end": "2030-01-01T00:00:00Z"},
    )
    assert response.status_code == 422
    assert "end after it starts" in response.json()["detail"]


def test_captions_are_read_and_replaced(client, organization, curator):
    post_id = call(
        client,
        "POST",
        "/posts",
        curator,
        {"title": "C", "captions": [{"network": "x", "text": "Old"}]},
    ).json()["id"]
    response = call(
        client,
        "PUT",
        f"/posts/{post_id}/captions",
        curator,
        {"captions": [{"network": "linkedin", "text": "New"}]},
    )
    assert response.json() == [{"network": "linkedin", "text": "New"}]
    assert call(client, "GET", f"/posts/{post_id}/captions", curator).json() == [
        {"network": "linkedin", "text": "New"}
    ]
    versions = call(client, "GET", f"/posts/{post_id}/versions", curator).json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["captions"] == {"linkedin": "New"}


def test_unknown_network_is_422(client, organization, curator):
    post = PostFactory(organization=organization)
    response = call(
        client,
        "PUT",
        f"/posts/{post.pk}/captions",
        curator,
        {"captions": [{"network": "myspace", "text": "x"}]},
    )
    assert response.status_code == 422


def test_foreign_post_is_404(client, curator):
    post = PostFactory(organization=OrganizationFactory())
    assert call(client, "GET", f"/posts/{post.pk}", curator).status_code == 404
    assert call(client, "POST", f"/posts/{post.pk}/submit", curator).status_code == 404
    assert call(client, "GET", f"/posts/{post.pk}/versions", curator).status_code == 404


def test_foreign_group_is_refused(client, curator):
    response = call(
        client, "POST", "/posts", curator, {"title": "X", "target_group_ids": [GroupFactory().pk]}
    )
    assert response.status_code == 422
    assert not Post.objects.exists()


def test_employee_is_403(client, organization, employee):
    post = PostFactory(organization=organization)
    assert call(client, "GET", "/posts", employee).status_code == 403
    assert call(client, "GET", f"/posts/{post.pk}", employee).status_code == 403
    assert call(client, "POST", "/posts", employee, {"title": "X"}).status_code == 403


def test_curator_cannot_approve(client, organization, curator):
    post = PostFactory(organization=organization, state=PostState.IN_REVIEW)
    assert call(client, "POST", f"/posts/{post.pk}/approve", curator).status_code == 403
