from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Post, PostState, Suggestion, SuggestionStatus
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory, SuggestionFactory
from chorus.notifications.models import Notification


@pytest.fixture
def advocate(employee):
    employee.program_status = ProgramStatus.JOINED
    employee.save(update_fields=["program_status"])
    return employee


@pytest.fixture
def advocate_client(client, advocate):
    client.force_login(advocate.user)
    return client


@pytest.fixture
def curator(organization):
    return MembershipFactory(organization=organization, is_curator=True, user__email="cu@acme.test")


@pytest.fixture
def curator_client(curator):
    client = Client()
    client.force_login(curator.user)
    return client


def suggest(client, url="https://example.com/story", reason="Customers ask about it."):
    return client.post(reverse("suggestion_create"), {"url": url, "reason": reason})


def test_member_suggests_a_link(advocate_client, advocate):
    response = suggest(advocate_client)
    assert response.status_code == 302
    assert response["Location"] == reverse("my_suggestions")
    suggestion = Suggestion.objects.get()
    assert (suggestion.membership, suggestion.url, suggestion.status) == (
        advocate,
        "https://example.com/story",
        SuggestionStatus.PENDING,
    )
    assert AuditEvent.objects.filter(
        action="suggestion.created", target_id=str(suggestion.pk)
    ).exists()
    page = advocate_client.get(reverse("my_suggestions")).content.decode()
    assert "https://example.com/story" in page
    assert "Waiting for a curator" in page


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)//https://x.com",
        "data:text/html,hi",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "example.com",
        "https://",
        "https://" + "a" * 2000 + ".com",
    ],
)
def test_only_web_links_can_be_suggested(advocate_client, url):
    response = suggest(advocate_client, url=url)
    assert response.status_code == 400
    assert not Suggestion.objects.exists()


def test_reason_is_required_and_limited(advocate_client):
    assert suggest(advocate_client, reason="   ").status_code == 400
    assert suggest(advocate_client, reason="r" * 1001).status_code == 400
    assert not Suggestion.objects.exists()


def test_same_pending_link_twice_is_refused_kindly(advocate_client):
    suggest(advocate_client)
    response = suggest(advocate_client)
    assert response.status_code == 400
    assert "already suggested this link" in response.content.decode()
    assert Suggestion.objects.count() == 1


def test_member_who_left_the_program_is_asked_to_rejoin(client, employee):
    employee.program_status = ProgramStatus.LEFT
    employee.save(update_fields=["program_status"])
    client.force_login(employee.user)
    page = client.get(reverse("suggestion_create"))
    assert "Rejoin" in page.content.decode()
    assert reverse("program") in page.content.decode()
    response = suggest(client)
    assert response.status_code == 403
    assert not Suggestion.objects.exists()


def test_member_who_never_joined_cannot_suggest(employee_client):
    response = suggest(employee_client)
    assert response.status_code == 403
    assert "Join the advocacy program" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_curators_see_pending_suggestions_first(curator_client, advocate):
    old_pending = SuggestionFactory(membership=advocate, url="https://example.com/pending")
    SuggestionFactory(
        membership=advocate, url="https://example.com/declined", status=SuggestionStatus.DECLINED
    )
    SuggestionFactory(membership=MembershipFactory(), url="https://example.com/foreign")
    response = curator_client.get(reverse("suggestions"))
    listed = [suggestion.url for suggestion in response.context["page"].object_list]
    assert listed == [old_pending.url, "https://example.com/declined"]
    declined = curator_client.get(reverse("suggestions"), {"status": "declined"})
    assert [s.url for s in declined.context["page"].object_list] == ["https://example.com/declined"]


