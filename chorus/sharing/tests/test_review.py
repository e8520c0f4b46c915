"""Edited texts that break a rule, sent to an approver when the organization says so
(ContentPolicy.route_edited_captions_to_approver): routed, decided, published once, told."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from chorus.accounts.services.tokens import api_token_create
from chorus.actions.members import member_leave_program
from chorus.actions.posts import post_archive
from chorus.content.models import Caption, CaptionMode, ContentPolicy, RuleKind
from chorus.core.models import AuditEvent
from chorus.factories import (
    ComplianceRuleFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
)
from chorus.links.services.links import short_url
from chorus.notifications.models import Notification
from chorus.sharing.models import PublishAttempt, Share, ShareMethod, ShareStatus
from chorus.sharing.services.intents import share_intent_done, share_intent_open
from chorus.sharing.services.publishing import (
    share_cancel,
    share_publish_now,
    share_publish_run,
    share_schedule,
    shares_publish_due,
)
from chorus.sharing.services.review import share_review_approve, share_review_reject
from chorus.sharing.tests.test_publishing import (
    INSTANCE,
    NOW,
    STATUSES,
    advocate,
    enable,
    live_post,
    status_entity,
)

BLOCKED = "Guaranteed returns, trust me"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rule(organization: Any) -> Any:
    return ComplianceRuleFactory(organization=organization, value="guaranteed")


@pytest.fixture
def routing(organization: Any, rule: Any) -> ContentPolicy:
    policy, _ = ContentPolicy.objects.update_or_create(
        organization=organization, defaults={"route_edited_captions_to_approver": True}
    )
    return policy


@pytest.fixture
def member(organization: Any) -> Any:
    enable(organization)
    return advocate(organization, user__name="Maya Member")


@pytest.fixture
def connection(member: Any) -> Any:
    return NetworkConnectionFactory(membership=member, network="mastodon", instance=INSTANCE)


@pytest.fixture
def approver(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_approver=True)


@pytest.fixture
def post(organization: Any, clock: Any) -> Any:
    post = live_post(organization)
    Caption.objects.create(
        post=post, network="x", text="Our report is out https://example.com/report"
    )
    Caption.objects.create(post=post, network="mastodon", text="Our report is out")
    return post


@pytest.fixture
def mastodon() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def api(client: Any, membership: Any, method: str, path: str, body: Any = None) -> Any:
    _, secret = api_token_create(membership=membership, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def signed_in(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def actions(share: Share) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="share", target_id=str(share.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# Routing ------------------------------------------------------------------------------


def test_blocked_intent_text_goes_to_review_with_the_exact_text_when_the_policy_is_on(
    routing: Any, member: Any, post: Any
) -> None:
    opened = share_intent_open(post=post, membership=member, network="x", text=BLOCKED)

    share = opened.share
    assert opened.in_review and opened.intent_url == ""
    assert share.status == ShareStatus.IN_REVIEW and share.method == ShareMethod.INTENT
    assert share.text == BLOCKED
    assert "guaranteed" in share.review_reasons.lower()
    assert actions(share) == ["share.sent_to_review"]


def test_blocked_api_text_goes_to_review_and_nothing_is_published(
    routing: Any, member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))

    share = share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)

    assert share.status == ShareStatus.IN_REVIEW and share.method == ShareMethod.API
    assert share.link is not None and share.text == f"{BLOCKED}\n\n{short_url(share.link)}"
    assert share.scheduled_for is None and share.next_attempt_at is None
    assert shares_publish_due() == 0
    assert share_publish_run(share_id=share.pk) == "skipped (in_review)"
    assert route.call_count == 0 and not PublishAttempt.objects.exists()
    assert actions(share) == ["share.sent_to_review"]


def test_the_member_is_told_their_text_goes_to_an_approver_and_sees_it_waiting(
    routing: Any, member: Any, connection: Any, post: Any
) -> None:
    client = signed_in(member)
    intent = client.post(reverse("share_open", args=[post.pk]), {"network": "x", "text": BLOCKED})
    published = client.post(
        reverse("share_publish", args=[post.pk]),
        {"network": "mastodon", "text": BLOCKED, "publish": "now"},
        follow=True,
    )

    assert intent.status_code == 200
    assert "Your text goes to an approver because" in intent.content.decode()
    page = published.content.decode()
    assert "Your text goes to an approver because" in page
    assert "you&#x27;ll be told when it is decided" in page
    assert page.count("Waiting for approval") == 2
    assert Share.objects.filter(status=ShareStatus.IN_REVIEW).count() == 2


def test_with_the_policy_off_blocked_texts_are_refused_as_before(
    rule: Any, member: Any, connection: Any, post: Any
) -> None:
    with pytest.raises(ValidationError) as intent_refusal:
        share_intent_open(post=post, membership=member, network="x", text=BLOCKED)
    with pytest.raises(ValidationError):
        share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)

    assert any("guaranteed" in message.lower() for message in intent_refusal.value.messages)
    assert not Share.objects.exists()


def test_a_changed_locked_caption_is_refused_even_with_the_policy_on(
    routing: Any, member: Any, connection: Any, post: Any
) -> None:
    post.caption_mode = CaptionMode.LOCKED
    post.save()

    with pytest.raises(ValidationError) as refusal:
        share_intent_open(post=post, membership=member, network="x", text=BLOCKED)
    with pytest.raises(ValidationError):
        share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)

    assert "This post's caption is locked: share it as written." in refusal.value.messages
    assert not Share.objects.exists()


def test_a_text_over_the_networks_length_is_refused_not_routed(
    routing: Any, member: Any, post: Any
) -> None:
    with pytest.raises(ValidationError):
        share_intent_open(post=post, membership=member, network="x", text="word " * 100)
    assert not Share.objects.exists()


def test_a_text_with_direction_overrides_is_refused_not_routed(
    routing: Any, member: Any, post: Any
) -> None:
    # An approver could not see what readers would: the text displays in another order.
    with pytest.raises(ValidationError, match="reading direction"):
        share_intent_open(
            post=post, membership=member, network="x", text="Good \u202eseod ti\u202c news"
        )
    assert not Share.objects.exists()


def test_auto_shares_of_the_suggestion_are_never_routed(
    routing: Any, member: Any, connection: Any, post: Any, organization: Any
) -> None:
    ComplianceRuleFactory(organization=organization, value="report")

    with pytest.raises(ValidationError):
        share_publish_now(membership=member, post=post, network="mastodon", text=None)
    assert not Share.objects.exists()


# Approving ----------------------------------------------------------------------------


def test_an_approved_api_share_is_published_exactly_once_through_mastodon(
    routing: Any,
    member: Any,
    connection: Any,
    approver: Any,
    post: Any,
    mastodon: respx.MockRouter,
    django_capture_on_commit_callbacks: Any,
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    share = share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)

    with django_capture_on_commit_callbacks(execute=True):
        share_review_approve(share=share, actor=approver.user)
    assert shares_publish_due() == 0
    assert share_publish_run(share_id=share.pk) == "skipped (shared)"

    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED and share.remote_id == "113001"
    assert share.reviewed_by == approver.user and share.reviewed_at == NOW
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content)["status"] == share.text
    notice = Notification.objects.get(membership=member, kind="share_approved")
    assert "was approved: Chorus posts it now" in notice.message
    assert actions(share) == ["share.sent_to_review", "share.review_approved"]
    approved = AuditEvent.objects.get(action="share.review_approved")
    assert approved.actor == approver.user


def test_an_approved_scheduled_share_waits_for_its_time(
    routing: Any, member: Any, connection: Any, approver: Any, post: Any
) -> None:
    later = NOW + timedelta(hours=5)
    share = share_schedule(
        membership=member, post=post, network="mastodon", when=later, text=BLOCKED
    )
    assert share.scheduled_for == later and share.status == ShareStatus.IN_REVIEW

    share_review_approve(share=share, actor=approver.user)

    share.refresh_from_db()
    assert share.status == ShareStatus.SCHEDULED
    assert share.next_attempt_at == later
    assert share_publish_run(share_id=share.pk) == "not due"


def test_an_approved_intent_share_opens_with_exactly_the_approved_text(
    routing: Any, member: Any, approver: Any, post: Any
) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share

    share_review_approve(share=share, actor=approver.user)

    share.refresh_from_db()
    assert share.status == ShareStatus.APPROVED
    notice = Notification.objects.get(membership=member, kind="share_approved")
    assert notice.url == reverse("share_open_approved", args=[share.pk])
    client = signed_in(member)
    page = client.get(notice.url)
    assert page.status_code == 200 and BLOCKED in page.content.decode()
    opening = client.post(notice.url)
    assert opening.status_code == 200
    intent_url = opening.context["intent_url"]
    assert parse_qs(urlsplit(intent_url).query)["text"] == [BLOCKED]
    assert share.link is not None
    assert parse_qs(urlsplit(intent_url).query)["url"] == [short_url(share.link)]
    share.refresh_from_db()
    assert share.status == ShareStatus.OPENED
    assert share_intent_done(share=share, membership=member).status == ShareStatus.SHARED
    assert client.post(notice.url).status_code == 400  # opened once; not again


def test_nobody_approves_their_own_share(routing: Any, organization: Any, post: Any) -> None:
    enable(organization)
    approving_member = advocate(organization, is_approver=True)
    share = share_intent_open(
        post=post, membership=approving_member, network="x", text=BLOCKED
    ).share

    with pytest.raises(ValidationError):
        share_review_approve(share=share, actor=approving_member.user)
    with pytest.raises(ValidationError):
        share_review_reject(share=share, actor=approving_member.user, reason="Fine by me")

    share.refresh_from_db()
    assert share.status == ShareStatus.IN_REVIEW and share.reviewed_by is None
    assert actions(share) == ["share.sent_to_review"]


def test_a_share_is_decided_once(routing: Any, member: Any, approver: Any, post: Any) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share
    share_review_reject(share=share, actor=approver.user, reason="No promises of returns.")

    with pytest.raises(ValidationError):
        share_review_approve(share=share, actor=approver.user)
    assert Share.objects.get(pk=share.pk).status == ShareStatus.REJECTED


# Rejecting ----------------------------------------------------------------------------


def test_a_rejected_share_is_not_published_and_the_member_is_told_why(
    routing: Any,
    member: Any,
    connection: Any,
    approver: Any,
    post: Any,
    mastodon: respx.MockRouter,
) -> None:
    route = mastodon.post(STATUSES)
    share = share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)

    with pytest.raises(ValidationError):
        share_review_reject(share=share, actor=approver.user, reason="   ")
    share_review_reject(share=share, actor=approver.user, reason="No promises of returns.")

    share.refresh_from_db()
    assert share.status == ShareStatus.REJECTED
    assert share.review_note == "No promises of returns."
    assert shares_publish_due() == 0
    assert share_publish_run(share_id=share.pk) == "skipped (rejected)"
    assert route.call_count == 0
    notice = Notification.objects.get(membership=member, kind="share_rejected")
    assert notice.message.endswith("was not approved: No promises of returns.")
    assert actions(share) == ["share.sent_to_review", "share.review_rejected"]
    history = signed_in(member).get(reverse("share_history")).content.decode()
    assert "Not approved: No promises of returns." in history


# Cancelling ---------------------------------------------------------------------------


def test_archiving_the_post_cancels_shares_in_review_and_approved_ones(
    routing: Any, admin_member: Any, member: Any, connection: Any, approver: Any, post: Any
) -> None:
    waiting = share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)
    approved = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share
    share_review_approve(share=approved, actor=approver.user)

    post_archive(post=post, actor=admin_member.user)

    for share in (waiting, approved):
        share.refresh_from_db()
        assert share.status == ShareStatus.CANCELLED
        assert share.cancel_reason == "The post was withdrawn."
    with pytest.raises(ValidationError):
        share_review_approve(share=waiting, actor=approver.user)


def test_leaving_the_program_cancels_shares_in_review(
    routing: Any, member: Any, connection: Any, post: Any
) -> None:
    share = share_publish_now(membership=member, post=post, network="mastodon", text=BLOCKED)
    member_leave_program(membership=member, actor=member.user)
    share.refresh_from_db()
    assert share.status == ShareStatus.CANCELLED


def test_members_withdraw_their_own_text_from_review(routing: Any, member: Any, post: Any) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share
    assert share_cancel(share=share, actor=member.user).status == ShareStatus.CANCELLED


# The approvers' queue (pages) ---------------------------------------------------------


def test_approvers_see_the_suggestion_against_the_members_text_and_decide_in_the_queue(
    routing: Any, member: Any, approver: Any, post: Any
) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share
    client = signed_in(approver)

    page = client.get(reverse("caption_review_queue")).content.decode()

    assert post.title in page and "Maya Member" in page
    assert share.link is not None
    assert f"<del>Our report is out {short_url(share.link)}</del>" in page
    assert f"<ins>{BLOCKED}</ins>" in page
    assert "guaranteed" in page.lower()
    assert reverse("caption_review_queue") in client.get(reverse("review_queue")).content.decode()
    answer = client.post(reverse("caption_review_reject", args=[share.pk]), {"reason": ""})
    assert answer.status_code == 302
    assert Share.objects.get(pk=share.pk).status == ShareStatus.IN_REVIEW
    client.post(reverse("caption_review_approve", args=[share.pk]))
    assert Share.objects.get(pk=share.pk).status == ShareStatus.APPROVED
    assert "Nothing to review." in client.get(reverse("caption_review_queue")).content.decode()


def test_employees_cannot_open_the_queue_nor_decide(
    routing: Any, member: Any, employee: Any, post: Any
) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share
    client = signed_in(employee)

    assert client.get(reverse("caption_review_queue")).status_code == 403
    assert client.post(reverse("caption_review_approve", args=[share.pk])).status_code == 403
    assert Share.objects.get(pk=share.pk).status == ShareStatus.IN_REVIEW


# API ----------------------------------------------------------------------------------


def test_approvers_list_and_approve_shares_in_review_through_the_api(
    client: Any, routing: Any, member: Any, connection: Any, approver: Any, post: Any
) -> None:
    created = api(
        client,
        member,
        "POST",
        "/shares",
        {"post_id": post.pk, "network": "mastodon", "text": BLOCKED},
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "in_review"
    assert "guaranteed" in created.json()["review_reasons"].lower()
    share_id = created.json()["id"]

    listed = api(client, approver, "GET", "/share-reviews").json()
    assert [item["id"] for item in listed["items"]] == [share_id]
    item = listed["items"][0]
    assert item["member_name"] == "Maya Member" and item["post_title"] == post.title
    assert item["suggested"].startswith("Our report is out")
    assert item["findings"]

    own = api(client, member, "POST", f"/share-reviews/{share_id}/approve")
    assert own.status_code == 403  # the member is no approver
    approved = api(client, approver, "POST", f"/share-reviews/{share_id}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "scheduled"
    again = api(client, approver, "POST", f"/share-reviews/{share_id}/approve")
    assert again.status_code == 422


def test_approvers_reject_through_the_api_with_a_reason(
    client: Any, routing: Any, member: Any, approver: Any, post: Any
) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share

    empty = api(client, approver, "POST", f"/share-reviews/{share.pk}/reject", {"reason": ""})
    rejected = api(client, approver, "POST", f"/share-reviews/{share.pk}/reject", {"reason": "No."})

    assert empty.status_code == 422
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["review_note"] == "No."


def test_the_review_api_is_for_approvers_of_the_organization_only(
    client: Any, routing: Any, member: Any, employee: Any, post: Any
) -> None:
    share = share_intent_open(post=post, membership=member, network="x", text=BLOCKED).share
    foreign_approver = MembershipFactory(
        organization=OrganizationFactory(slug="globex"), is_approver=True
    )

    assert api(client, employee, "GET", "/share-reviews").status_code == 403
    assert api(client, employee, "POST", f"/share-reviews/{share.pk}/approve").status_code == 403
    foreign = api(client, foreign_approver, "POST", f"/share-reviews/{share.pk}/approve")
    assert foreign.status_code == 404
    assert api(client, foreign_approver, "GET", "/share-reviews").json()["items"] == []
    assert Share.objects.get(pk=share.pk).status == ShareStatus.IN_REVIEW


def test_rules_kinds_other_than_terms_are_routed_too(
    routing: Any, organization: Any, member: Any, post: Any
) -> None:
    ComplianceRuleFactory(organization=organization, kind=RuleKind.DENIED_DOMAIN, value="evil.test")
    share = share_intent_open(
        post=post, membership=member, network="x", text="See https://evil.test/x"
    ).share
    assert share.status == ShareStatus.IN_REVIEW
