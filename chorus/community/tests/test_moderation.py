"""Moderation: reports, the queue, hiding with a reason, dismissing; all audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chorus.community.models import Report
from chorus.community.services import moderation, spaces
from chorus.community.services.threads import reply_create, thread_create
from chorus.core.models import AuditEvent


@pytest.fixture
def thread(space, maya):
    return thread_create(membership=maya, space=space, title="Tips", body="Short posts work")


def test_a_report_reaches_the_queue_and_hiding_resolves_it(client, curator, space, thread, noah):
    reply = reply_create(membership=noah, thread=thread, body="Buy my stuff")
    client.force_login(thread.author.user)
    url = reverse("community_message_report", args=[space.pk, thread.pk, reply.pk])
    assert client.post(url, {"reason": "spam", "note": "an ad"}).status_code == 302
    # One report per member and message.
    assert client.post(url, {"reason": "spam"}).status_code == 400
    assert Report.objects.count() == 1
    client.force_login(curator.user)
    queue = client.get(reverse("community_moderation")).content.decode()
    assert "Buy my stuff" in queue and "an ad" in queue
    response = client.post(
        reverse("community_message_moderate", args=[space.pk, thread.pk, reply.pk]),
        {"action": "hide", "reason": "Advertising", "next": "queue"},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.outcome == "hidden" and report.resolved_by == curator
    assert "Buy my stuff" not in client.get(reverse("community_moderation")).content.decode()
    audit = AuditEvent.objects.get(action="community.message_hidden")
    assert audit.data["reason"] == "Advertising"


def test_members_see_hidden_moderators_see_text_and_reason(client, curator, space, thread, noah):
    reply = reply_create(membership=noah, thread=thread, body="Rude words")
    moderation.message_hide(membership=curator, message=reply, reason="Disrespectful")
    url = reverse("community_thread", args=[space.pk, thread.pk])
    client.force_login(thread.author.user)
    page = client.get(url).content.decode()
    assert "Hidden by a moderator." in page
    assert "Rude words" not in page and "Disrespectful" not in page
    api = client.get(f"/api/v1/spaces/{space.pk}/threads/{thread.pk}").json()
    assert api["messages"][1]["body"] == "" and api["messages"][1]["hidden_reason"] == ""
    client.force_login(curator.user)
    page = client.get(url).content.decode()
    assert "Rude words" in page and "Disrespectful" in page
    moderation.message_unhide(membership=curator, message=reply)
    assert AuditEvent.objects.filter(action="community.message_unhidden").exists()


def test_members_cannot_moderate(space, thread, noah):
    message = thread.messages.get()
    with pytest.raises(PermissionDenied):
        moderation.message_hide(membership=noah, message=message, reason="No")
    with pytest.raises(PermissionDenied):
        moderation.thread_lock(membership=noah, thread=thread, locked=True)


def test_a_hide_needs_a_reason(curator, thread):
    with pytest.raises(ValidationError):
        moderation.message_hide(membership=curator, message=thread.messages.get(), reason=" ")


def test_dismissed_reports_leave_the_message(curator, thread, noah):
    message = thread.messages.get()
    moderation.report_create(membership=noah, message=message, reason="misleading")
    assert moderation.reports_dismiss(membership=curator, message=message) == 1
    message.refresh_from_db()
    assert not message.is_hidden
    assert AuditEvent.objects.filter(action="community.reports_dismissed").exists()


def test_pins_and_locks_are_audited(curator, thread):
    moderation.thread_pin(membership=curator, thread=thread, pinned=True)
    moderation.thread_lock(membership=curator, thread=thread, locked=True)
    moderation.thread_lock(membership=curator, thread=thread, locked=False)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "community.thread_pinned",
        "community.thread_locked",
        "community.thread_unlocked",
    } <= actions


def test_a_space_moderator_hides_in_their_space(curator, space, thread, maya, noah):
    spaces.space_join(membership=noah, space=space)
    spaces.space_member_role_set(membership=curator, space=space, member=noah, role="moderator")
    moderation.message_hide(membership=noah, message=thread.messages.get(), reason="Off topic")


def test_moderation_through_the_api(client, curator, space, thread, noah):
    message = thread.messages.get()
    client.force_login(noah.user)
    base = f"/api/v1/spaces/{space.pk}/threads/{thread.pk}/messages/{message.pk}"
    response = client.post(f"{base}/reports", {"reason": "spam"}, content_type="application/json")
    assert response.status_code == 201
    hide = client.post(f"{base}/hide", {"reason": "x"}, content_type="application/json")
    assert hide.status_code == 403
    client.force_login(curator.user)
    assert len(client.get("/api/v1/moderation/reports").json()) == 1
    hide = client.post(f"{base}/hide", {"reason": "Spam"}, content_type="application/json")
    assert hide.status_code == 204
    lock = client.put(
        f"/api/v1/spaces/{space.pk}/threads/{thread.pk}/lock",
        {"locked": True},
        content_type="application/json",
    )
    assert lock.json()["locked"] is True


def test_a_hidden_message_is_not_shown_on_the_report_page(client, curator, space, thread, noah):
    reply = reply_create(membership=noah, thread=thread, body="Rude words")
    moderation.message_hide(membership=curator, message=reply, reason="Rude")
    client.force_login(thread.author.user)
    url = reverse("community_message_report", args=[space.pk, thread.pk, reply.pk])
    assert "Rude words" not in client.get(url).content.decode()
    assert client.post(url, {"reason": "offensive"}).status_code == 400


def test_moderators_read_a_hidden_message_and_its_reason_through_the_api(
    client, curator, space, thread, noah
):
    reply = reply_create(membership=noah, thread=thread, body="Rude words")
    moderation.message_hide(membership=curator, message=reply, reason="Disrespectful")
    client.force_login(curator.user)
    api = client.get(f"/api/v1/spaces/{space.pk}/threads/{thread.pk}").json()
    hidden = api["messages"][1]
    assert hidden["hidden"] is True
    assert hidden["body"] == "Rude words" and hidden["hidden_reason"] == "Disrespectful"
