"""Teams as an organization channel: cards posted to a real webhook on loopback, what each
answer means (sent, retry, failed, stopped), which webhooks a category reaches, and the
SSRF-safe client refusing private addresses."""

from __future__ import annotations

import socket
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from django.utils import timezone

from chorus.core.models import AuditEvent
from chorus.factories import OrganizationFactory
from chorus.notifications.channels import OutcomeStatus, organization_channels
from chorus.notifications.messages import Action, Category, Channel, Item, Message
from chorus.notifications.models import Delivery, DeliveryStatus
from chorus.notifications.services.delivery import (
    dispatch_create,
    dispatch_enqueue_organization_channels,
    register_composer,
)
from chorus.notifications.services.sending import deliveries_send_run
from chorus.notifications.teams.channel import TeamsChannels
from chorus.notifications.teams.models import TeamsWebhook
from chorus.notifications.teams.tests.receiver import Receiver, webhook_for

SITE = "https://chorus.example"


def post_of_the_day(category: str = Category.POST_OF_THE_DAY) -> Message:
    return Message(
        category=category,
        subject="The post of the day",
        intro="One tap to share it, in your own words.",
        items=(
            Item(
                title="Acme opens a lab in Lisbon",
                text="Forty engineers.",
                url=f"{SITE}/feed/posts/7/",
                actions=(Action("Open to share", f"{SITE}/share/7/"),),
            ),
        ),
        url=f"{SITE}/feed/posts/7/",
    )


def post(webhook: TeamsWebhook, message: Message | None = None) -> Any:
    return TeamsChannels().post(
        organization=webhook.organization,
        destination_id=str(webhook.pk),
        message=message or post_of_the_day(),
    )


def test_teams_registers_as_an_organization_channel():
    assert isinstance(organization_channels()[Channel.TEAMS], TeamsChannels)


def test_a_card_reaches_the_webhook_in_the_documented_shape(organization, receiver: Receiver):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(202, headers={"x-ms-workflow-run-id": "08584"})

    outcome = post(webhook)

    assert outcome.status == OutcomeStatus.SENT
    assert outcome.remote_id == "08584"
    assert receiver.problems == []
    [card] = receiver.cards
    content = card["attachments"][0]["content"]
    assert content["body"][0]["text"] == "The post of the day"
    container = content["body"][2]
    assert container["items"][-1]["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open to share", "url": f"{SITE}/share/7/"}
    ]
    assert content["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open in Chorus", "url": f"{SITE}/feed/posts/7/"}
    ]
    assert receiver.headers[0]["content-type"] == "application/json"
    webhook.refresh_from_db()
    assert webhook.last_success_at is not None and webhook.last_error == ""


@pytest.mark.parametrize(
    ("status", "expected", "stop"),
    [
        (200, OutcomeStatus.SENT, False),
        (202, OutcomeStatus.SENT, False),
        (429, OutcomeStatus.RETRY, False),
        (500, OutcomeStatus.RETRY, False),
        (502, OutcomeStatus.RETRY, False),
        (503, OutcomeStatus.RETRY, False),
        (400, OutcomeStatus.FAILED, False),
        (413, OutcomeStatus.FAILED, False),
        (401, OutcomeStatus.FAILED, True),
        (403, OutcomeStatus.FAILED, True),
        (404, OutcomeStatus.FAILED, True),
        (410, OutcomeStatus.FAILED, True),
    ],
)
def test_each_answer_has_its_outcome(
    organization, receiver: Receiver, status: int, expected: str, stop: bool
):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(status)

    outcome = post(webhook)

    assert (outcome.status, outcome.stop) == (expected, stop)
    webhook.refresh_from_db()
    assert webhook.is_stopped is stop
    if expected != OutcomeStatus.SENT:
        assert str(status) in outcome.error
        assert webhook.last_error == outcome.error and webhook.last_error_at is not None


def test_too_many_requests_waits_as_long_as_teams_says(organization, receiver: Receiver):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(429, headers={"Retry-After": "120"})
    in_five_minutes = format_datetime(timezone.now() + timedelta(minutes=5), usegmt=True)
    receiver.answer(503, headers={"Retry-After": in_five_minutes})

    first, second = post(webhook), post(webhook)

    assert (first.status, first.retry_after) == (OutcomeStatus.RETRY, 120)
    assert second.status == OutcomeStatus.RETRY
    assert second.retry_after is not None and 280 <= second.retry_after <= 300


def test_a_refused_card_says_what_teams_said(organization, receiver: Receiver):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(
        400,
        b'{"error":{"code":"TriggerInputSchemaMismatch","message":"The input body for '
        b'trigger manual of type Request did not match its schema definition."}}',
        headers={"Content-Type": "application/json"},
    )

    outcome = post(webhook)

    assert outcome.status == OutcomeStatus.FAILED and not outcome.stop
    assert "TriggerInputSchemaMismatch: The input body for trigger manual" in outcome.error


