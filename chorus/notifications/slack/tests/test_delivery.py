"""Slack as a delivery channel, against a stand-in for Slack on loopback: posts to channels and
direct messages in the shape chat.postMessage documents, and what each of Slack's errors
means (retry with Retry-After, the workspace revoked, the channel stopped, the member
unlinked)."""

from __future__ import annotations

from typing import Any

import pytest

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.channels import (
    OutcomeStatus,
    Outgoing,
    member_channel,
    organization_channels,
)
from chorus.notifications.messages import Action, Category, Channel, Item, Message
from chorus.notifications.slack.channels import SlackChannels, SlackDirectMessages
from chorus.notifications.slack.models import SlackMemberLink, SlackWorkspace
from chorus.notifications.slack.services.posting import slack_crisis_alert
from chorus.notifications.slack.tests.conftest import make_link, make_route
from chorus.notifications.slack.tests.slack_server import BOT_TOKEN

pytestmark = pytest.mark.django_db

SHARE = "https://chorus.example/share/42/?t=abc"


def post_of_the_day() -> Message:
    return Message(
        category=Category.POST_OF_THE_DAY,
        subject="The post of the day",
        intro="Share it in your own words.",
        url="https://chorus.example/feed/",
        items=(
            Item(
                title="Our new office",
                text="Opening in June",
                url="https://chorus.example/posts/42/",
                image_url="https://chorus.example/media/42.webp",
                actions=(Action("Share", SHARE),),
            ),
        ),
    )


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_both_channels_are_registered():
    assert isinstance(member_channel(Channel.SLACK), SlackDirectMessages)
    assert isinstance(organization_channels()[Channel.SLACK], SlackChannels)


def test_destinations_are_the_channels_chosen_for_the_category(organization, workspace):
    announced = make_route(workspace, "C0NEWS", channel_name="news", categories=["announcement"])
    daily = make_route(workspace, "C0DAILY", channel_name="daily", categories=["post_of_the_day"])
    make_route(
        workspace,
        "C0STOP",
        channel_name="stopped",
        categories=["post_of_the_day"],
        stopped_at=workspace.installed_at,
    )
    channels = SlackChannels()
    found = channels.destinations(organization=organization, category="post_of_the_day")
    assert [(d.id, d.label) for d in found] == [(str(daily.pk), "#daily")]
    found = channels.destinations(organization=organization, category="announcement")
    assert [d.id for d in found] == [str(announced.pk)]
    workspace.revoked_at = workspace.installed_at
    workspace.save()
    assert channels.destinations(organization=organization, category="announcement") == []


def test_a_post_has_the_documented_shape(organization, workspace, slack):
    route = make_route(workspace, "C0DAILY")
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.SENT
    assert outcome.remote_id.startswith("1700000000.")
    (call,) = slack.calls_to("chat.postMessage")
    assert call.verb == "POST"
    assert call.headers["content-type"].startswith("application/json")
    assert call.token == BOT_TOKEN
    assert call.args["channel"] == "C0DAILY"
    assert call.args["text"].startswith("The post of the day")
    assert call.args["unfurl_links"] is False
    blocks = call.args["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "The post of the day", "emoji": True},
    }
    assert all(button["type"] == "button" and button["url"] for button in buttons(blocks))
    assert SHARE in {button["url"] for button in buttons(blocks)}


def test_a_post_to_another_organizations_channel_goes_nowhere(organization, workspace, slack):
    other = OrganizationFactory(name="Globex", slug="globex")
    theirs = SlackWorkspace.objects.create(
        organization=other, team_id="T0GLOBEX", bot_token=BOT_TOKEN
    )
    route = make_route(theirs, "C0THEIRS")
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.FAILED
    for junk in ("", "abc", "-1", "9" * 40):
        outcome = SlackChannels().post(
            organization=organization, destination_id=junk, message=post_of_the_day()
        )
        assert outcome.status == OutcomeStatus.FAILED
    assert slack.calls == []


def test_a_rate_limit_is_retried_after_what_slack_said(organization, workspace, slack):
    route = make_route(workspace)
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "30"})
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.RETRY
    assert outcome.retry_after == 30
    assert "ratelimited" in outcome.error


