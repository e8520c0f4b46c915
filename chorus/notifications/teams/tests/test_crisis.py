"""Crisis alerts go at once to the channels chosen for them, and only there; a webhook that
is gone is stopped and the admins are told."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.messages import Action, Category, Message
from chorus.notifications.models import Notification
from chorus.notifications.teams.services.crisis import teams_crisis_alert
from chorus.notifications.teams.tests.receiver import Receiver, webhook_for


def alert() -> Message:
    return Message(
        category=Category.CARE,
        subject="Possible crisis: outage posts are spreading",
        intro="Flagged by Ada in customer care. Sharing is paused.",
        url="https://chorus.example/care/crisis/3/",
        actions=(Action("Open the flag", "https://chorus.example/care/crisis/3/"),),
    )


def test_a_crisis_alert_goes_only_to_the_channels_chosen_for_it(organization, receiver: Receiver):
    webhook_for(organization, receiver.url, name="Comms (private)", crisis_alerts=True)
    webhook_for(organization, receiver.url, name="General", crisis_alerts=False)
    webhook_for(
        organization, receiver.url, name="Gone", crisis_alerts=True, stopped_at=timezone.now()
    )
    webhook_for(OrganizationFactory(), receiver.url, name="Globex comms", crisis_alerts=True)

    accepted = teams_crisis_alert(organization=organization, message=alert())

    assert accepted == 1
    assert receiver.problems == []
    [card] = receiver.cards
    content = card["attachments"][0]["content"]
    assert content["body"][0]["text"] == "Possible crisis: outage posts are spreading"
    assert content["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Open the flag",
        "url": "https://chorus.example/care/crisis/3/",
    }


def test_failures_are_recorded_and_a_gone_webhook_tells_the_admins(
    organization, admin_member, receiver: Receiver
):
    busy = webhook_for(organization, receiver.url, name="Busy", crisis_alerts=True)
    gone = webhook_for(organization, receiver.url, name="Gone", crisis_alerts=True)
    employee: Any = MembershipFactory(organization=organization)
    receiver.answer(503)
    receiver.answer(410)

    accepted = teams_crisis_alert(organization=organization, message=alert())

    assert accepted == 0
    busy.refresh_from_db()
    gone.refresh_from_db()
    assert "503" in busy.last_error and not busy.is_stopped
    assert gone.is_stopped and "410" in gone.stop_reason
    [told] = Notification.objects.filter(kind="teams_webhook_stopped")
    assert told.membership_id == admin_member.pk
    assert "“Gone”" in told.message
    assert not Notification.objects.filter(membership_id=employee.pk).exists()


def test_no_crisis_channel_posts_nothing(organization, receiver: Receiver):
    webhook_for(organization, receiver.url)

    assert teams_crisis_alert(organization=organization, message=alert()) == 0
    assert receiver.cards == []
