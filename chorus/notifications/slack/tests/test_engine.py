"""Slack through the delivery engine: an admin's "send a test" to a Slack channel and to
their own Slack account reaches the stand-in for Slack and is logged with Slack's ts; a
dead channel is logged as stopped."""

from __future__ import annotations

import pytest

from chorus.notifications.messages import Channel
from chorus.notifications.models import DeliveryStatus
from chorus.notifications.services.delivery import send_test
from chorus.notifications.slack.tests.conftest import make_link, make_route

pytestmark = pytest.mark.django_db


def test_a_test_to_a_slack_channel(organization, admin_member, workspace, slack):
    route = make_route(workspace, "C0DAILY")
    delivery = send_test(
        organization=organization,
        channel=Channel.SLACK,
        requested_by=admin_member,
        destination_id=str(route.pk),
    )
    assert delivery.status == DeliveryStatus.SENT
    (call,) = slack.calls_to("chat.postMessage")
    assert call.args["channel"] == "C0DAILY"
    assert call.args["blocks"][0]["text"]["text"] == "A test from Chorus"
    assert delivery.remote_id == "1700000000.000001"


def test_a_test_to_my_own_slack_account(organization, admin_member, workspace, slack):
    slack.add_user("ada@acme.test", "U0ADA", "Ada Lovelace")
    make_link(workspace, admin_member, "U0ADA")
    delivery = send_test(
        organization=organization, channel=Channel.SLACK, requested_by=admin_member
    )
    assert delivery.status == DeliveryStatus.SENT
    assert [call.method for call in slack.calls] == ["conversations.open", "chat.postMessage"]
    assert slack.calls[1].args["channel"] == "D0ADA"


def test_a_test_to_an_archived_channel_fails_and_stops_it(
    organization, admin_member, workspace, slack
):
    route = make_route(workspace, "C0OLD")
    slack.fail("chat.postMessage", "is_archived")
    delivery = send_test(
        organization=organization,
        channel=Channel.SLACK,
        requested_by=admin_member,
        destination_id=str(route.pk),
    )
    assert delivery.status == DeliveryStatus.FAILED
    assert "is_archived" in delivery.error
    route.refresh_from_db()
    assert route.stopped_at is not None