def test_employee_cannot_manage_suggestions(employee_client, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    assert employee_client.get(reverse("suggestions")).status_code == 403
    url = reverse("suggestion_accept", args=[suggestion.pk])
    assert employee_client.post(url).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PENDING


def test_accepting_makes_a_draft_credited_to_the_suggester(curator_client, curator, advocate):
    suggestion = SuggestionFactory(membership=advocate, url="https://example.com/a")
    response = curator_client.post(
        reverse("suggestion_accept", args=[suggestion.pk]), {"title": "Great read"}
    )
    post = Post.objects.get()
    try:
        expected = reverse("post_detail", args=[post.pk])
    except NoReverseMatch:
        expected = reverse("posts")
    assert response.status_code == 302
    assert response["Location"] == expected
    assert (post.state, post.title, post.link_url, post.commentary) == (
        PostState.DRAFT,
        "Great read",
        "https://example.com/a",
        suggestion.reason,
    )
    assert post.suggested_by == advocate
    assert post.created_by == curator.user
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED
    assert (suggestion.post, suggestion.decided_by) == (post, curator.user)
    assert suggestion.decided_at is not None
    notification = Notification.objects.get(membership=advocate)
    assert "was accepted and will become a post" in notification.message
    assert AuditEvent.objects.filter(
        action="suggestion.accepted", target_id=str(suggestion.pk), data__post_id=post.pk
    ).exists()


def test_accepted_without_title_gets_a_working_title(curator_client, advocate):
    suggestion = SuggestionFactory(membership=advocate, url="https://example.com/a")
    curator_client.post(reverse("suggestion_accept", args=[suggestion.pk]))
    assert Post.objects.get().title == "Suggested: example.com/a"


def test_member_sees_accepted_without_private_links(curator_client, advocate_client, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    curator_client.post(reverse("suggestion_accept", args=[suggestion.pk]))
    page = advocate_client.get(reverse("my_suggestions")).content.decode()
    assert "Accepted, thank you!" in page
    assert "/manage/posts" not in page


def test_decline_needs_a_reason(curator_client, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    url = reverse("suggestion_decline", args=[suggestion.pk])
    response = curator_client.post(url, {"reason": "  "}, follow=True)
    assert "Say why" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PENDING
    assert not Notification.objects.exists()


def test_declining_tells_the_member_why(curator_client, curator, advocate_client, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    url = reverse("suggestion_decline", args=[suggestion.pk])
    response = curator_client.post(url, {"reason": "Off topic for us"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decline_reason, suggestion.decided_by) == (
        SuggestionStatus.DECLINED,
        "Off topic for us",
        curator.user,
    )
    notification = Notification.objects.get(membership=advocate)
    assert notification.message.endswith("was declined: Off topic for us")
    assert AuditEvent.objects.filter(action="suggestion.declined").exists()
    page = advocate_client.get(reverse("my_suggestions")).content.decode()
    assert "Off topic for us" in page


def test_deciding_twice_is_refused(curator_client, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    curator_client.post(reverse("suggestion_accept", args=[suggestion.pk]))
    again = curator_client.post(reverse("suggestion_accept", args=[suggestion.pk]), follow=True)
    assert "already decided" in again.content.decode()
    declined = curator_client.post(
        reverse("suggestion_decline", args=[suggestion.pk]), {"reason": "no"}, follow=True
    )
    assert "already decided" in declined.content.decode()
    assert Post.objects.count() == 1
    assert Notification.objects.count() == 1
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED


def test_foreign_suggestion_is_404(curator_client):
    foreign = SuggestionFactory(membership=MembershipFactory(organization=OrganizationFactory()))
    assert curator_client.post(reverse("suggestion_accept", args=[foreign.pk])).status_code == 404
    url = reverse("suggestion_decline", args=[foreign.pk])
    assert curator_client.post(url, {"reason": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == SuggestionStatus.PENDING


def test_deciding_is_post_only(curator_client, advocate):
    suggestion = SuggestionFactory(membership=advocate)
    assert curator_client.get(reverse("suggestion_accept", args=[suggestion.pk])).status_code == 405


def test_suggestion_text_is_escaped(curator_client, advocate):
    SuggestionFactory(membership=advocate, reason="<script>alert(1)</script>")
    body = curator_client.get(reverse("suggestions")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
