"""A member links their own Slack account: found by their email (users.lookupByEmail on a
stand-in for Slack), confirmed on the page, unlinked at any time; nobody links someone
else's account."""

from __future__ import annotations

import pytest

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory
from chorus.notifications.models import ChannelStop, StopReason
from chorus.notifications.slack.models import SlackMemberLink
from chorus.notifications.slack.tests.conftest import make_link
from chorus.notifications.slack.tests.slack_server import BOT_TOKEN

pytestmark = pytest.mark.django_db


def test_without_slack_the_page_says_so(employee_client):
    page = employee_client.get("/me/slack/").content.decode()
    assert "has not connected Slack" in page


def test_a_member_finds_confirms_and_unlinks_their_account(
    employee_client, employee, workspace, slack
):
    slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone")
    page = employee_client.get("/me/slack/").content.decode()
    assert "Link my Slack account" in page and "emma@acme.test" in page

    employee_client.post("/me/slack/find/")
    (lookup,) = slack.calls_to("users.lookupByEmail")
    assert lookup.args["email"] == "emma@acme.test"
    assert lookup.token == BOT_TOKEN
    # Nothing is linked before the member confirms.
    assert not SlackMemberLink.objects.exists()
    page = employee_client.get("/me/slack/").content.decode()
    assert "Is this you?" in page and "<strong>Emma</strong>" in page

    employee_client.post("/me/slack/confirm/", {"action": "confirm"})
    link = SlackMemberLink.objects.get(membership=employee)
    assert (link.slack_user_id, link.slack_name, link.workspace) == ("U0EMMA", "Emma", workspace)
    assert AuditEvent.objects.filter(action="slack.account_linked").exists()
    page = employee_client.get("/me/slack/").content.decode()
    assert "Your Slack account is linked" in page

    employee_client.post("/me/slack/unlink/")
    assert not SlackMemberLink.objects.exists()
    assert AuditEvent.objects.filter(action="slack.account_unlinked").exists()


def test_linking_again_starts_slack_again_for_the_member(
    employee_client, employee, workspace, slack
):
    ChannelStop.objects.create(
        organization=employee.organization,
        membership=employee,
        channel="slack",
        reason=StopReason.REVOKED,
    )
    slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone")
    employee_client.post("/me/slack/find/")
    employee_client.post("/me/slack/confirm/", {"action": "confirm"})
    assert not ChannelStop.objects.filter(membership=employee).exists()


def test_cancelling_links_nothing(employee_client, workspace, slack):
    slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone")
    employee_client.post("/me/slack/find/")
    employee_client.post("/me/slack/confirm/", {"action": "cancel"})
    assert not SlackMemberLink.objects.exists()
    assert "Link my Slack account" in employee_client.get("/me/slack/").content.decode()


def test_an_account_sent_in_the_form_is_never_linked(employee_client, workspace, slack):
    slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone")
    employee_client.post(
        "/me/slack/confirm/", {"action": "confirm", "user_id": "U0BOSS", "slack_user_id": "U0BOSS"}
    )
    assert not SlackMemberLink.objects.exists()


@pytest.mark.parametrize(
    ("extra", "words"),
    [(None, "No Slack account in Acme Inc uses"), ({"deleted": True}, "No active Slack account")],
)
def test_no_account_for_the_members_email_links_nothing(
    employee_client, workspace, slack, extra, words
):
    if extra is not None:
        slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone", **extra)
    response = employee_client.post("/me/slack/find/", follow=True)
    assert words in response.content.decode()
    assert "Is this you?" not in response.content.decode()
    employee_client.post("/me/slack/confirm/", {"action": "confirm"})
    assert not SlackMemberLink.objects.exists()


def test_an_account_linked_to_another_member_is_refused(
    employee_client, organization, workspace, slack
):
    slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone")
    make_link(workspace, MembershipFactory(organization=organization), "U0EMMA")
    employee_client.post("/me/slack/find/")
    response = employee_client.post("/me/slack/confirm/", {"action": "confirm"}, follow=True)
    assert "already linked to another member" in response.content.decode()
    assert SlackMemberLink.objects.count() == 1


def test_a_found_account_does_not_follow_the_member_to_another_organization(
    client, employee, workspace, slack
):
    """The candidate in the session belongs to one membership: switching organization
    (another membership of the same person) does not carry it along."""
    slack.add_user("emma@acme.test", "U0EMMA", "Emma Stone")
    client.force_login(employee.user)
    client.post("/me/slack/find/")
    session = client.session
    session["slack_link_candidate"]["membership"] = employee.pk + 1000
    session.save()
    client.post("/me/slack/confirm/", {"action": "confirm"})
    assert not SlackMemberLink.objects.exists()


def test_a_dead_token_while_linking_stops_the_workspace(employee_client, workspace, slack):
    slack.fail("users.lookupByEmail", "invalid_auth")
    response = employee_client.post("/me/slack/find/", follow=True)
    assert "your admins were told" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.revoked_at is not None


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/me/slack/", "/me/slack/find/", "/me/slack/confirm/", "/me/slack/unlink/"):
        response = client.post(url) if url != "/me/slack/" else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
