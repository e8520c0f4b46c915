"""Breach warnings: a conversation coming close to its target is warned about once, to
its assignee, or (unassigned) to the care staff who opted in (the admins when nobody
did); then once more about its resolution after the first answer. The selector the inbox
uses finds the breaching ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from chorus.care.models import Conversation, ConversationStatus
from chorus.care.selectors.reports import conversations_breaching
from chorus.care.services.settings import care_settings_update
from chorus.care.services.targets import conversation_targets_set
from chorus.care.tasks import care_breach_warnings_send
from chorus.factories import CareAgentFactory, ConversationFactory, MembershipFactory
from chorus.notifications.models import Notification

NOW = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def conversation(organization: Any, *, minutes_ago: int, **fields: Any) -> Any:
    """An urgent conversation (first answer due 30 minutes after it opened, resolution 240)."""
    found: Any = ConversationFactory(
        organization=organization,
        priority="urgent",
        opened_at=NOW - timedelta(minutes=minutes_ago),
        **fields,
    )
    return conversation_targets_set(conversation=found)


def warned(membership: Any) -> list[str]:
    return list(
        Notification.objects.filter(membership=membership, kind="care.breach_warning")
        .order_by("pk")
        .values_list("message", flat=True)
    )


def test_the_assignee_is_warned_once_before_the_first_response_target(
    organization: Any, clock: Any, admin_member: Any
) -> None:
    agent = MembershipFactory(organization=organization)
    CareAgentFactory(membership=agent, timezone="Europe/Berlin")
    close = conversation(organization, minutes_ago=20, assignee=agent)
    far = conversation(organization, minutes_ago=1, assignee=agent)
    assert care_breach_warnings_send.call() == 1
    messages = warned(agent)
    assert len(messages) == 1
    # Due 10:10 UTC, read in the agent's own time zone.
    assert "11:10 CET" in messages[0]
    assert close.customer_handle in messages[0]
    assert warned(admin_member) == []
    close.refresh_from_db()
    assert close.breach_warned_at == NOW
    # Once: the next runs say nothing more about it.
    clock.shift(timedelta(minutes=5))
    assert care_breach_warnings_send.call() == 0
    assert len(warned(agent)) == 1
    # The other comes within the window later, and is warned then.
    clock.shift(timedelta(minutes=15))
    assert care_breach_warnings_send.call() == 1
    far.refresh_from_db()
    assert far.breach_warned_at is not None


def test_after_the_first_answer_the_resolution_is_warned_once_more(
    organization: Any, clock: Any
) -> None:
    agent = MembershipFactory(organization=organization)
    item = conversation(organization, minutes_ago=20, assignee=agent)
    care_breach_warnings_send.call()
    Conversation.objects.filter(pk=item.pk).update(
        first_response_at=NOW + timedelta(minutes=1), status=ConversationStatus.ANSWERED
    )
    clock.shift(timedelta(minutes=210))  # resolution due at 220
    assert care_breach_warnings_send.call() == 1
    messages = warned(agent)
    assert len(messages) == 2
    assert "should be closed" in messages[1]
    clock.shift(timedelta(minutes=5))
    assert care_breach_warnings_send.call() == 0


def test_unassigned_goes_to_care_staff_who_opted_in(organization: Any, clock: Any) -> None:
    admin = MembershipFactory(organization=organization, is_admin=True)
    curator_in = MembershipFactory(organization=organization, is_curator=True)
    CareAgentFactory(membership=curator_in)
    curator_out = MembershipFactory(organization=organization, is_curator=True)
    employee_in = MembershipFactory(organization=organization)
    CareAgentFactory(membership=employee_in)
    conversation(organization, minutes_ago=25)
    assert care_breach_warnings_send.call() == 1
    assert len(warned(curator_in)) == 1
    assert warned(admin) == []
    assert warned(curator_out) == []
    assert warned(employee_in) == []


def test_unassigned_goes_to_the_admins_when_no_staff_opted_in(
    organization: Any, clock: Any, admin_member: Any
) -> None:
    curator = MembershipFactory(organization=organization, is_curator=True)
    conversation(organization, minutes_ago=25)
    # Another organization's conversation warns its own people only.
    other = conversation(MembershipFactory().organization, minutes_ago=25)
    assert care_breach_warnings_send.call() == 2
    assert len(warned(admin_member)) == 1
    assert warned(curator) == []
    other.refresh_from_db()
    assert other.breach_warned_at == NOW


def test_closed_and_escalated_conversations_are_not_warned(
    organization: Any, clock: Any, admin_member: Any
) -> None:
    conversation(organization, minutes_ago=25, status=ConversationStatus.CLOSED, resolved_at=NOW)
    conversation(organization, minutes_ago=25, status=ConversationStatus.ESCALATED)
    assert care_breach_warnings_send.call() == 0


def test_the_warning_window_follows_the_settings(
    organization: Any, clock: Any, admin_member: Any
) -> None:
    care_settings_update(organization=organization, actor=None, warn_minutes=5)
    conversation(organization, minutes_ago=20)  # due in 10 minutes: outside 5
    assert care_breach_warnings_send.call() == 0
    clock.shift(timedelta(minutes=6))
    assert care_breach_warnings_send.call() == 1


def test_a_longer_target_lets_a_warned_conversation_be_warned_again_later(
    organization: Any, clock: Any, admin_member: Any
) -> None:
    item = conversation(organization, minutes_ago=25)
    care_breach_warnings_send.call()
    care_settings_update(
        organization=organization, actor=None, first_response_minutes={"urgent": 120}
    )
    item.refresh_from_db()
    assert item.breach_warned_at is None
    assert item.first_response_due == item.opened_at + timedelta(minutes=120)


def test_the_inbox_finds_conversations_breaching_or_about_to(organization: Any, clock: Any) -> None:
    late = conversation(organization, minutes_ago=40)
    soon = conversation(organization, minutes_ago=25)
    conversation(organization, minutes_ago=1)
    answered = conversation(organization, minutes_ago=40)
    Conversation.objects.filter(pk=answered.pk).update(first_response_at=NOW)
    assert set(conversations_breaching(organization=organization)) == {late}
    assert set(
        conversations_breaching(organization=organization, within=timedelta(minutes=10))
    ) == {late, soon}
