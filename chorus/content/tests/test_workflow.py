from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from chorus.content.models import (
    ComplianceRule,
    ContentPolicy,
    Post,
    PostState,
    PostTransition,
    RuleKind,
)
from chorus.content.services import posts as post_services
from chorus.content.tasks import posts_advance_schedule
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory
from chorus.notifications.models import Notification


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True, user__email="cu@acme.test")


@pytest.fixture
def approver(organization):
    return MembershipFactory(
        organization=organization, is_approver=True, user__email="ap@acme.test"
    )


@pytest.fixture
def draft(organization, curator):
    return post_services.post_create(
        organization=organization,
        actor=curator.user,
        title="Our new office",
        captions={"linkedin": "We opened an office in Lyon."},
    )


def in_review(post, curator):
    post_services.post_submit(post=post, actor=curator.user)
    return post


def approved(post, curator, approver):
    in_review(post, curator)
    post_services.post_approve(post=post, actor=approver.user)
    return post


def assert_recorded(post, from_state, to_state, actor, action):
    transition = PostTransition.objects.filter(post=post).first()
    assert (transition.from_state, transition.to_state) == (from_state, to_state)
    assert transition.actor == actor
    event = AuditEvent.objects.filter(action=action, target_id=str(post.pk)).latest("id")
    assert event.actor == actor
    assert (event.data["from"], event.data["to"]) == (from_state, to_state)
    return transition, event


def test_submit_sends_a_draft_to_review(draft, curator):
    post_services.post_submit(post=draft, actor=curator.user)
    draft.refresh_from_db()
    assert draft.state == PostState.IN_REVIEW
    assert draft.submitted_by == curator.user
    assert_recorded(draft, "draft", "in_review", curator.user, "post.submitted")


def test_submit_is_refused_while_a_caption_breaks_a_blocking_rule(organization, draft, curator):
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="Lyon"
    )
    with pytest.raises(ValidationError) as error:
        post_services.post_submit(post=draft, actor=curator.user)
    assert "LinkedIn" in " ".join(error.value.messages)
    assert "Lyon" in " ".join(error.value.messages)
    draft.refresh_from_db()
    assert draft.state == PostState.DRAFT
    assert not PostTransition.objects.filter(post=draft).exists()


def test_submit_is_refused_twice(draft, curator):
    in_review(draft, curator)
    with pytest.raises(ValidationError, match="this one is in review"):
        post_services.post_submit(post=draft, actor=curator.user)


def test_approver_approves_a_post_in_review(draft, curator, approver):
    in_review(draft, curator)
    post_services.post_approve(post=draft, actor=approver.user)
    draft.refresh_from_db()
    assert draft.state == PostState.APPROVED
    assert draft.approved_by == approver.user
    assert_recorded(draft, "in_review", "approved", approver.user, "post.approved")
    assert Notification.objects.filter(membership=curator, kind="post_approved").exists()


def test_approving_a_draft_is_refused(draft, approver):
    with pytest.raises(ValidationError, match="Only a post that is in review"):
        post_services.post_approve(post=draft, actor=approver.user)


def test_nobody_approves_their_own_post_by_default(organization, admin_member):
    post = post_services.post_create(
        organization=organization, actor=admin_member.user, title="Mine"
    )
    post_services.post_submit(post=post, actor=admin_member.user)
    with pytest.raises(ValidationError, match="another approver"):
        post_services.post_approve(post=post, actor=admin_member.user)
    post.refresh_from_db()
    assert post.state == PostState.IN_REVIEW


def test_the_last_editor_may_not_approve(draft, curator, approver):
    in_review(draft, curator)
    post_services.post_update(
        post=draft,
        actor=approver.user,
        title="Our new office in Lyon",
        commentary="",
        link_url="",
        captions={"linkedin": "We opened an office in Lyon."},
        campaign="",
        details=post_services.post_details(draft),
    )
    with pytest.raises(ValidationError, match="another approver"):
        post_services.post_approve(post=draft, actor=approver.user)


def test_own_post_may_be_approved_when_the_policy_allows_it(organization, admin_member):
    ContentPolicy.objects.create(organization=organization, require_other_approver=False)
    post = post_services.post_create(
        organization=organization, actor=admin_member.user, title="Mine"
    )
    post_services.post_submit(post=post, actor=admin_member.user)
    post_services.post_approve(post=post, actor=admin_member.user)
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


