"""The content pages and the rules' verdicts speak the member's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chorus.content.models import ComplianceRule, RuleKind
from chorus.content.services import posts as post_services
from chorus.factories import MembershipFactory, PostFactory
from chorus.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_curator_who_chose_german_gets_the_posts_page_in_german(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="de")
    client.force_login(curator.user)
    page = client.get(reverse("posts")).content.decode()
    assert "<h1>Beiträge</h1>" in page
    assert "Neuer Beitrag" in page
    assert "New post" not in page


def test_a_curator_without_a_choice_gets_the_posts_page_in_english(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="")
    client.force_login(curator.user)
    page = client.get(reverse("posts")).content.decode()
    assert "<h1>Posts</h1>" in page
    assert "New post" in page
    assert "Neuer Beitrag" not in page


def test_an_approver_is_not_offered_new_post_which_they_may_not_create(client, organization):
    approver = MembershipFactory(organization=organization, is_approver=True)
    client.force_login(approver.user)
    page = client.get(reverse("posts")).content.decode()
    assert client.get(reverse("post_create")).status_code == 403
    assert "New post" not in page
    assert reverse("post_create") not in page


def test_compliance_findings_are_written_in_the_language_of_the_request(client, organization):
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="secret"
    )
    curator = MembershipFactory(organization=organization, is_curator=True, user__language="de")
    client.force_login(curator.user)
    response = client.post(
        reverse("post_caption_check"),
        {"network": "linkedin", "caption_linkedin": "A secret plan"},
    )
    page = response.content.decode()
    assert "Blockiert:" in page
    assert "„secret“ entspricht dem gesperrten Begriff „secret“." in page


def test_the_author_is_told_of_a_rejection_in_their_own_language(organization):
    author = MembershipFactory(organization=organization, is_curator=True, user__language="de")
    approver = MembershipFactory(organization=organization, is_approver=True, user__language="")
    post = PostFactory(organization=organization, title="Lyon", created_by=author.user)
    post_services.post_submit(post=post, actor=author.user)
    post_services.post_reject(post=post, actor=approver.user, reason="Too vague")
    notification = Notification.objects.get(membership=author, kind="post_rejected")
    assert notification.message == "Dein Beitrag „Lyon“ wurde abgelehnt: Too vague"
