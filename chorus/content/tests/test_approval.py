"""Approval: approve and publish, publishing on approval, and what an approver sees to decide."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from chorus.accounts.services import tokens as token_services
from chorus.content.models import (
    ComplianceRule,
    ContentPolicy,
    PostState,
    PostTransition,
    RuleAction,
    RuleKind,
)
from chorus.content.selectors import review as review_selectors
from chorus.content.services import posts as post_services
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.notifications.models import Notification


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True, user__email="cu@acme.test")


@pytest.fixture
def approver(organization):
    return MembershipFactory(
        organization=organization,
        is_approver=True,
        user__email="ap@acme.test",
        user__name="Alma Prover",
    )


def create(organization, curator, **details):
    return post_services.post_create(
        organization=organization,
        actor=curator.user,
        title="Our new office",
        link_url="https://example.com/lyon",
        captions={"linkedin": "We opened an office in Lyon."},
        details=post_services.PostDetails(**details),
    )


@pytest.fixture
def in_review(organization, curator):
    post = create(organization, curator)
    post_services.post_submit(post=post, actor=curator.user)
    return post


def set_policy(organization, **fields):
    ContentPolicy.objects.update_or_create(organization=organization, defaults=fields)


def edit(post, actor, **changes):
    fields = {
        "title": post.title,
        "commentary": post.commentary,
        "link_url": post.link_url,
        "captions": {caption.network: caption.text for caption in post.captions.all()},
        "campaign": post.campaign,
    }
    details = {
        k: changes.pop(k) for k in list(changes) if k in post_services.PostDetails.__annotations__
    }
    fields.update(changes)
    post_services.post_update(
        post=post,
        actor=actor,
        details=replace(post_services.post_details(post), **details),
        **fields,
    )


# Approve and publish ------------------------------------------------------------------


def test_approve_and_publish_puts_the_post_live(in_review, curator, approver):
    post_services.post_approve(post=in_review, actor=approver.user, publish=True)
    in_review.refresh_from_db()
    assert in_review.state == PostState.LIVE
    assert in_review.approved_by == approver.user
    assert in_review.publish_start is not None  # the window starts now, as Publish does
    moves = [(t.from_state, t.to_state) for t in PostTransition.objects.filter(post=in_review)]
    assert moves[:2] == [("approved", "live"), ("in_review", "approved")]
    published = AuditEvent.objects.filter(action="post.published").latest("id")
    assert published.actor == approver.user
    assert published.data["reason"] == "approved and published"
    assert AuditEvent.objects.filter(action="post.approved", target_id=str(in_review.pk)).exists()
    message = Notification.objects.get(membership=curator).message
    assert "approved and is live" in message


def test_approve_and_publish_schedules_a_post_whose_window_starts_later(
    organization, curator, approver
):
    start = timezone.now() + timedelta(days=2)
    post = create(organization, curator, publish_start=start)
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user, publish=True)
    post.refresh_from_db()
    assert post.state == PostState.SCHEDULED
    assert post.publish_start == start


def test_approve_and_publish_is_refused_whole_when_the_window_is_over(
    organization, curator, approver
):
    now = timezone.now()
    post = create(
        organization,
        curator,
        publish_start=now - timedelta(days=3),
        publish_end=now - timedelta(days=1),
    )
    post_services.post_submit(post=post, actor=curator.user)
    with pytest.raises(Exception, match="window is already over"):
        post_services.post_approve(post=post, actor=approver.user, publish=True)
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW
    assert post.approved_by is None


def test_approving_alone_leaves_publishing_to_a_curator(in_review, approver):
    post_services.post_approve(post=in_review, actor=approver.user)
    in_review.refresh_from_db()
    assert in_review.state == PostState.APPROVED


def test_the_policy_publishes_posts_when_they_are_approved(organization, in_review, approver):
    set_policy(organization, publish_on_approval=True)
    post_services.post_approve(post=in_review, actor=approver.user)
    in_review.refresh_from_db()
    assert in_review.state == PostState.LIVE
    event = AuditEvent.objects.filter(action="post.published").latest("id")
    assert event.data["reason"] == "published on approval"


def test_the_policy_leaves_a_post_whose_window_is_over_approved(organization, curator, approver):
    set_policy(organization, publish_on_approval=True)
    now = timezone.now()
    post = create(organization, curator, publish_start=now - timedelta(days=3), publish_end=now)
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user)
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


# Pages --------------------------------------------------------------------------------


def test_approver_approves_and_publishes_from_the_queue(client, in_review, approver):
    client.force_login(approver.user)
    queue = client.get(reverse("review_queue")).content.decode()
    assert "Approve and publish" in queue and "Approve only" in queue
    response = client.post(
        reverse("review_approve", args=[in_review.pk]),
        {"publish": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Approved and published" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.state == PostState.LIVE


def test_approve_and_publish_refusal_is_a_message_not_a_500(
    client, organization, curator, approver
):
    now = timezone.now()
    post = create(organization, curator, publish_start=now - timedelta(days=3), publish_end=now)
    post_services.post_submit(post=post, actor=curator.user)
    client.force_login(approver.user)
    response = client.post(
        reverse("review_approve", args=[post.pk]), {"publish": "1", "from": "review"}, follow=True
    )
    assert response.status_code == 200
    assert "window is already over" in response.content.decode()
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW


def test_with_the_policy_on_the_queue_offers_one_approve_and_publish(
    client, organization, in_review, approver
):
    set_policy(organization, publish_on_approval=True)
    client.force_login(approver.user)
    page = client.get(reverse("review_post", args=[in_review.pk])).content.decode()
    assert "Approve and publish" in page
    assert "Approve only" not in page
    assert "publishes posts when they are approved" in page


def test_detail_page_offers_approve_and_publish_to_approvers(client, in_review, approver):
    client.force_login(approver.user)
    response = client.get(reverse("post_detail", args=[in_review.pk]))
    assert response.context["can_approve_and_publish"]
    assert "Approve and publish" in response.content.decode()
    assert reverse("review_post", args=[in_review.pk]) in response.content.decode()


def test_admin_sets_publishing_on_approval_on_the_content_policy(admin_client, organization):
    assert (
        "Publish posts when they are approved"
        in admin_client.get(reverse("rules")).content.decode()
    )
    response = admin_client.post(
        reverse("rules_policy"),
        {"length_action": "block", "require_other_approver": "on", "publish_on_approval": "on"},
    )
    assert response.status_code == 302
    assert ContentPolicy.objects.get(organization=organization).publish_on_approval is True
    event = AuditEvent.objects.filter(action="content_policy.updated").latest("id")
    assert event.data == {"publish_on_approval": [False, True]}


def test_only_approvers_see_the_review_page(client, in_review, curator, employee):
    for member in (curator, employee):
        client.force_login(member.user)
        assert client.get(reverse("review_post", args=[in_review.pk])).status_code == 403


def test_another_organizations_post_is_404_on_the_review_page(client, approver):
    other = OrganizationFactory()
    other_curator = MembershipFactory(organization=other, is_curator=True)
    post = create(other, other_curator)
    client.force_login(approver.user)
    assert client.get(reverse("review_post", args=[post.pk])).status_code == 404


# What the approver sees ---------------------------------------------------------------


def test_review_shows_audience_window_and_each_captions_verdict(
    client, organization, curator, approver
):
    sales = GroupFactory(organization=organization, name="Sales")
    for _ in range(2):
        sales.members.add(MembershipFactory(organization=organization))
    ComplianceRule.objects.create(
        organization=organization,
        kind=RuleKind.BLOCKED_TERM,
        value="Lyon",
        action=RuleAction.WARN,
    )
    start = timezone.now() + timedelta(days=1)
    post = create(
        organization, curator, target_all=False, target_groups=[sales], publish_start=start
    )
    post_services.post_submit(post=post, actor=curator.user)
    client.force_login(approver.user)
    response = client.get(reverse("review_post", args=[post.pk]))
    review = response.context["item"]["review"]
    assert review.audience.everyone is False
    assert [group["name"] for group in review.audience.groups] == ["Sales"]
    assert review.audience.members == 2
    assert review.window.outcome == "scheduled"
    assert review.checks["linkedin"].findings[0].action == "warn"
    page = response.content.decode()
    assert "Sales" in page and "reaches <strong>2</strong> active members" in page
    assert "allowed, with warnings" in page
    assert "Approve and schedule" in page
    assert "First review" in page


def test_review_shows_what_changed_since_the_approved_version(
    client, organization, curator, approver
):
    sales = GroupFactory(organization=organization, name="Sales")
    post = create(organization, curator)
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user)
    end = timezone.now() + timedelta(days=7)
    edit(
        post,
        curator.user,
        title="Our new office in Lyon",
        captions={
            "linkedin": "We opened an office in Lyon <script>alert(1)</script>",
            "x": "Lyon!",
        },
        target_all=False,
        target_groups=[sales],
        publish_end=end,
    )
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW  # edited after approval
    client.force_login(approver.user)
    response = client.get(reverse("review_post", args=[post.pk]))
    review = response.context["item"]["review"]
    assert review.baseline.version == 1 and review.baseline.decision == "approved"
    assert review.baseline.decided_by == approver.user
    changed = {(change.field, change.network) for change in review.changes}
    assert changed == {
        ("title", ""),
        ("caption", "linkedin"),
        ("caption", "x"),
        ("audience", ""),
        ("window", ""),
    }
    title = next(change for change in review.changes if change.field == "title")
    assert ("add", " in Lyon") in title.pieces
    audience = next(change for change in review.changes if change.field == "audience")
    assert ("del", "Everyone\n") in audience.pieces
    page = response.content.decode()
    assert "5 changes" in page and "since version 1, which Alma Prover approved" in page
    # The diff is escaped: a caption's markup is shown, never run.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_review_compares_with_the_last_rejected_version(organization, curator, approver):
    post = create(organization, curator)
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_reject(post=post, actor=approver.user, reason="Say where")
    edit(post, curator.user, commentary="In the centre of Lyon.")
    post_services.post_submit(post=post, actor=curator.user)
    review = review_selectors.post_review(organization=organization, post=post)
    assert review.baseline.version == 1 and review.baseline.decision == "rejected"
    assert [change.field for change in review.changes] == ["commentary"]


def image_file():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def test_versions_keep_images_audience_and_window_so_image_changes_show(
    organization, curator, approver
):
    post = post_services.post_create(
        organization=organization,
        actor=curator.user,
        title="With a picture",
        images=[(image_file(), "The team")],
    )
    first = post.versions.get(number=1)
    assert first.details_recorded and first.target_all
    assert [image["alt_text"] for image in first.images] == ["The team"]
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user)
    edit(post, curator.user, commentary="New words")
    image = post.images.get()
    post_services.post_image_update(image=image, actor=curator.user, alt_text="The whole team")
    review = review_selectors.post_review(organization=organization, post=post)
    images = next(change for change in review.changes if change.field == "images")
    assert "The team" in images.before and "The whole team" in images.after


def test_versions_saved_before_details_were_kept_compare_only_their_text(
    organization, curator, approver
):
    post = create(organization, curator)
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user)
    post.versions.update(details_recorded=False, target_all=False, images=[])
    edit(post, curator.user, title="Renamed")
    review = review_selectors.post_review(organization=organization, post=post)
    assert review.baseline.details_recorded is False
    assert [change.field for change in review.changes] == ["title"]


# The API ------------------------------------------------------------------------------


def call(client, method, path, member, body=None):
    _, secret = token_services.api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_api_review_gives_audience_window_verdicts_and_changes(
    client, organization, curator, approver
):
    post = create(organization, curator)
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user)
    edit(post, curator.user, title="Renamed")
    response = call(client, "GET", f"/posts/{post.pk}/review", approver)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "in_review" and body["version"] == 2
    assert body["audience"]["everyone"] is True and body["audience"]["groups"] == []
    assert body["audience"]["members"] >= 2
    assert body["window"]["outcome"] == "now"
    assert [verdict["network"] for verdict in body["verdicts"]] == ["linkedin"]
    assert body["verdicts"][0]["blocked"] is False
    assert body["baseline"]["version"] == 1 and body["baseline"]["decision"] == "approved"
    assert body["baseline"]["decided_by_email"] == "ap@acme.test"
    assert body["changes"] == [
        {
            "field": "title",
            "network": "",
            "label": "Title",
            "before": "Our new office",
            "after": "Renamed",
        }
    ]
    assert body["publishes_on_approval"] is False and body["approval_refused"] is False


def test_api_review_is_for_approvers(client, in_review, curator, employee):
    for member in (curator, employee):
        assert call(client, "GET", f"/posts/{in_review.pk}/review", member).status_code == 403


def test_api_approves_and_publishes(client, in_review, approver):
    response = call(client, "POST", f"/posts/{in_review.pk}/approve", approver, {"publish": True})
    assert response.status_code == 200
    assert response.json()["state"] == "live"


def test_api_approve_and_publish_with_the_window_over_is_422(
    client, organization, curator, approver
):
    now = timezone.now()
    post = create(organization, curator, publish_start=now - timedelta(days=2), publish_end=now)
    post_services.post_submit(post=post, actor=curator.user)
    response = call(client, "POST", f"/posts/{post.pk}/approve", approver, {"publish": True})
    assert response.status_code == 422
    assert "window is already over" in response.json()["detail"]
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW


def test_a_rewritten_caption_is_shown_replaced_whole_and_an_edit_word_by_word():
    def pieces(old, new):
        change = review_selectors._text_change("caption", "x", "Caption", old, new)
        return change.pieces

    assert pieces("Come and see us!", "Come and visit us!") == [
        ("same", "Come and"),
        ("del", " see"),
        ("add", " visit"),
        ("same", " us!"),
    ]
    assert pieces("Come and see us in Lyon!", "Big news today") == [
        ("del", "Come and see us in Lyon!"),
        ("add", "Big news today"),
    ]