def test_reject_needs_a_reason_and_records_it(draft, curator, approver):
    in_review(draft, curator)
    with pytest.raises(ValidationError):
        post_services.post_reject(post=draft, actor=approver.user, reason="   ")
    post_services.post_reject(post=draft, actor=approver.user, reason="Name the city in the title.")
    draft.refresh_from_db()
    assert draft.state == PostState.REJECTED
    assert draft.rejection_reason == "Name the city in the title."
    transition, event = assert_recorded(
        draft, "in_review", "rejected", approver.user, "post.rejected"
    )
    assert transition.reason == event.data["reason"] == "Name the city in the title."
    notification = Notification.objects.get(membership=curator, kind="post_rejected")
    assert "Name the city" in notification.message


def test_rejected_post_can_be_submitted_again(draft, curator, approver):
    in_review(draft, curator)
    post_services.post_reject(post=draft, actor=approver.user, reason="No.")
    post_services.post_submit(post=draft, actor=curator.user)
    draft.refresh_from_db()
    assert draft.state == PostState.IN_REVIEW
    assert draft.rejection_reason == ""


def test_rejecting_an_approved_post_is_refused(draft, curator, approver):
    approved(draft, curator, approver)
    with pytest.raises(ValidationError):
        post_services.post_reject(post=draft, actor=approver.user, reason="Too late")


def test_publish_without_window_goes_live(draft, curator, approver):
    approved(draft, curator, approver)
    post_services.post_publish(post=draft, actor=curator.user)
    draft.refresh_from_db()
    assert draft.state == PostState.LIVE
    assert_recorded(draft, "approved", "live", curator.user, "post.published")
    # The window starts when it went live, so the calendar and the feed can place it.
    assert draft.publish_start is not None
    assert abs((timezone.now() - draft.publish_start).total_seconds()) < 60


def test_publish_with_a_future_start_is_scheduled(draft, curator, approver):
    draft.publish_start = timezone.now() + timedelta(days=2)
    draft.save()
    approved(draft, curator, approver)
    post_services.post_publish(post=draft, actor=curator.user)
    draft.refresh_from_db()
    assert draft.state == PostState.SCHEDULED
    assert_recorded(draft, "approved", "scheduled", curator.user, "post.scheduled")


def test_publish_refuses_a_window_already_over(draft, curator, approver):
    draft.publish_start = timezone.now() - timedelta(days=3)
    draft.publish_end = timezone.now() - timedelta(days=1)
    draft.save()
    approved(draft, curator, approver)
    with pytest.raises(ValidationError, match="already over"):
        post_services.post_publish(post=draft, actor=curator.user)
    draft.refresh_from_db()
    assert draft.state == PostState.APPROVED


def test_publishing_a_draft_is_refused(draft, curator):
    with pytest.raises(ValidationError):
        post_services.post_publish(post=draft, actor=curator.user)


@pytest.mark.parametrize("publish", [False, True])
def test_approved_or_published_posts_can_be_archived(draft, curator, approver, publish):
    approved(draft, curator, approver)
    if publish:
        post_services.post_publish(post=draft, actor=curator.user)
    before = draft.state
    post_services.post_archive(post=draft, actor=curator.user, reason="Campaign over")
    draft.refresh_from_db()
    assert draft.state == PostState.ARCHIVED
    transition, _ = assert_recorded(draft, before, "archived", curator.user, "post.archived")
    assert transition.reason == "Campaign over"


def test_archiving_a_draft_is_refused(draft, curator):
    with pytest.raises(ValidationError):
        post_services.post_archive(post=draft, actor=curator.user)


def edit(post, actor, **changes):
    values = {
        "title": post.title,
        "commentary": post.commentary,
        "link_url": post.link_url,
        "captions": {c.network: c.text for c in post.captions.all()},
        "campaign": post.campaign,
        "details": post_services.post_details(post),
    }
    values.update(changes)
    return post_services.post_update(post=post, actor=actor, **values)


@pytest.mark.parametrize("publish", [False, True])
def test_editing_an_approved_or_live_post_returns_it_to_review(draft, curator, approver, publish):
    approved(draft, curator, approver)
    if publish:
        post_services.post_publish(post=draft, actor=curator.user)
    assert edit(draft, curator.user, commentary="A new line.")
    draft.refresh_from_db()
    assert draft.state == PostState.IN_REVIEW
    assert draft.approved_by is None
    transition, _ = assert_recorded(
        draft,
        "live" if publish else "approved",
        "in_review",
        curator.user,
        "post.returned_to_review",
    )
    assert transition.reason == "edited after approval"


def test_saving_without_change_keeps_the_version_and_the_approval(draft, curator, approver):
    approved(draft, curator, approver)
    assert not edit(draft, curator.user)
    draft.refresh_from_db()
    assert (draft.version, draft.state) == (1, PostState.APPROVED)


