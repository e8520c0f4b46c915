"""Slack's tests talk to a stand-in for Slack's Web API on loopback (slack_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from chorus.notifications.slack.models import SlackChannelRoute, SlackMemberLink, SlackWorkspace
from chorus.notifications.slack.tests.slack_server import (
    BOT_TOKEN,
    BOT_USER_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    fake_slack,
)


@pytest.fixture
def slack(settings: Any) -> Iterator[FakeSlack]:
    # Signatures seen are remembered in the cache (replays are refused): start with none.
    cache.clear()
    with fake_slack() as server:
        settings.SLACK_API_URL = server.url
        settings.SLACK_CLIENT_ID = CLIENT_ID
        settings.SLACK_CLIENT_SECRET = CLIENT_SECRET
        settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
        settings.SLACK_AUTHORIZE_URL = "https://slack.example/oauth/v2/authorize"
        settings.SITE_URL = "https://chorus.example"
        yield server


@pytest.fixture
def workspace(organization: Any, admin_member: Any) -> SlackWorkspace:
    return SlackWorkspace.objects.create(
        organization=organization,
        team_id=TEAM_ID,
        team_name="Acme Inc",
        bot_user_id=BOT_USER_ID,
        bot_token=BOT_TOKEN,
        scopes="chat:write",
        installed_by=admin_member,
    )


def make_route(workspace: SlackWorkspace, channel_id: str = "C012AB3CD", **fields: Any) -> Any:
    defaults: dict[str, Any] = {
        "channel_name": "general",
        "categories": ["announcement", "post_of_the_day"],
    }
    return SlackChannelRoute.objects.create(
        organization=workspace.organization,
        workspace=workspace,
        channel_id=channel_id,
        **{**defaults, **fields},
    )


def make_link(workspace: SlackWorkspace, membership: Any, user_id: str) -> SlackMemberLink:
    return SlackMemberLink.objects.create(
        organization=workspace.organization,
        workspace=workspace,
        membership=membership,
        slack_user_id=user_id,
        slack_name=user_id,
    )