@pytest.mark.parametrize(
    "failure",
    [
        {"error": "", "status": 503, "raw": "Service Unavailable"},
        {"error": "internal_error"},
        {"error": "fatal_error", "status": 500},
    ],
)
def test_slacks_own_trouble_is_retried(organization, workspace, slack, failure):
    route = make_route(workspace)
    slack.fail("chat.postMessage", **failure)
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.RETRY
    assert outcome.stop is False
    route.refresh_from_db()
    assert route.stopped_at is None


def test_slack_out_of_reach_is_retried(organization, workspace, settings):
    route = make_route(workspace)
    settings.SLACK_API_URL = "http://127.0.0.1:9/api/"
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.RETRY
    assert "could not be reached" in outcome.error


@pytest.mark.parametrize(
    "error", ["invalid_auth", "token_revoked", "account_inactive", "not_authed"]
)
def test_a_dead_token_stops_and_revokes_the_workspace(
    organization, admin_member, workspace, slack, error
):
    route = make_route(workspace)
    slack.fail("chat.postMessage", error)
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.FAILED
    assert outcome.stop is True
    workspace.refresh_from_db()
    assert workspace.revoked_at is not None and workspace.bot_token == ""
    assert workspace.revoked_reason == "refused"
    assert AuditEvent.objects.filter(action="slack.revoked", actor=None).exists()
    # Nothing is posted any more.
    again = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert again.status == OutcomeStatus.FAILED
    assert len(slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "not_in_channel"])
def test_a_channel_slack_refuses_is_stopped(organization, workspace, slack, error):
    route = make_route(workspace)
    other = make_route(workspace, "C0OTHER", channel_name="other")
    slack.fail("chat.postMessage", error)
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.FAILED and outcome.stop is True
    route.refresh_from_db()
    assert route.stopped_at is not None and error in route.stopped_reason
    assert AuditEvent.objects.filter(action="slack.channel_stopped").count() == 1
    workspace.refresh_from_db()
    assert workspace.is_connected
    destinations = SlackChannels().destinations(organization=organization, category="announcement")
    assert [d.id for d in destinations] == [str(other.pk)]
    # Posting there again (an admin's test) tries nothing and stops nothing new.
    again = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert again.status == OutcomeStatus.FAILED and again.stop is False
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_message_slack_rejects_fails_without_stopping(organization, workspace, slack):
    route = make_route(workspace)
    slack.fail("chat.postMessage", "invalid_blocks")
    outcome = SlackChannels().post(
        organization=organization, destination_id=str(route.pk), message=post_of_the_day()
    )
    assert outcome.status == OutcomeStatus.FAILED and outcome.stop is False
    route.refresh_from_db()
    assert route.stopped_at is None


# Direct messages -----------------------------------------------------------------------


def outgoing(membership: Any, index: int = 0) -> Outgoing:
    return Outgoing(
        delivery_id=index + 1, key=f"k{index}", membership=membership, message=post_of_the_day()
    )


@pytest.fixture
def members(organization: Any, workspace: Any, slack: Any) -> list[Any]:
    found = []
    for name in ["Ana", "Ben", "Cleo"]:
        member = MembershipFactory(organization=organization, user__email=f"{name}@acme.test")
        user_id = f"U0{name.upper()}"
        slack.add_user(f"{name}@acme.test", user_id, name)
        make_link(workspace, member, user_id)
        found.append(member)
    return found


def test_reachable_members_linked_their_account_in_a_connected_workspace(
    organization, workspace, members, employee
):
    ids = [m.pk for m in members] + [employee.pk]
    channel = SlackDirectMessages()
    assert channel.reachable(organization=organization, membership_ids=ids) == {
        m.pk for m in members
    }
    workspace.revoked_at = workspace.installed_at
    workspace.save()
    assert channel.reachable(organization=organization, membership_ids=ids) == set()


