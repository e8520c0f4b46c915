"""Spaces under hostile input: escaped text, CSRF, odd cursors, NUL characters, huge and
mismatched ids, ids of another organization in forms, and role checks on every moderator
action. A bad request is a clear refusal with nothing changed, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chorus.community.models import Message, Report, SpaceMember, SpaceSession, Thread
from chorus.community.services import spaces
from chorus.community.services.threads import reply_create, thread_create
from chorus.core.models import AuditEvent
from chorus.factories import ComplianceRuleFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import TrainingSession

HUGE = "99999999999999999999999"
XSS = '<script>alert("x")</script> <img src=x onerror=alert(1)> [link](javascript:alert(2))'


@pytest.fixture
def thread(space: Any, maya: Any) -> Thread:
    return thread_create(membership=maya, space=space, title="Tips", body="Short posts work")


def test_markup_in_messages_titles_and_names_is_shown_as_text(client, curator, maya):
    space = spaces.space_create(
        membership=curator, name="<b>Bold</b> space", description="<i>desc</i>"
    )
    thread = thread_create(membership=maya, space=space, title="<script>t()</script>", body=XSS)
    reply_create(membership=curator, thread=thread, body="**Good** <u>point</u>")
    client.force_login(maya.user)
    page = client.get(reverse("community_thread", args=[space.pk, thread.pk])).content.decode()
    assert "<script>" not in page.lower().replace('<script src="', "")
    assert "<img" not in page and 'href="javascript' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<u>" not in page and "<b>Bold</b>" not in page
    assert "&lt;script&gt;t()&lt;/script&gt;" in page
    # Markdown-lite still works.
    assert "<strong>Good</strong>" in page
    listing = client.get(reverse("community_space", args=[space.pk])).content.decode()
    assert "&lt;script&gt;t()&lt;/script&gt;" in listing and "<i>desc</i>" not in listing
    assert "<b>Bold</b>" not in client.get(reverse("community_spaces")).content.decode()


def test_a_post_without_the_csrf_token_is_refused(space, thread, maya):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(maya.user)
    url = reverse("community_thread", args=[space.pk, thread.pk])
    assert browser.post(url, {"body": "No token"}).status_code == 403
    report = reverse("community_message_report", args=[space.pk, thread.pk, thread.pk])
    assert browser.post(report, {"reason": "spam"}).status_code == 403
    join = reverse("community_space_membership", args=[space.pk])
    assert browser.post(join, {"action": "join"}).status_code == 403
    assert Message.objects.count() == 1 and not Report.objects.exists()


@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "1-", "-", "1--1", "\x00", "1\x002-3", HUGE + "-" + HUGE, "9" * 18 + "-1", "٣-٤"],
)
def test_odd_cursors_show_the_first_page(client, space, thread, maya, cursor):
    client.force_login(maya.user)
    response = client.get(reverse("community_space", args=[space.pk]), {"after": cursor})
    assert response.status_code == 200 and "Tips" in response.content.decode()
    api = client.get(f"/api/v1/spaces/{space.pk}/threads", {"after": cursor})
    assert api.status_code == 200


def test_nul_characters_are_refused_in_words_and_nothing_is_written(client, space, thread, maya):
    client.force_login(maya.user)
    response = client.post(
        reverse("community_thread_new", args=[space.pk]), {"title": "A\x00b", "body": "c\x00d"}
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    response = client.post(
        reverse("community_thread", args=[space.pk, thread.pk]), {"body": "\x00"}
    )
    assert response.status_code == 400
    api = client.post(
        f"/api/v1/spaces/{space.pk}/threads/{thread.pk}/replies",
        {"body": "a\x00b"},
        content_type="application/json",
    )
    assert api.status_code == 422
    assert Thread.objects.count() == 1 and Message.objects.count() == 1


def test_huge_and_mismatched_ids_are_404(client, curator, space, thread, maya):
    other = spaces.space_create(membership=curator, name="Other")
    elsewhere = thread_create(membership=curator, space=other, title="Elsewhere", body="x")
    message = thread.messages.get()
    client.force_login(curator.user)
    for url in (
        f"/spaces/{HUGE}/",
        f"/spaces/{space.pk}/threads/{HUGE}/",
        f"/spaces/{space.pk}/threads/{thread.pk}/messages/{HUGE}/report/",
        # A thread seen through another space, a message through another thread.
        reverse("community_thread", args=[space.pk, elsewhere.pk]),
        reverse("community_message_report", args=[other.pk, thread.pk, message.pk]),
        reverse("community_message_moderate", args=[other.pk, elsewhere.pk, message.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/spaces/invitations/{HUGE}/", {"answer": "accept"}).status_code == 404
    for url in (
        f"/api/v1/spaces/{HUGE}",
        f"/api/v1/spaces/{space.pk}/threads/{HUGE}",
        f"/api/v1/spaces/{other.pk}/threads/{thread.pk}",
    ):
        assert client.get(url).status_code in (404, 422), url


def test_members_and_sessions_of_another_organization_are_refused(client, curator, space):
    outsider = MembershipFactory(organization=OrganizationFactory())
    foreign_session = TrainingSession.objects.create(
        organization=outsider.organization, title="Theirs", starts_at="2030-01-01T10:00Z", uid="f"
    )
    client.force_login(curator.user)
    url = reverse("community_space_settings", args=[space.pk])
    for data in (
        {"action": "invite", "member": outsider.pk},
        {"action": "invite", "member": HUGE},
        {"action": "remove", "member": "x"},
        {"action": "role", "member": "-1", "role": "moderator"},
        {"action": "link", "session": foreign_session.pk},
        {"action": "link", "session": HUGE},
        {"action": "nonsense"},
    ):
        assert client.post(url, data).status_code == 400, data
    assert not SpaceSession.objects.exists()
    assert not SpaceMember.objects.filter(membership=outsider).exists()
    api = client.post(
        f"/api/v1/spaces/{space.pk}/invitations",
        {"member_id": outsider.pk},
        content_type="application/json",
    )
    assert api.status_code == 422
    removed = client.delete(f"/api/v1/spaces/{space.pk}/members/{outsider.pk}")
    assert removed.status_code == 404


def test_plain_members_cannot_use_moderator_actions(client, space, thread, noah):
    message = thread.messages.get()
    client.force_login(noah.user)
    assert client.get(reverse("community_space_new")).status_code == 403
    lock = reverse("community_thread_moderate", args=[space.pk, thread.pk])
    assert client.post(lock, {"action": "lock"}).status_code == 403
    assert client.post(lock, {"action": "pin"}).status_code == 403
    hide = reverse("community_message_moderate", args=[space.pk, thread.pk, message.pk])
    assert client.get(hide).status_code == 403
    assert client.post(hide, {"action": "hide", "reason": "mine"}).status_code == 403
    settings = reverse("community_space_settings", args=[space.pk])
    assert client.post(settings, {"action": "archive"}).status_code == 403
    base = f"/api/v1/spaces/{space.pk}/threads/{thread.pk}"
    assert client.put(f"{base}/pin", {"pinned": True}, "application/json").status_code == 403
    thread.refresh_from_db()
    message.refresh_from_db()
    assert not thread.pinned and not thread.is_locked and not message.is_hidden
    assert not AuditEvent.objects.filter(action__startswith="community.thread_").exists()


def test_a_curator_removes_a_member_from_the_settings_page(client, curator, private_space, maya):
    invitation = spaces.space_invite(membership=curator, space=private_space, invitee=maya)
    spaces.invitation_answer(membership=maya, invitation=invitation, accept=True)
    client.force_login(curator.user)
    response = client.post(
        reverse("community_space_settings", args=[private_space.pk]),
        {"action": "remove", "member": maya.pk},
    )
    assert response.status_code == 302
    audit = AuditEvent.objects.get(action="community.member_removed")
    assert audit.actor == curator.user
    client.force_login(maya.user)
    assert client.get(reverse("community_space", args=[private_space.pk])).status_code == 404


def test_a_warning_rule_catches_a_look_alike_spelling(client, organization, space, maya):
    """ "cheap" with a Cyrillic es, "free" with Cyrillic ie's: warned all the same."""
    ComplianceRuleFactory(organization=organization, value="cheap", action="warn")
    ComplianceRuleFactory(organization=organization, value="free", action="warn")
    client.force_login(maya.user)
    url = reverse("community_thread_new", args=[space.pk])
    for body in ("\u0441heap flights", "fr\u0435\u0435 flights"):
        response = client.post(url, {"title": "Deals", "body": body})
        assert response.status_code == 400, body
        page = response.content.decode()
        assert "Post anyway" in page and "blocks this text" not in page
    assert not Thread.objects.exists()
    response = client.post(url, {"title": "Deals", "body": "\u0441heap flights", "confirm": "on"})
    assert response.status_code == 302


def test_a_blocking_rule_refuses_a_confirmed_look_alike_through_the_api(
    client, organization, space, thread, maya
):
    ComplianceRuleFactory(organization=organization, value="guaranteed", action="block")
    client.force_login(maya.user)
    response = client.post(
        f"/api/v1/spaces/{space.pk}/threads/{thread.pk}/replies",
        {"body": "Returns are gu\u0430ranteed", "confirm": True},  # a Cyrillic a
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["findings"][0]["action"] == "block"
    assert Message.objects.count() == 1


def test_a_pinned_thread_is_labelled_a_best_practice_and_listed_first(
    client, curator, space, thread, maya
):
    later = thread_create(membership=maya, space=space, title="Newer", body="x")
    client.force_login(curator.user)
    client.post(reverse("community_thread_moderate", args=[space.pk, thread.pk]), {"action": "pin"})
    page = client.get(reverse("community_space", args=[space.pk])).content.decode()
    assert "Best practice" in page
    assert page.index(">Tips<") < page.index(later.title)
    assert AuditEvent.objects.filter(action="community.thread_pinned").exists()
