"""Answering customers is a member's own choice: opting in and out, duty, hours; an admin
clears members where no certification is required; agents see their waiting
conversations on the home page and the inbox in the navigation."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.urls import reverse

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.care.models import CareAgent, ConversationStatus
from chorus.core.models import AuditEvent
from chorus.training.models import Certificate, Certification, Gate, GateAction

ConversationFactory: Any = factories.ConversationFactory
MembershipFactory: Any = factories.MembershipFactory
CareTagFactory: Any = factories.CareTagFactory


@pytest.fixture
def member(organization: Any) -> Any:
    return MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__name="Maya Member",
        user__email="maya@acme.test",
    )


def test_any_member_may_opt_in_and_set_their_hours(client: Any, member: Any) -> None:
    client.force_login(member.user)
    page = client.get(reverse("care_me")).content.decode()
    assert "voluntary" in page
    client.post(reverse("care_opt_in"))
    agent = CareAgent.objects.get(membership=member)
    assert agent.opted_in
    tag = CareTagFactory(organization=member.organization, name="Billing")
    response = client.post(
        reverse("care_me"),
        {
            "timezone": "Europe/Berlin",
            "work_days": ["0", "2"],
            "work_start": "08:00",
            "work_end": "16:00",
            "languages": "de, EN",
            "tags": [tag.pk],
            "max_open": "3",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.timezone == "Europe/Berlin"
    assert agent.work_days == [0, 2]
    assert agent.languages == ["de", "en"]
    assert list(agent.tags.all()) == [tag]
    assert agent.max_open == 3
    assert AuditEvent.objects.filter(action="care.agent_opted_in").exists()


def test_a_wrong_profile_changes_nothing_and_keeps_the_input(client: Any, member: Any) -> None:
    client.force_login(member.user)
    client.post(reverse("care_opt_in"))
    response = client.post(
        reverse("care_me"),
        {
            "timezone": "Mars/Olympus",
            "work_days": ["0"],
            "work_start": "08:00",
            "work_end": "16:00",
            "languages": "klingon!",
            "max_open": "3",
        },
    )
    assert response.status_code == 400
    assert "klingon!" in response.content.decode()
    agent = CareAgent.objects.get(membership=member)
    assert agent.timezone == "UTC"


def test_opting_out_hands_open_conversations_back(client: Any, member: Any) -> None:
    client.force_login(member.user)
    client.post(reverse("care_opt_in"))
    client.post(reverse("care_duty"), {"on_duty": "1"})
    assert CareAgent.objects.get(membership=member).on_duty
    held = ConversationFactory(
        organization=member.organization, assignee=member, status=ConversationStatus.ASSIGNED
    )
    answered = ConversationFactory(
        organization=member.organization, assignee=member, status=ConversationStatus.ANSWERED
    )
    client.post(reverse("care_opt_out"))
    agent = CareAgent.objects.get(membership=member)
    assert not agent.opted_in and not agent.on_duty
    held.refresh_from_db()
    answered.refresh_from_db()
    assert held.assignee_id is None and held.status == ConversationStatus.NEW
    assert answered.assignee_id == member.pk


def test_the_page_shows_the_certification_needed_when_a_gate_asks_for_it(
    client: Any, member: Any
) -> None:
    certification = Certification.objects.create(
        organization=member.organization, name="Customer care"
    )
    Gate.objects.create(
        organization=member.organization, action=GateAction.CARE, certification=certification
    )
    client.force_login(member.user)
    client.post(reverse("care_opt_in"))
    page = client.get(reverse("care_me")).content.decode()
    assert "Answering customers needs the certification “Customer care”." in page
    Certificate.objects.create(
        organization=member.organization,
        certification=certification,
        membership=member,
        code=secrets.token_hex(8),
    )
    page = client.get(reverse("care_me")).content.decode()
    assert "You are cleared to answer customers." in page


def test_only_admins_see_the_team_and_clear_members(
    client: Any, member: Any, admin_member: Any
) -> None:
    agent = CareAgent.objects.create(
        organization=member.organization, membership=member, opted_in=True
    )
    client.force_login(member.user)
    assert client.get(reverse("care_team")).status_code == 403
    assert (
        client.post(reverse("care_team_clear", args=[agent.pk]), {"cleared": "1"}).status_code
        == 403
    )
    client.force_login(admin_member.user)
    page = client.get(reverse("care_team")).content.decode()
    assert "Maya Member" in page
    client.post(reverse("care_team_clear", args=[agent.pk]), {"cleared": "1"})
    agent.refresh_from_db()
    assert agent.cleared and agent.cleared_by_id == admin_member.pk
    assert AuditEvent.objects.filter(action="care.agent_cleared").exists()


def test_agents_see_the_inbox_and_their_waiting_conversations(client: Any, member: Any) -> None:
    client.force_login(member.user)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("care_inbox")}"' not in page
    assert reverse("care_me") in page
    CareAgent.objects.create(organization=member.organization, membership=member, opted_in=True)
    ConversationFactory(
        organization=member.organization,
        assignee=member,
        status=ConversationStatus.ASSIGNED,
        subject="Parcel lost",
    )
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("care_inbox")}"' in page
    assert "Conversations waiting for you" in page
    assert "Parcel lost" in page
