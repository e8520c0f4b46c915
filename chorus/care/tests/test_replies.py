"""Writing replies: a template unchanged goes out without approval, other words wait for
an approver (who approves, edits or returns them); the care gate and claims are respected;
a reply posted by hand is confirmed; each published reply earns points once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from chorus.accounts.services.tokens import api_token_create
from chorus.care.models import (
    CareReply,
    ConversationStatus,
    Message,
    MessageDirection,
    ReplyMethod,
    ReplyStatus,
)
from chorus.care.services.replies import (
    ReplyDraft,
    reply_approve,
    reply_confirm_posted,
    reply_create,
    reply_return,
)
from chorus.care.services.targets import care_settings_for
from chorus.care.services.templates import template_render
from chorus.content.models import ComplianceRule, RuleKind
from chorus.core.models import AuditEvent
from chorus.factories import (
    CareAgentFactory,
    CareReplyFactory,
    ConversationFactory,
    MembershipFactory,
    MessageFactory,
    ReplyTemplateFactory,
)
from chorus.gamification.awards import award_care
from chorus.gamification.models import PointEntry, Rule
from chorus.notifications.models import Notification
from chorus.training.models import Certificate, Certification, Gate, GateAction
from chorus.training.selectors.gates import GateRefused


@pytest.fixture
def member(organization: Any) -> Any:
    membership: Any = MembershipFactory(organization=organization, user__name="Emma Stone")
    CareAgentFactory(membership=membership)
    return membership


@pytest.fixture
def approver(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_approver=True)


@pytest.fixture
def conversation(organization: Any) -> Any:
    conversation: Any = ConversationFactory(organization=organization, customer_handle="@carla")
    MessageFactory(conversation=conversation, remote_id="110001")
    return conversation


@pytest.fixture
def template(organization: Any) -> Any:
    return ReplyTemplateFactory(organization=organization)


def write(member: Any, conversation: Any, text: str, template: Any = None) -> CareReply:
    return reply_create(
        membership=member,
        conversation=conversation,
        draft=ReplyDraft(text=text, template=template),
    )


def rendered(template: Any, conversation: Any, member: Any) -> str:
    return template_render(template=template, conversation=conversation, membership=member)


def test_a_template_sent_unchanged_needs_no_approval(
    member: Any, conversation: Any, template: Any
) -> None:
    reply = write(member, conversation, rendered(template, conversation, member), template)
    assert reply.template_unchanged
    # No connected account: the member posts it on the network's page.
    assert reply.status == ReplyStatus.MANUAL
    assert reply.method == ReplyMethod.INTENT
    assert reply.in_reply_to == conversation.messages.get()
    assert reply.compliance["blocked"] is False
    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.AWAITING_APPROVAL


def test_an_edited_template_waits_for_the_approver(
    member: Any, conversation: Any, template: Any
) -> None:
    text = rendered(template, conversation, member) + " Sorry!"
    reply = write(member, conversation, text, template)
    assert not reply.template_unchanged
    assert reply.status == ReplyStatus.AWAITING_APPROVAL
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(action="care.reply_created").exists()


def test_own_words_skip_approval_for_a_member_with_the_trusted_certification(
    organization: Any, member: Any, conversation: Any
) -> None:
    certification = Certification.objects.create(organization=organization, name="Care pro")
    found = care_settings_for(organization=organization)
    found.trusted_certification = certification
    found.save()
    Certificate.objects.create(
        organization=organization, certification=certification, membership=member, code="c1"
    )
    reply = write(member, conversation, "Hi Carla, I will check your order now.")
    assert reply.status == ReplyStatus.MANUAL


def test_own_words_a_rule_blocks_go_to_the_approver_with_the_verdict(
    organization: Any, member: Any, conversation: Any
) -> None:
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="lawsuit"
    )
    reply = write(member, conversation, "No lawsuit needed, we will fix it.")
    assert reply.status == ReplyStatus.AWAITING_APPROVAL
    assert reply.compliance["blocked"] is True
    assert any("lawsuit" in message for message in reply.compliance["messages"])


def test_the_approver_approves_with_edits_and_the_member_is_told(
    member: Any, approver: Any, conversation: Any
) -> None:
    reply = write(member, conversation, "We are lookng into it.")
    approved = reply_approve(reply=reply, approver=approver, text="We are looking into it.")
    assert approved.text == "We are looking into it."
    assert approved.status == ReplyStatus.MANUAL
    assert approved.reviewed_by == approver
    assert Notification.objects.filter(membership=member, kind="care_reply_approved").exists()
    assert AuditEvent.objects.filter(action="care.reply_approved").exists()
    conversation.refresh_from_db()
    assert conversation.status != ConversationStatus.AWAITING_APPROVAL


def test_the_approver_returns_with_a_reason_the_member_sees(
    client: Any, member: Any, approver: Any, conversation: Any
) -> None:
    reply = write(member, conversation, "lol we messed up")
    with pytest.raises(ValidationError):
        reply_return(reply=reply, approver=approver, reason="  ")
    reply_return(reply=reply, approver=approver, reason="Keep it professional.")
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.RETURNED
    note = Notification.objects.get(membership=member, kind="care_reply_returned")
    assert "Keep it professional." in note.message
    client.force_login(member.user)
    page = client.get(f"/care/c/{conversation.pk}/").content.decode()
    assert "Keep it professional." in page
    assert "lol we messed up" in page  # their text, to rewrite


def test_an_approver_cannot_approve_their_own_reply_unless_admin(
    organization: Any, conversation: Any
) -> None:
    approver: Any = MembershipFactory(organization=organization, is_approver=True)
    reply = write(approver, conversation, "In my own words.")
    with pytest.raises(ValidationError) as refused:
        reply_approve(reply=reply, approver=approver)
    assert "your own reply" in " ".join(refused.value.messages)
    admin: Any = MembershipFactory(organization=organization, is_admin=True)
    CareReply.objects.filter(pk=reply.pk).update(membership=admin)
    reply.refresh_from_db()
    assert reply_approve(reply=reply, approver=admin).status == ReplyStatus.MANUAL


def test_the_care_gate_refuses_with_its_reasons(
    organization: Any, member: Any, conversation: Any
) -> None:
    certification = Certification.objects.create(organization=organization, name="Care")
    Gate.objects.create(
        organization=organization, action=GateAction.CARE, certification=certification
    )
    with pytest.raises(GateRefused) as refused:
        write(member, conversation, "Hello!")
    assert "Care" in " ".join(refused.value.verdict.reasons)
    assert not CareReply.objects.exists()


def test_someone_elses_claim_refuses(organization: Any, member: Any, conversation: Any) -> None:
    other: Any = MembershipFactory(organization=organization)
    conversation.claimed_by = other
    conversation.claim_expires_at = timezone.now() + timedelta(minutes=20)
    conversation.save()
    with pytest.raises(ValidationError):
        write(member, conversation, "Hello!")
    assert not CareReply.objects.exists()


def test_a_second_reply_while_one_is_on_its_way_is_refused(member: Any, conversation: Any) -> None:
    write(member, conversation, "First")
    with pytest.raises(ValidationError):
        write(member, conversation, "Second")


def test_a_reply_posted_by_hand_is_confirmed_once_and_answers_the_conversation(
    member: Any, conversation: Any, template: Any
) -> None:
    reply = write(member, conversation, rendered(template, conversation, member), template)
    confirmed = reply_confirm_posted(
        reply=reply, membership=member, url="https://mastodon.example/@emma/1"
    )
    assert confirmed.status == ReplyStatus.PUBLISHED
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ANSWERED
    assert conversation.first_response_at is not None
    assert Message.objects.filter(direction=MessageDirection.REPLY).count() == 1
    with pytest.raises(ValidationError):
        reply_confirm_posted(reply=reply, membership=member)


def test_each_published_reply_earns_points_once(
    member: Any, conversation: Any, template: Any
) -> None:
    reply = write(member, conversation, rendered(template, conversation, member), template)
    reply_confirm_posted(reply=reply, membership=member)
    seen: set[int] = set()
    assert award_care(seen=seen) == 1
    assert member.pk in seen
    # Read again (the overlap, a second run): no second award.
    CareReply.objects.filter(pk=reply.pk).update(updated_at=timezone.now())
    assert award_care(seen=set()) == 0
    assert PointEntry.objects.filter(membership=member, rule=Rule.CARE_REPLY).count() == 1


# Pages and API ------------------------------------------------------------------------


def test_the_reply_panel_keeps_the_text_on_an_error(
    client: Any, member: Any, conversation: Any
) -> None:
    client.force_login(member.user)
    page = client.get(f"/care/c/{conversation.pk}/").content.decode()
    assert 'name="text"' in page
    response = client.post(f"/care/c/{conversation.pk}/reply/", {"text": "x" * 6000})
    assert response.status_code == 400
    assert "x" * 6000 in response.content.decode()
    response = client.post(f"/care/c/{conversation.pk}/reply/", {"text": "Hello Carla"})
    assert response.status_code == 302
    assert CareReply.objects.get().status == ReplyStatus.AWAITING_APPROVAL


def test_the_gate_shows_its_reasons_instead_of_the_form(
    client: Any, organization: Any, member: Any, conversation: Any
) -> None:
    certification = Certification.objects.create(organization=organization, name="Care basics")
    Gate.objects.create(
        organization=organization, action=GateAction.CARE, certification=certification
    )
    client.force_login(member.user)
    page = client.get(f"/care/c/{conversation.pk}/").content.decode()
    assert "Care basics" in page
    assert 'id="reply-text"' not in page
    response = client.post(f"/care/c/{conversation.pk}/reply/", {"text": "Hello"})
    assert response.status_code == 403
    assert "Care basics" in response.content.decode()


def test_the_intent_panel_offers_the_network_page_and_i_posted_it(
    client: Any, member: Any, conversation: Any, template: Any
) -> None:
    reply = write(member, conversation, rendered(template, conversation, member), template)
    client.force_login(member.user)
    page = client.get(f"/care/c/{conversation.pk}/").content.decode()
    assert "Open Mastodon to post your reply" in page
    assert "I posted it" in page
    response = client.post(f"/care/replies/{reply.pk}/posted/", {"url": "not a url"})
    assert response.status_code == 400
    response = client.post(f"/care/replies/{reply.pk}/posted/", {"url": ""})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.PUBLISHED


def test_approvals_page_roles_and_foreign_ids(
    client: Any, organization: Any, member: Any, approver: Any, conversation: Any
) -> None:
    reply = write(member, conversation, "Own words")
    client.force_login(member.user)
    assert client.get("/care/approvals/").status_code == 403
    assert client.post(f"/care/replies/{reply.pk}/approve/").status_code == 403
    client.force_login(approver.user)
    page = client.get("/care/approvals/").content.decode()
    assert "Own words" in page
    foreign: Any = CareReplyFactory()
    assert client.post(f"/care/replies/{foreign.pk}/approve/").status_code == 404
    response = client.post(f"/care/replies/{reply.pk}/return/", {"reason": ""})
    assert response.status_code == 400
    response = client.post(f"/care/replies/{reply.pk}/approve/", {"text": "Own words."})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.MANUAL


def test_replies_api(client: Any, member: Any, approver: Any, conversation: Any) -> None:
    _, secret = api_token_create(membership=member, name="t")
    auth = {"Authorization": f"Bearer {secret}"}
    created = client.post(
        f"/api/v1/care/conversations/{conversation.pk}/replies",
        {"text": "Hello Carla"},
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 201, created.content
    reply_id = created.json()["id"]
    assert created.json()["status"] == "awaiting_approval"
    foreign: Any = ConversationFactory()
    refused = client.post(
        f"/api/v1/care/conversations/{foreign.pk}/replies",
        {"text": "Hi"},
        content_type="application/json",
        headers=auth,
    )
    assert refused.status_code == 404
    # The member cannot approve; the approver can.
    denied = client.post(
        f"/api/v1/care/replies/{reply_id}/approve",
        {},
        content_type="application/json",
        headers=auth,
    )
    assert denied.status_code == 403
    _, approver_secret = api_token_create(membership=approver, name="t")
    approved = client.post(
        f"/api/v1/care/replies/{reply_id}/approve",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {approver_secret}"},
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "manual"
    assert approved.json()["intent_url"]
    posted = client.post(
        f"/api/v1/care/replies/{reply_id}/posted",
        {"url": ""},
        content_type="application/json",
        headers=auth,
    )
    assert posted.status_code == 200
    assert posted.json()["status"] == "published"
    listed = client.get("/api/v1/care/replies", headers=auth)
    assert [row["id"] for row in listed.json()] == [reply_id]