def test_a_410_stops_the_webhook_until_an_admin_acts(organization, receiver: Receiver):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(410)

    outcome = post(webhook)

    assert outcome.status == OutcomeStatus.FAILED and outcome.stop
    webhook.refresh_from_db()
    assert webhook.stopped_at is not None
    assert "410" in webhook.stop_reason
    stopped = AuditEvent.objects.get(action="teams.webhook_stopped")
    assert stopped.actor is None and stopped.target_id == str(webhook.pk)
    assert receiver.url not in str(stopped.data)
    # It is no longer a destination, and a message queued before is not posted.
    channel = TeamsChannels()
    assert channel.destinations(organization=organization, category=Category.POST_OF_THE_DAY) == []
    later = post(webhook)
    assert later.status == OutcomeStatus.FAILED and not later.stop
    assert len(receiver.cards) == 1


def test_a_test_after_a_stop_gets_through_and_starts_the_webhook_again(
    organization, receiver: Receiver
):
    webhook = webhook_for(organization, receiver.url, stopped_at=timezone.now(), stop_reason="410")

    outcome = post(webhook, post_of_the_day(Category.TEST))

    assert outcome.status == OutcomeStatus.SENT
    webhook.refresh_from_db()
    assert not webhook.is_stopped and webhook.stop_reason == ""


def test_a_server_that_is_down_is_tried_again(organization, settings):
    settings.HTTP_ALLOW_LOOPBACK = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook = webhook_for(organization, f"http://127.0.0.1:{port}/hook")

    outcome = post(webhook)

    assert outcome.status == OutcomeStatus.RETRY
    webhook.refresh_from_db()
    assert not webhook.is_stopped and webhook.last_error


def test_a_private_address_is_refused_when_loopback_is_not_allowed(
    organization, receiver: Receiver, settings
):
    settings.HTTP_ALLOW_LOOPBACK = False
    webhook = webhook_for(organization, receiver.url.replace("http://", "https://"))

    outcome = post(webhook)

    assert outcome.status == OutcomeStatus.FAILED and outcome.stop
    assert "private or local network" in outcome.error
    assert receiver.cards == []
    webhook.refresh_from_db()
    assert webhook.is_stopped


def test_plain_http_is_never_posted_to_outside_tests(organization, receiver: Receiver, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    webhook = webhook_for(organization, receiver.url)

    outcome = post(webhook)

    assert outcome.status == OutcomeStatus.FAILED and outcome.stop
    assert receiver.cards == []


def test_destinations_are_the_running_webhooks_of_the_category(organization):
    announcements = webhook_for(
        organization, "https://a.example/h", name="News", categories=["announcement"]
    )
    both = webhook_for(organization, "https://b.example/h", name="All")
    webhook_for(organization, "https://c.example/h", name="Gone", stopped_at=timezone.now())
    webhook_for(
        organization, "https://d.example/h", name="Crisis", categories=[], crisis_alerts=True
    )
    webhook_for(OrganizationFactory(), "https://e.example/h", name="Elsewhere")
    channel = TeamsChannels()

    def ids(category: str) -> set[str]:
        found = channel.destinations(organization=organization, category=category)
        return {destination.id for destination in found}

    assert ids(Category.ANNOUNCEMENT) == {str(announcements.pk), str(both.pk)}
    assert ids(Category.POST_OF_THE_DAY) == {str(both.pk)}
    assert ids(Category.DIGEST) == set()
    assert len(ids(Category.TEST)) == 3
    labels = channel.destinations(organization=organization, category=Category.POST_OF_THE_DAY)
    assert [destination.label for destination in labels] == ["All"]


def test_another_organizations_webhook_is_never_posted_to(organization, receiver: Receiver):
    foreign = webhook_for(OrganizationFactory(), receiver.url)

    for destination in (str(foreign.pk), "abc", "²", "9" * 30):
        outcome = TeamsChannels().post(
            organization=organization, destination_id=destination, message=post_of_the_day()
        )
        assert outcome.status == OutcomeStatus.FAILED and not outcome.stop
    assert receiver.cards == []


def _announce(dispatch: Any, recipients: Any) -> list[Message | None]:
    return [post_of_the_day(Category.ANNOUNCEMENT) if r is None else None for r in recipients]


register_composer("teams_test_announcement", _announce)


def test_the_engine_posts_an_announcement_to_each_webhook_once(organization, receiver: Receiver):
    webhook_for(organization, receiver.url, name="News")
    webhook_for(organization, receiver.url, name="Other", categories=["post_of_the_day"])
    dispatch = dispatch_create(
        organization=organization,
        category=Category.ANNOUNCEMENT,
        key="announce:7",
        composer="teams_test_announcement",
        params={},
    )

    assert dispatch_enqueue_organization_channels(dispatch=dispatch) == 1
    assert dispatch_enqueue_organization_channels(dispatch=dispatch) == 0
    deliveries_send_run(organization_id=organization.pk)

    delivery = Delivery.objects.get(channel=Channel.TEAMS)
    assert delivery.status == DeliveryStatus.SENT and delivery.destination_label == "News"
    assert len(receiver.cards) == 1 and receiver.problems == []