def test_a_direct_message_opens_the_conversation_then_posts_to_it(organization, members, slack):
    outcomes = SlackDirectMessages().send(
        organization=organization, batch=[outgoing(m, i) for i, m in enumerate(members)]
    )
    assert [o.status for o in outcomes] == [OutcomeStatus.SENT] * 3
    opened = slack.calls_to("conversations.open")
    assert [call.args["users"] for call in opened] == ["U0ANA", "U0BEN", "U0CLEO"]
    posted = slack.calls_to("chat.postMessage")
    assert [call.args["channel"] for call in posted] == ["D0ANA", "D0BEN", "D0CLEO"]
    assert all(call.args["blocks"] and call.args["text"] for call in posted)
    # One after the other for each member: open, then post.
    methods = [call.method for call in slack.calls]
    assert methods == ["conversations.open", "chat.postMessage"] * 3


def test_a_member_slack_no_longer_knows_is_stopped_and_unlinked(organization, members, slack):
    slack.fail("conversations.open", "user_not_found")
    outcomes = SlackDirectMessages().send(
        organization=organization, batch=[outgoing(m, i) for i, m in enumerate(members)]
    )
    assert outcomes[0].status == OutcomeStatus.FAILED and outcomes[0].stop is True
    assert [o.status for o in outcomes[1:]] == [OutcomeStatus.SENT] * 2
    assert not SlackMemberLink.objects.filter(membership=members[0]).exists()
    assert AuditEvent.objects.filter(action="slack.account_lost").count() == 1


def test_a_dead_token_ends_the_batch(organization, workspace, members, slack):
    slack.fail("conversations.open", "token_revoked")
    outcomes = SlackDirectMessages().send(
        organization=organization, batch=[outgoing(m, i) for i, m in enumerate(members)]
    )
    assert outcomes[0].status == OutcomeStatus.FAILED and outcomes[0].stop is True
    assert all(o.status == OutcomeStatus.FAILED for o in outcomes[1:])
    assert len(slack.calls) == 1
    workspace.refresh_from_db()
    assert workspace.revoked_at is not None


def test_a_rate_limit_holds_the_rest_of_the_batch(organization, members, slack):
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "7"})
    outcomes = SlackDirectMessages().send(
        organization=organization, batch=[outgoing(m, i) for i, m in enumerate(members)]
    )
    assert [(o.status, o.retry_after) for o in outcomes] == [(OutcomeStatus.RETRY, 7)] * 3
    assert len(slack.calls) == 2


def test_a_member_who_unlinked_meanwhile_is_not_messaged(organization, members, slack):
    SlackMemberLink.objects.filter(membership=members[1]).delete()
    outcomes = SlackDirectMessages().send(
        organization=organization, batch=[outgoing(m, i) for i, m in enumerate(members)]
    )
    assert [o.status for o in outcomes] == [
        OutcomeStatus.SENT,
        OutcomeStatus.FAILED,
        OutcomeStatus.SENT,
    ]
    assert [call.args["users"] for call in slack.calls_to("conversations.open")] == [
        "U0ANA",
        "U0CLEO",
    ]


# Crisis alerts -------------------------------------------------------------------------


def test_crisis_alerts_go_only_to_the_channels_marked_for_them(organization, workspace, slack):
    make_route(workspace, "C0GENERAL", channel_name="general")
    make_route(
        workspace,
        "C0COMMS",
        channel_name="comms",
        is_private=True,
        categories=[],
        crisis_alerts=True,
    )
    alert = Message(category="care", subject="Possible crisis", intro="Check the care inbox.")
    assert slack_crisis_alert(organization=organization, message=alert) == 1
    assert [call.args["channel"] for call in slack.calls_to("chat.postMessage")] == ["C0COMMS"]


def test_a_crisis_alert_never_fails_when_slack_is_down(organization, workspace, settings):
    make_route(workspace, "C0COMMS", crisis_alerts=True)
    settings.SLACK_API_URL = "http://127.0.0.1:9/api/"
    alert = Message(category="care", subject="Possible crisis")
    assert slack_crisis_alert(organization=organization, message=alert) == 0


def test_no_crisis_alert_without_slack(organization):
    alert = Message(category="care", subject="Possible crisis")
    assert slack_crisis_alert(organization=organization, message=alert) == 0
