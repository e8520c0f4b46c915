"""Routing writes in batches: the same few queries for 2 agents or 12, and a conversation
someone took by hand while routing decided stays theirs."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.care.models import Conversation, ConversationStatus
from chorus.care.services import routing
from chorus.core.models import AuditEvent
from chorus.notifications.models import Notification

# A Wednesday, 10:00 UTC.
WEDNESDAY_MORNING = datetime(2025, 3, 12, 10, 0, tzinfo=ZoneInfo("UTC"))

CareAgentFactory: Any = factories.CareAgentFactory
ConversationFactory: Any = factories.ConversationFactory
MembershipFactory: Any = factories.MembershipFactory


@pytest.fixture(autouse=True)
def _wednesday_morning() -> Any:
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        yield


@pytest.fixture
def other_organization(db: None) -> Any:
    return factories.OrganizationFactory(name="Globex", slug="globex")


def agents(organization: Any, count: int) -> list[Any]:
    return [
        CareAgentFactory(
            membership=MembershipFactory(
                organization=organization, program_status=ProgramStatus.JOINED
            )
        )
        for _ in range(count)
    ]


def routing_queries(organization: Any) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        routed = routing.conversations_route(organization=organization)
    return routed, len(queries)


def test_routing_takes_the_same_queries_for_few_or_many_agents_and_conversations(
    organization: Any, other_organization: Any
) -> None:
    agents(organization, 2)
    ConversationFactory.create_batch(4, organization=organization)
    agents(other_organization, 12)
    ConversationFactory.create_batch(60, organization=other_organization)
    few = routing_queries(organization)
    many = routing_queries(other_organization)
    assert few[0] == 4
    assert many[0] == 60
    assert few[1] == many[1]
    # Each agent is told once, each assignment audited.
    assert Notification.objects.filter(organization=other_organization).count() == 12
    assert (
        AuditEvent.objects.filter(organization=other_organization, action="care.routed").count()
        == 60
    )


def test_a_conversation_taken_by_hand_while_routing_decides_stays_with_its_taker(
    organization: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    [maya] = agents(organization, 1)
    first, second = ConversationFactory.create_batch(2, organization=organization)
    colleague = MembershipFactory(organization=organization)
    decide = routing._assign

    def taken_meanwhile(*args: Any) -> Any:
        Conversation.objects.filter(pk=first.pk).update(
            assignee=colleague, status=ConversationStatus.ASSIGNED
        )
        return decide(*args)

    monkeypatch.setattr(routing, "_assign", taken_meanwhile)
    assert routing.conversations_route(organization=organization) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee_id == colleague.pk
    assert second.assignee_id == maya.membership_id
    note = Notification.objects.get(membership=maya.membership)
    # Told about the one they got, not "2 conversations".
    assert note.url == f"/care/c/{second.pk}/"
    routed = AuditEvent.objects.filter(action="care.routed")
    assert [event.target_id for event in routed] == [str(second.pk)]
