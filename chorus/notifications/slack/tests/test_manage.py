"""The admin's Slack page against a stand-in for Slack on loopback: the OAuth v2 install
(state bound to the session, the code exchanged, the token encrypted at rest), disconnecting
with auth.revoke, choosing channels from conversations.list (paged by cursor), and who may
do any of it."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.models import ChannelStop, Notification
from chorus.notifications.slack.models import SlackChannelRoute, SlackMemberLink, SlackWorkspace
from chorus.notifications.slack.tests.conftest import make_link, make_route
from chorus.notifications.slack.tests.slack_server import (
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    CODE,
    TEAM_ID,
)

pytestmark = pytest.mark.django_db


def start_install(client: Any) -> str:
    """Press "Add to Slack"; the state Slack will send back."""
    response = client.post("/manage/slack/install/")
    assert response.status_code == 200
    url = response.context["url"]
    query = parse_qs(urlsplit(url).query)
    return str(query["state"][0])


def test_without_credentials_the_page_says_what_the_operator_must_set(admin_client, settings):
    settings.SLACK_CLIENT_ID = ""
    settings.SLACK_CLIENT_SECRET = ""
    settings.SLACK_SIGNING_SECRET = ""
    response = admin_client.get("/manage/slack/")
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"):
        assert f"<code>{name}</code>" in page
    assert "/manage/slack/callback/" in page and "/slack/events" in page
    assert "Add to Slack" not in page
    # Pressing the button anyway stores nothing and sends nobody to Slack.
    response = admin_client.post("/manage/slack/install/")
    assert response.status_code == 302
    assert "slack_install" not in admin_client.session


def test_add_to_slack_sends_the_admin_to_slack_with_the_bot_scopes(admin_client, slack):
    page = admin_client.get("/manage/slack/").content.decode()
    assert "Add to Slack" in page
    response = admin_client.post("/manage/slack/install/")
    url = response.context["url"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://slack.example/oauth/v2/authorize"
    )
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [
        "chat:write,channels:read,groups:read,im:write,users:read,users:read.email"
    ]
    assert query["redirect_uri"] == ["https://chorus.example/manage/slack/callback/"]
    assert query["state"][0] == admin_client.session["slack_install"]["state"]
    assert len(query["state"][0]) >= 40
    # A page that moves on by itself (the CSP's form-action blocks an off-site redirect).
    assert f'content="0;url={url.replace("&", "&amp;")}"' in response.content.decode()


def test_the_callback_stores_the_workspace_with_its_token_encrypted(
    admin_client, admin_member, slack
):
    state = start_install(admin_client)
    response = admin_client.get("/manage/slack/callback/", {"code": CODE, "state": state})
    assert response.status_code == 302 and response["Location"] == "/manage/slack/"

    exchange = slack.calls_to("oauth.v2.access")
    assert len(exchange) == 1
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert exchange[0].headers["authorization"] == f"Basic {basic}"
    assert exchange[0].args["code"] == CODE
    assert exchange[0].args["redirect_uri"] == "https://chorus.example/manage/slack/callback/"

    workspace = SlackWorkspace.objects.get(organization=admin_member.organization)
    assert (workspace.team_id, workspace.team_name) == (TEAM_ID, "Acme Inc")
    assert workspace.bot_token == BOT_TOKEN
    assert workspace.installed_by == admin_member
    assert workspace.is_connected
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bot_token FROM notifications_slack_slackworkspace WHERE id = %s",
            [workspace.pk],
        )
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and BOT_TOKEN not in stored
    assert AuditEvent.objects.filter(action="slack.connected", target_id=str(workspace.pk)).exists()
    assert "slack_install" not in admin_client.session
    page = admin_client.get("/manage/slack/").content.decode()
    assert "Connected to Acme Inc" in page


@pytest.mark.parametrize(
    "params",
    [
        {"code": CODE, "state": "someone-elses-state"},
        {"code": CODE},
        {"error": "access_denied", "state": "{state}"},
    ],
)
def test_a_callback_that_does_not_match_stores_nothing(admin_client, organization, slack, params):
    state = start_install(admin_client)
    params = {key: value.replace("{state}", state) for key, value in params.items()}
    response = admin_client.get("/manage/slack/callback/", params)
    assert response.status_code == 302
    assert not SlackWorkspace.objects.filter(organization=organization).exists()
    assert slack.calls_to("oauth.v2.access") == []
    # The state was used up: the right one later does not work either.
    admin_client.get("/manage/slack/callback/", {"code": CODE, "state": state})
    assert not SlackWorkspace.objects.filter(organization=organization).exists()


def test_a_callback_without_an_install_started_here_stores_nothing(admin_client, slack):
    response = admin_client.get("/manage/slack/callback/", {"code": CODE, "state": "x"})
    assert response.status_code == 302
    assert not SlackWorkspace.objects.exists()
    assert slack.calls == []


def test_a_code_slack_refuses_stores_nothing(admin_client, organization, slack):
    state = start_install(admin_client)
    admin_client.get("/manage/slack/callback/", {"code": "stolen", "state": state})
    assert not SlackWorkspace.objects.filter(organization=organization).exists()
    assert len(slack.calls_to("oauth.v2.access")) == 1


def test_installing_again_in_the_same_team_brings_channels_and_links_back(
    admin_client, organization, workspace, employee, slack
):
    route = make_route(workspace)
    make_link(workspace, employee, "U0EMMA")
    # Direct messages stopped for the member while the token was dead.
    ChannelStop.objects.create(
        organization=organization, membership=employee, channel="slack", reason="revoked"
    )
    workspace.revoked_at = workspace.installed_at
    workspace.bot_token = ""
    workspace.save()
    state = start_install(admin_client)
    admin_client.get("/manage/slack/callback/", {"code": CODE, "state": state})
    workspace.refresh_from_db()
    assert workspace.is_connected
    assert SlackChannelRoute.objects.filter(pk=route.pk).exists()
    assert SlackMemberLink.objects.filter(membership=employee).exists()
    assert not ChannelStop.objects.filter(membership=employee).exists()


def test_installing_in_another_team_forgets_the_old_one(
    admin_client, organization, workspace, employee, slack
):
    make_route(workspace)
    make_link(workspace, employee, "U0EMMA")
    slack.team = {"id": "T0OTHER", "name": "Other"}
    slack.token_to_issue = "xoxb-other-team"
    state = start_install(admin_client)
    admin_client.get("/manage/slack/callback/", {"code": CODE, "state": state})
    workspace.refresh_from_db()
    assert (workspace.team_id, workspace.bot_token) == ("T0OTHER", "xoxb-other-team")
    assert not SlackChannelRoute.objects.filter(organization=organization).exists()
    assert not SlackMemberLink.objects.filter(organization=organization).exists()
    # The old team's token was revoked in Slack.
    assert [call.token for call in slack.calls_to("auth.revoke")] == [BOT_TOKEN]


def test_disconnecting_revokes_the_token_in_slack_and_forgets_it(
    admin_client, organization, workspace, slack
):
    response = admin_client.post("/manage/slack/disconnect/")
    assert response.status_code == 302
    revoke = slack.calls_to("auth.revoke")
    assert len(revoke) == 1 and revoke[0].token == BOT_TOKEN
    workspace.refresh_from_db()
    assert workspace.revoked_at is not None and workspace.bot_token == ""
    assert workspace.revoked_reason == "disconnected"
    assert AuditEvent.objects.filter(action="slack.disconnected").exists()
    page = admin_client.get("/manage/slack/").content.decode()
    assert "Add to Slack" in page and "An admin disconnected it." in page


def test_disconnecting_while_slack_is_down_still_forgets_the_token(
    admin_client, workspace, slack, settings
):
    settings.SLACK_API_URL = "http://127.0.0.1:9/api/"
    response = admin_client.post("/manage/slack/disconnect/", follow=True)
    workspace.refresh_from_db()
    assert workspace.bot_token == "" and workspace.revoked_at is not None
    assert "could not be reached" in response.content.decode()


def test_channels_are_listed_page_by_page_with_slacks_cursor(admin_client, workspace, slack):
    slack.page_size = 2
    slack.add_channel("C0GENERAL", "general")
    slack.add_channel("C0NEWS", "news", member=False)
    slack.add_channel("C0COMMS", "comms-team", private=True)
    first = admin_client.get("/manage/slack/channels/")
    page = first.content.decode()
    assert "#general" in page and "#news" in page and "#comms-team" not in page
    assert "/invite @Chorus" in page  # the bot is not in #news yet
    assert first.context["next_cursor"] == "cursor-2"
    call = slack.calls_to("conversations.list")[0]
    assert call.token == BOT_TOKEN
    assert call.args["types"] == "public_channel,private_channel"
    assert call.args["exclude_archived"] in ("1", "true", True)
    second = admin_client.get("/manage/slack/channels/", {"cursor": "cursor-2"})
    assert "#comms-team" in second.content.decode()
    assert slack.calls_to("conversations.list")[1].args["cursor"] == "cursor-2"
    assert second.context["next_cursor"] == ""


def test_adding_a_channel_asks_slack_about_it(admin_client, admin_member, workspace, slack):
    slack.add_channel("C0COMMS", "comms-team", private=True)
    response = admin_client.post(
        "/manage/slack/channels/add/",
        {
            "prefix": "add-C0COMMS",
            "add-C0COMMS-channel_id": "C0COMMS",
            "add-C0COMMS-categories": ["post_of_the_day"],
            "add-C0COMMS-crisis_alerts": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/manage/slack/"
    route = SlackChannelRoute.objects.get(workspace=workspace)
    assert (route.channel_id, route.channel_name, route.is_private) == (
        "C0COMMS",
        "comms-team",
        True,
    )
    assert route.categories == ["post_of_the_day"]
    assert route.crisis_alerts is True
    assert route.created_by == admin_member
    assert slack.calls_to("conversations.info")[0].args["channel"] == "C0COMMS"
    assert AuditEvent.objects.filter(action="slack.channel_added").exists()
    page = admin_client.get("/manage/slack/").content.decode()
    assert "#comms-team" in page


@pytest.mark.parametrize("channel_id", ["C0NOSUCH", "not-an-id", "D0DIRECT"])
def test_a_channel_slack_does_not_know_is_refused(admin_client, workspace, slack, channel_id):
    response = admin_client.post(
        "/manage/slack/channels/add/",
        {"channel_id": channel_id, "categories": ["announcement"]},
        follow=True,
    )
    assert response.status_code == 200
    assert not SlackChannelRoute.objects.exists()


def test_an_archived_channel_is_refused(admin_client, workspace, slack):
    slack.add_channel("C0OLD", "old")
    slack.channels[0]["is_archived"] = True
    admin_client.post("/manage/slack/channels/add/", {"channel_id": "C0OLD"})
    assert not SlackChannelRoute.objects.exists()


def test_unknown_categories_are_refused(admin_client, workspace, slack):
    slack.add_channel("C0GENERAL", "general")
    admin_client.post(
        "/manage/slack/channels/add/", {"channel_id": "C0GENERAL", "categories": ["nudge"]}
    )
    assert not SlackChannelRoute.objects.exists()


def test_an_admin_changes_resumes_and_removes_a_channel(admin_client, workspace, slack):
    route = make_route(workspace, categories=["announcement"])
    prefix = f"route-{route.pk}"
    admin_client.post(
        f"/manage/slack/channels/{route.pk}/",
        {f"{prefix}-categories": ["post_of_the_day"], f"{prefix}-crisis_alerts": "on"},
    )
    route.refresh_from_db()
    assert (route.categories, route.crisis_alerts) == (["post_of_the_day"], True)

    route.stopped_at = route.created_at
    route.stopped_reason = "Slack: not_in_channel"
    route.save()
    page = admin_client.get("/manage/slack/").content.decode()
    assert "Slack: not_in_channel" in page
    admin_client.post(f"/manage/slack/channels/{route.pk}/resume/")
    route.refresh_from_db()
    assert route.stopped_at is None

    admin_client.post(f"/manage/slack/channels/{route.pk}/remove/")
    assert not SlackChannelRoute.objects.filter(pk=route.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"slack.channel_changed", "slack.channel_resumed", "slack.channel_removed"} <= actions


def test_another_organizations_channel_is_a_404(admin_client, slack):
    other = OrganizationFactory(name="Globex", slug="globex")
    theirs = SlackWorkspace.objects.create(
        organization=other, team_id="T0GLOBEX", bot_token="xoxb-globex"
    )
    route = make_route(theirs)
    for url in (
        f"/manage/slack/channels/{route.pk}/",
        f"/manage/slack/channels/{route.pk}/resume/",
        f"/manage/slack/channels/{route.pk}/remove/",
    ):
        assert admin_client.post(url, {"categories": ["announcement"]}).status_code == 404
    route.refresh_from_db()
    assert route.categories == ["announcement", "post_of_the_day"]


@pytest.mark.parametrize(
    "url",
    [
        "/manage/slack/",
        "/manage/slack/install/",
        "/manage/slack/callback/",
        "/manage/slack/disconnect/",
        "/manage/slack/channels/",
        "/manage/slack/channels/add/",
    ],
)
def test_only_admins_manage_slack(client, organization, workspace, slack, url):
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    statuses = {client.get(url).status_code, client.post(url).status_code}
    assert statuses <= {403, 405} and 403 in statuses
    workspace.refresh_from_db()
    assert workspace.is_connected
    assert slack.calls == []


def test_the_admins_are_told_when_slack_stops_the_workspace(organization, workspace, slack):
    from chorus.notifications.slack.services.workspaces import workspace_revoke

    assert workspace_revoke(workspace=workspace, reason="uninstalled") is True
    assert workspace_revoke(workspace=workspace, reason="uninstalled") is False
    told = Notification.objects.filter(kind="slack_revoked")
    assert told.count() == 1
    assert told.get().url == "/manage/slack/"
