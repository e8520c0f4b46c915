"""Routing: a new conversation goes to the certified, available, matching member,
least-loaded first; what an unavailable member holds goes back to be routed again."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.care.models import ConversationStatus, Priority
from chorus.care.services.routing import (
    agent_at_work,
    care_route_all,
    conversations_route,
    conversations_take_back,
)
from chorus.core.models import AuditEvent
from chorus.notifications.models import Notification
from chorus.training.models import Certificate, Certification, Gate, GateAction

# A Wednesday, 10:00 UTC.
WEDNESDAY_MORNING = datetime(2025, 3, 12, 10, 0, tzinfo=ZoneInfo("UTC"))

# Factories typed loosely: their instances are the models.
CareAgentFactory: Any = factories.CareAgentFactory
CareTagFactory: Any = factories.CareTagFactory
ConversationFactory: Any = factories.ConversationFactory
MembershipFactory: Any = factories.MembershipFactory


def agent(organization: Any, **fields: Any) -> Any:
    membership_fields = {
        key.removeprefix("membership__"): fields.pop(key)
        for key in list(fields)
        if key.startswith("membership__")
    }
    membership_fields.setdefault("program_status", ProgramStatus.JOINED)
    membership = MembershipFactory(organization=organization, **membership_fields)
    return CareAgentFactory(membership=membership, **fields)


def route_one(organization: Any, **conversation_fields: Any) -> Any:
    conversation = ConversationFactory(organization=organization, **conversation_fields)
    conversations_route(organization=organization, conversation_ids=[conversation.pk])
    conversation.refresh_from_db()
    return conversation


@pytest.fixture(autouse=True)
def _wednesday_morning() -> Any:
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        yield


def test_routes_to_the_available_matching_member_and_tells_them(organization: Any) -> None:
    maya = agent(organization)
    conversation = route_one(organization)
    assert conversation.assignee_id == maya.membership_id
    assert conversation.status == ConversationStatus.ASSIGNED
    assert conversation.assigned_at == timezone.now()
    note = Notification.objects.get(membership=maya.membership)
    assert note.url == f"/care/c/{conversation.pk}/"
    assert AuditEvent.objects.filter(action="care.routed", target_id=str(conversation.pk)).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"on_duty": False},
        {"opted_in": False},
        {"cleared": False},
        {"membership__is_active": False},
        {"membership__program_status": ProgramStatus.LEFT},
        {"languages": ["de"]},
        {"max_open": 0},
        # Out of hours in their own time zone: 10:00 UTC is 19:00 in Tokyo.
        {"timezone": "Asia/Tokyo", "work_start": time(9, 0), "work_end": time(17, 0)},
        # Not a work day: Wednesday is 2.
        {"work_days": [0, 1, 3, 4]},
    ],
    ids=[
        "off-duty",
        "opted-out",
        "not-cleared",
        "inactive",
        "left-program",
        "wrong-language",
        "over-max-open",
        "out-of-hours",
        "day-off",
    ],
)
def test_does_not_route_to_a_member_who_cannot_answer(organization: Any, fields: Any) -> None:
    agent(organization, **fields)
    conversation = route_one(organization)
    assert conversation.assignee_id is None
    assert conversation.status == ConversationStatus.NEW


def test_working_hours_are_read_in_the_agents_time_zone(organization: Any) -> None:
    # 10:00 UTC is 06:00 in New York: before a 9-to-5; 14:00 UTC is 10:00 there.
    new_yorker = agent(
        organization, timezone="America/New_York", work_start=time(9), work_end=time(17)
    )
    assert not agent_at_work(new_yorker)
    assert agent_at_work(new_yorker, WEDNESDAY_MORNING + timedelta(hours=4))
    night = agent(organization, work_start=time(22), work_end=time(6), work_days=[1])
    # Tuesday's night shift runs into Wednesday 05:00 UTC.
    assert agent_at_work(night, WEDNESDAY_MORNING - timedelta(hours=5))
    assert not agent_at_work(night, WEDNESDAY_MORNING)


def test_the_language_matches_by_its_primary_subtag(organization: Any) -> None:
    agent(organization, languages=["de"])
    speaker = agent(organization, languages=["en"])
    assert route_one(organization, language="en-GB").assignee_id == speaker.membership_id


def test_product_tags_go_to_agents_sharing_one_or_with_none(organization: Any) -> None:
    billing = CareTagFactory(organization=organization, name="Billing")
    delivery = CareTagFactory(organization=organization, name="Delivery")
    billing_agent = agent(organization)
    billing_agent.tags.add(billing)
    delivery_conversation = ConversationFactory(organization=organization)
    delivery_conversation.tags.add(delivery)
    conversations_route(organization=organization)
    delivery_conversation.refresh_from_db()
    assert delivery_conversation.assignee_id is None
    generalist = agent(organization)
    conversations_route(organization=organization)
    delivery_conversation.refresh_from_db()
    assert delivery_conversation.assignee_id == generalist.membership_id
    billing_conversation = ConversationFactory(organization=organization)
    billing_conversation.tags.add(billing)
    conversations_route(organization=organization)
    billing_conversation.refresh_from_db()
    # The generalist holds one already: the billing agent is less loaded and shares it.
    assert billing_conversation.assignee_id == billing_agent.membership_id


def test_least_loaded_first_then_who_waited_longest(organization: Any) -> None:
    busy = agent(organization)
    idle = agent(organization)
    ConversationFactory(
        organization=organization,
        assignee=busy.membership,
        status=ConversationStatus.ASSIGNED,
        assigned_at=timezone.now() - timedelta(hours=3),
    )
    assert route_one(organization).assignee_id == idle.membership_id
    # Both hold one now; busy waited longer since their last assignment.
    assert route_one(organization).assignee_id == busy.membership_id


def test_many_conversations_are_spread_and_stop_at_max_open(organization: Any) -> None:
    first = agent(organization, max_open=2)
    second = agent(organization, max_open=2)
    ConversationFactory.create_batch(5, organization=organization)
    assert conversations_route(organization=organization) == 4
    loads = {
        membership.pk: membership.care_assigned.count()
        for membership in (first.membership, second.membership)
    }
    assert loads == {first.membership_id: 2, second.membership_id: 2}
    # Each agent is told once.
    assert Notification.objects.filter(membership=first.membership).count() == 1


def test_urgent_conversations_are_routed_first(organization: Any) -> None:
    agent(organization, max_open=1)
    normal = ConversationFactory(organization=organization)
    urgent = ConversationFactory(organization=organization, priority=Priority.URGENT)
    conversations_route(organization=organization)
    normal.refresh_from_db()
    urgent.refresh_from_db()
    assert urgent.status == ConversationStatus.ASSIGNED
    assert normal.status == ConversationStatus.NEW


def test_with_a_care_gate_the_certification_decides_not_the_admin_flag(organization: Any) -> None:
    certification = Certification.objects.create(organization=organization, name="Care")
    Gate.objects.create(
        organization=organization, action=GateAction.CARE, certification=certification
    )
    agent(organization, cleared=True)
    conversation = route_one(organization)
    assert conversation.assignee_id is None
    certified = agent(organization, cleared=False)
    Certificate.objects.create(
        organization=organization,
        certification=certification,
        membership=certified.membership,
        code=secrets.token_hex(8),
    )
    conversations_route(organization=organization)
    conversation.refresh_from_db()
    assert conversation.assignee_id == certified.membership_id


def test_a_conversation_someone_holds_is_left_alone(organization: Any) -> None:
    agent(organization)
    other = MembershipFactory(organization=organization)
    held = ConversationFactory(
        organization=organization, assignee=other, status=ConversationStatus.ASSIGNED
    )
    closed = ConversationFactory(organization=organization, status=ConversationStatus.CLOSED)
    assert conversations_route(organization=organization) == 0
    held.refresh_from_db()
    closed.refresh_from_db()
    assert held.assignee_id == other.pk
    assert closed.assignee_id is None


def test_an_unavailable_assignee_gives_the_conversation_back(organization: Any) -> None:
    maya = agent(organization)
    conversation = route_one(organization)
    assert conversation.assignee_id == maya.membership_id
    assert conversations_take_back(organization=organization) == 0
    maya.on_duty = False
    maya.save()
    other = agent(organization)
    totals = care_route_all()
    conversation.refresh_from_db()
    assert totals == {"taken_back": 1, "routed": 1}
    assert conversation.assignee_id == other.membership_id
    assert AuditEvent.objects.filter(action="care.taken_back").count() == 1


def test_routing_stays_in_its_organization(organization: Any) -> None:
    agent(organization)
    foreign = ConversationFactory()
    conversations_route(organization=organization)
    foreign.refresh_from_db()
    assert foreign.assignee_id is None