def test_an_edit_is_a_new_version_with_its_text(draft, curator):
    edit(draft, curator.user, captions={"x": "Short one"})
    draft.refresh_from_db()
    assert draft.version == 2
    assert list(draft.versions.values_list("number", flat=True)) == [2, 1]
    assert draft.versions.first().captions == {"x": "Short one"}
    assert AuditEvent.objects.filter(action="post.updated", target_id=str(draft.pk)).exists()


def test_archived_post_cannot_be_edited(draft, curator, approver):
    approved(draft, curator, approver)
    post_services.post_archive(post=draft, actor=curator.user)
    with pytest.raises(ValidationError, match="archived"):
        edit(draft, curator.user, title="Again")


def test_schedule_task_moves_posts_live_then_expired(organization, draft, curator, approver):
    start = timezone.now() + timedelta(hours=1)
    draft.publish_start = start
    draft.publish_end = start + timedelta(hours=5)
    draft.save()
    approved(draft, curator, approver)
    post_services.post_publish(post=draft, actor=curator.user)
    assert posts_advance_schedule.call() == {"went_live": 0, "expired": 0}
    with time_machine.travel(start + timedelta(minutes=1)):
        assert posts_advance_schedule.call() == {"went_live": 1, "expired": 0}
        assert posts_advance_schedule.call() == {"went_live": 0, "expired": 0}
    draft.refresh_from_db()
    assert draft.state == PostState.LIVE
    assert_recorded(draft, "scheduled", "live", None, "post.live")
    with time_machine.travel(start + timedelta(hours=6)):
        assert posts_advance_schedule.call() == {"went_live": 0, "expired": 1}
    draft.refresh_from_db()
    assert draft.state == PostState.EXPIRED
    _, event = assert_recorded(draft, "live", "expired", None, "post.expired")
    assert event.actor_label == "system"


def test_schedule_task_works_in_batches(organization):
    now = timezone.now()
    for index in range(5):
        Post.objects.create(
            organization=organization,
            title=f"P{index}",
            state=PostState.SCHEDULED,
            publish_start=now - timedelta(minutes=1),
        )
    assert post_services.posts_advance_schedule(batch_size=2) == {"went_live": 5, "expired": 0}
    assert Post.objects.filter(state=PostState.LIVE).count() == 5


# Views ------------------------------------------------------------------------------


def test_detail_shows_the_allowed_actions(client, draft, curator):
    client.force_login(curator.user)
    response = client.get(reverse("post_detail", args=[draft.pk]))
    assert response.status_code == 200
    assert response.context["can_submit"] and response.context["can_edit"]
    assert not response.context["can_review"]
    assert not response.context["can_publish"]


def test_submit_button_refusal_is_shown_not_a_500(client, organization, draft, curator):
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="Lyon"
    )
    client.force_login(curator.user)
    response = client.post(reverse("post_submit", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    assert "Fix these captions" in response.content.decode()


def test_review_queue_lists_posts_oldest_first(client, organization, curator, approver):
    first = post_services.post_create(organization=organization, actor=curator.user, title="First")
    second = post_services.post_create(
        organization=organization, actor=curator.user, title="Second"
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        in_review(second, curator)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        in_review(first, curator)
    client.force_login(approver.user)
    response = client.get(reverse("review_queue"))
    assert [item["post"] for item in response.context["items"]] == [second, first]


def test_approver_approves_inline_with_htmx(client, draft, curator, approver):
    in_review(draft, curator)
    client.force_login(approver.user)
    response = client.post(
        reverse("review_approve", args=[draft.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Approved" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == PostState.APPROVED


def test_reject_without_reason_is_refused_inline(client, draft, curator, approver):
    in_review(draft, curator)
    client.force_login(approver.user)
    response = client.post(
        reverse("review_reject", args=[draft.pk]), {"reason": ""}, headers={"HX-Request": "true"}
    )
    assert "Say why" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == PostState.IN_REVIEW


def test_approving_your_own_post_shows_why_not(client, organization, admin_member):
    post = post_services.post_create(
        organization=organization, actor=admin_member.user, title="Mine"
    )
    post_services.post_submit(post=post, actor=admin_member.user)
    client.force_login(admin_member.user)
    detail = client.get(reverse("post_detail", args=[post.pk]))
    assert detail.context["own_post_in_review"] and not detail.context["can_review"]
    response = client.post(reverse("review_approve", args=[post.pk]), follow=True)
    assert "another approver" in response.content.decode()


def test_curator_cannot_approve(client, draft, curator):
    in_review(draft, curator)
    client.force_login(curator.user)
    assert client.post(reverse("review_approve", args=[draft.pk])).status_code == 403
    assert client.get(reverse("review_queue")).status_code == 403
