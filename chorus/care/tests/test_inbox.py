"""The inbox and a conversation's page: who may enter, filters and saved views, keyset
pages, claiming (two people never hold a conversation at once), triage and notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.care.models import (
    CareSettings,
    ConversationStatus,
    Message,
    MessageDirection,
    Priority,
    SavedView,
)
from chorus.care.selectors.inbox import InboxFilters, inbox_counts, inbox_page
from chorus.care.services.inbox import (
    conversation_claim,
    conversation_claim_check,
    conversation_release,
)
from chorus.core.models import AuditEvent

# Factories typed loosely: their instances are the models.
CareAgentFactory: Any = factories.CareAgentFactory
CareTagFactory: Any = factories.CareTagFactory
ConversationFactory: Any = factories.ConversationFactory
MembershipFactory: Any = factories.MembershipFactory
MessageFactory: Any = factories.MessageFactory
OrganizationFactory: Any = factories.OrganizationFactory


@pytest.fixture
def agent(organization: Any) -> Any:
    membership = MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__name="Maya Agent",
        user__email="maya@acme.test",
    )
    return CareAgentFactory(membership=membership)


@pytest.fixture
def other_agent(organization: Any) -> Any:
    membership = MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__name="Noah Agent",
        user__email="noah@acme.test",
    )
    return CareAgentFactory(membership=membership)


# Who may enter ----------------------------------------------------------------------


def test_the_inbox_is_for_care_members_only(client: Any, employee: Any, agent: Any) -> None:
    client.force_login(employee.user)
    assert client.get(reverse("care_inbox")).status_code == 403
    client.force_login(agent.membership.user)
    assert client.get(reverse("care_inbox")).status_code == 200


def test_an_agent_who_opted_out_is_shown_the_door(client: Any, agent: Any) -> None:
    agent.opted_in = False
    agent.save()
    client.force_login(agent.membership.user)
    assert client.get(reverse("care_inbox")).status_code == 403


def test_a_foreign_conversation_is_404(client: Any, admin_member: Any) -> None:
    foreign = ConversationFactory(organization=OrganizationFactory(name="Globex", slug="globex"))
    client.force_login(admin_member.user)
    url = reverse("care_conversation", args=[foreign.pk])
    assert client.get(url).status_code == 404
    assert client.post(reverse("care_conversation_claim", args=[foreign.pk])).status_code == 404


# The list -------------------------------------------------------------------------


def test_the_inbox_lists_conversations_with_their_time_left(
    client: Any, organization: Any, agent: Any
) -> None:
    conversation = ConversationFactory(
        organization=organization,
        subject="Parcel lost",
        first_response_due=timezone.now() + timedelta(hours=2, minutes=1),
    )
    ConversationFactory(organization=organization, subject="Done", status=ConversationStatus.CLOSED)
    client.force_login(agent.membership.user)
    page = client.get(reverse("care_inbox")).content.decode()
    assert "Parcel lost" in page
    assert reverse("care_conversation", args=[conversation.pk]) in page
    assert "2\xa0hours left" in page
    assert "Done" not in page


def test_filters_narrow_the_inbox(organization: Any, agent: Any) -> None:
    billing = CareTagFactory(organization=organization, name="Billing")
    mine = ConversationFactory(
        organization=organization,
        assignee=agent.membership,
        status=ConversationStatus.ASSIGNED,
        priority=Priority.HIGH,
        language="de",
        network="bluesky",
        subject="Rechnung",
    )
    mine.tags.add(billing)
    other = ConversationFactory(organization=organization, subject="Where is my parcel")
    MessageFactory(conversation=other, text="The tracking number does not work")
    membership = agent.membership

    def found(**query: str) -> list[int]:
        filters = InboxFilters.from_query(query)
        page = inbox_page(membership=membership, filters=filters)
        return [row.conversation.pk for row in page.rows]

    assert set(found()) == {mine.pk, other.pk}
    assert found(assignee="mine") == [mine.pk]
    assert found(assignee="unassigned") == [other.pk]
    assert found(assignee=str(membership.pk)) == [mine.pk]
    assert found(priority="high") == [mine.pk]
    assert found(tag=str(billing.pk)) == [mine.pk]
    assert found(network="bluesky") == [mine.pk]
    assert found(language="de") == [mine.pk]
    assert found(q="tracking") == [other.pk]
    assert found(status="assigned") == [mine.pk]
    assert found(status="closed") == []
    # Nonsense falls back to the defaults instead of failing.
    assert set(found(status="nope", priority="nope", assignee="x'")) == {mine.pk, other.pk}
    counts = inbox_counts(membership=membership)
    assert counts["new"] == 1
    assert counts["assigned"] == 1
    assert counts["open"] == 2


@pytest.mark.parametrize(
    "query",
    [
        {"q": "\x00"},
        {"language": "e\x00n", "network": "\x00", "source": "\x00"},
        {"assignee": "\u00b2", "tag": "\u00b2", "source": "\u0663"},
        {"assignee": "9" * 30, "source": "9" * 30, "tag": "9" * 30},
        {"after": "\u00b2.1"},
        {"after": f"{'9' * 19}.{'9' * 19}"},
        {"after": "1.2.3.4", "order": "urgent"},
    ],
)
def test_hostile_filters_change_nothing_and_never_crash(
    client: Any, agent: Any, query: dict[str, str]
) -> None:
    """Odd query strings (NUL, which PostgreSQL refuses in text, digits that are not ASCII,
    ids beyond 64 bits, cursors from nowhere) fall back to the defaults."""
    factories.ConversationFactory(organization=agent.organization)
    client.force_login(agent.membership.user)
    response = client.get(reverse("care_inbox"), query)
    assert response.status_code == 200
    api = client.get("/api/v1/care/inbox", query)
    assert api.status_code in (200, 422)


def test_breaching_soon_shows_what_is_about_to_miss_its_target(
    organization: Any, agent: Any
) -> None:
    CareSettings.objects.create(organization=organization, warn_minutes=15)
    soon = ConversationFactory(
        organization=organization, first_response_due=timezone.now() + timedelta(minutes=10)
    )
    ConversationFactory(
        organization=organization, first_response_due=timezone.now() + timedelta(hours=3)
    )
    filters = InboxFilters.from_query({"breaching": "1"})
    rows = inbox_page(membership=agent.membership, filters=filters).rows
    assert [row.conversation.pk for row in rows] == [soon.pk]


@pytest.mark.parametrize("order", ["newest", "urgent"])
def test_keyset_pages_walk_every_conversation_once(
    organization: Any, agent: Any, order: str
) -> None:
    start = timezone.now() - timedelta(days=1)
    made = []
    for number in range(7):
        made.append(
            ConversationFactory(
                organization=organization,
                last_message_at=start + timedelta(minutes=number // 2),
                priority=Priority.URGENT if number % 3 == 0 else Priority.NORMAL,
            ).pk
        )
    filters = InboxFilters(order=order)
    seen: list[int] = []
    after = None
    while True:
        page = inbox_page(membership=agent.membership, filters=filters, after=after, limit=3)
        seen += [row.conversation.pk for row in page.rows]
        if page.after is None:
            break
        after = page.after
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))
    if order == "urgent":
        priorities = [Priority.URGENT if pk in made[::3] else Priority.NORMAL for pk in seen]
        assert priorities == sorted(priorities, key=lambda p: p != Priority.URGENT)


def test_the_first_page_takes_a_fixed_number_of_queries(
    organization: Any, agent: Any, django_assert_num_queries: Any
) -> None:
    tag = CareTagFactory(organization=organization)
    for _ in range(5):
        conversation = ConversationFactory(
            organization=organization, assignee=agent.membership, status="assigned"
        )
        conversation.tags.add(tag)
    membership = agent.membership
    membership.organization  # noqa: B018 (loaded, as the request has it)
    with django_assert_num_queries(2):
        page = inbox_page(membership=membership, filters=InboxFilters())
        for row in page.rows:
            assert row.conversation.assignee is not None
            str(row.conversation.assignee.user.email)
            [tag.name for tag in row.conversation.tags.all()]


def test_saved_views_keep_the_filters_and_belong_to_their_member(
    client: Any, organization: Any, agent: Any, other_agent: Any
) -> None:
    client.force_login(agent.membership.user)
    response = client.post(
        reverse("care_saved_view_create"), {"name": "My urgent", "query": "priority=urgent"}
    )
    assert response.status_code == 302
    saved = SavedView.objects.get(membership=agent.membership)
    assert saved.query == "priority=urgent"
    page = client.get(reverse("care_inbox")).content.decode()
    assert "My urgent" in page
    assert "?priority=urgent" in page
    # Nameless: refused, nothing saved.
    client.post(reverse("care_saved_view_create"), {"name": " ", "query": "status=new"})
    assert SavedView.objects.count() == 1
    # Someone else's view is not found.
    client.force_login(other_agent.membership.user)
    assert client.post(reverse("care_saved_view_delete", args=[saved.pk])).status_code == 404
    client.force_login(agent.membership.user)
    client.post(reverse("care_saved_view_delete", args=[saved.pk]))
    assert not SavedView.objects.exists()


# Claims ---------------------------------------------------------------------------


def test_two_people_can_never_hold_a_conversation_at_once(
    organization: Any, agent: Any, other_agent: Any
) -> None:
    conversation = ConversationFactory(organization=organization)
    conversation_claim(conversation=conversation, membership=agent.membership)
    with pytest.raises(ValidationError) as refused:
        conversation_claim(conversation=conversation, membership=other_agent.membership)
    assert "Maya Agent is answering this since" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        conversation_claim_check(conversation, other_agent.membership)
    conversation_claim_check(conversation, agent.membership)
    conversation.refresh_from_db()
    assert conversation.claimed_by_id == agent.membership_id
    assert conversation.assignee_id == agent.membership_id


def test_a_claim_expires_with_time(organization: Any, agent: Any, other_agent: Any) -> None:
    CareSettings.objects.create(organization=organization, claim_minutes=30)
    conversation = ConversationFactory(organization=organization)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        conversation_claim(conversation=conversation, membership=agent.membership)
        traveller.shift(timedelta(minutes=29))
        with pytest.raises(ValidationError):
            conversation_claim(conversation=conversation, membership=other_agent.membership)
        traveller.shift(timedelta(minutes=2))
        conversation_claim(conversation=conversation, membership=other_agent.membership)
    conversation.refresh_from_db()
    assert conversation.claimed_by_id == other_agent.membership_id


def test_care_staff_can_take_over_and_it_is_audited(
    organization: Any, agent: Any, admin_member: Any
) -> None:
    conversation = ConversationFactory(organization=organization)
    conversation_claim(conversation=conversation, membership=agent.membership)
    conversation_claim(conversation=conversation, membership=admin_member, take_over=True)
    conversation.refresh_from_db()
    assert conversation.claimed_by_id == admin_member.pk
    assert AuditEvent.objects.filter(action="care.claim_taken_over").count() == 1


def test_releasing_lets_another_take_it_and_can_return_it_to_the_pool(
    organization: Any, agent: Any, other_agent: Any
) -> None:
    conversation = ConversationFactory(organization=organization)
    conversation_claim(conversation=conversation, membership=agent.membership)
    with pytest.raises(ValidationError):
        conversation_release(conversation=conversation, membership=other_agent.membership)
    conversation_release(conversation=conversation, membership=agent.membership, unassign=True)
    conversation.refresh_from_db()
    assert conversation.claimed_by_id is None
    assert conversation.assignee_id is None
    assert conversation.status == ConversationStatus.NEW
    conversation_claim(conversation=conversation, membership=other_agent.membership)


def test_the_assignee_opening_it_claims_it_and_a_second_opener_sees_who(
    client: Any, organization: Any, agent: Any, other_agent: Any
) -> None:
    conversation = ConversationFactory(
        organization=organization, assignee=agent.membership, status=ConversationStatus.ASSIGNED
    )
    MessageFactory(conversation=conversation, text="Help me please")
    client.force_login(agent.membership.user)
    page = client.get(reverse("care_conversation", args=[conversation.pk]))
    assert page.status_code == 200
    assert page.context["can_answer"] is True
    assert page.context["claim"] == agent.membership
    assert "Help me please" in page.content.decode()
    conversation.refresh_from_db()
    assert conversation.claimed_by_id == agent.membership_id
    client.force_login(other_agent.membership.user)
    page = client.get(reverse("care_conversation", args=[conversation.pk]))
    assert page.context["can_answer"] is False
    assert "Maya Agent is answering this since" in page.content.decode()
    response = client.post(reverse("care_conversation_claim", args=[conversation.pk]))
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.claimed_by_id == agent.membership_id


# Triage ---------------------------------------------------------------------------


def test_triage_changes_status_priority_tags_and_notes_and_audits(
    client: Any, organization: Any, agent: Any
) -> None:
    tag = CareTagFactory(organization=organization, name="Billing")
    conversation = ConversationFactory(organization=organization)
    client.force_login(agent.membership.user)
    url = lambda name: reverse(name, args=[conversation.pk])  # noqa: E731
    client.post(url("care_conversation_priority"), {"priority": "urgent"})
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    # The targets follow the priority (30 minutes for urgent by default).
    assert conversation.first_response_due == conversation.opened_at + timedelta(minutes=30)
    client.post(url("care_conversation_tags"), {"tags": [tag.pk]})
    assert list(conversation.tags.all()) == [tag]
    client.post(url("care_conversation_status"), {"status": "closed"})
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert conversation.resolved_at is not None
    client.post(url("care_conversation_status"), {"status": "new"})
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.NEW
    assert conversation.resolved_at is None
    client.post(url("care_conversation_note"), {"text": "Customer called before."})
    note = Message.objects.get(conversation=conversation)
    assert note.direction == MessageDirection.NOTE
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "care.priority_changed",
        "care.tags_changed",
        "care.status_changed",
        "care.note_added",
    } <= actions


def test_bad_triage_input_changes_nothing_and_keeps_what_was_typed(
    client: Any, organization: Any, agent: Any
) -> None:
    conversation = ConversationFactory(organization=organization)
    foreign_tag = CareTagFactory()
    client.force_login(agent.membership.user)
    url = lambda name: reverse(name, args=[conversation.pk])  # noqa: E731
    assert client.post(url("care_conversation_status"), {"status": "gone"}).status_code == 400
    assert client.post(url("care_conversation_priority"), {"priority": "x"}).status_code == 400
    assert client.post(url("care_conversation_tags"), {"tags": [foreign_tag.pk]}).status_code == 400
    assert client.post(url("care_conversation_tags"), {"tags": ["x"]}).status_code == 400
    response = client.post(url("care_conversation_note"), {"text": "x" * 5001})
    assert response.status_code == 400
    assert "x" * 5001 in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.NEW
    assert conversation.priority == Priority.NORMAL
    assert not conversation.tags.exists()
    assert not Message.objects.exists()


def test_only_care_staff_assign_and_only_to_eligible_agents(
    client: Any, organization: Any, agent: Any, other_agent: Any, admin_member: Any
) -> None:
    conversation = ConversationFactory(organization=organization)
    client.force_login(agent.membership.user)
    url = reverse("care_conversation_assign", args=[conversation.pk])
    assert client.post(url, {"assignee": other_agent.membership_id}).status_code == 403
    client.force_login(admin_member.user)
    page = client.get(reverse("care_conversation", args=[conversation.pk])).content.decode()
    assert "Noah Agent (0 open)" in page
    outsider = MembershipFactory(organization=organization)
    assert client.post(url, {"assignee": outsider.pk}).status_code == 400
    assert client.post(url, {"assignee": other_agent.membership_id}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee_id == other_agent.membership_id
    assert conversation.status == ConversationStatus.ASSIGNED
    assert AuditEvent.objects.filter(action="care.assigned").exists()
    client.post(url, {"assignee": ""})
    conversation.refresh_from_db()
    assert conversation.assignee_id is None
    assert conversation.status == ConversationStatus.NEW
