"""Slack in a real browser, on a 390 px phone and a 1366 px desktop, against a stand-in for
Slack's Web API on loopback: an admin reads what the operator must set, then, with the
credentials set, adds a channel from the picker and chooses what it receives; a member
finds and links their own Slack account. Nothing scrolls sideways and axe-core finds no
serious or critical violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.factories import MembershipFactory, OrganizationFactory
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
from chorus.tests_browser.test_shell import AXE, VIEWPORTS, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_barriers(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []


@pytest.fixture
def slack_api(settings: Any) -> Iterator[FakeSlack]:
    with fake_slack() as server:
        settings.SLACK_API_URL = server.url
        yield server


def configure(settings: Any) -> None:
    settings.SLACK_CLIENT_ID = CLIENT_ID
    settings.SLACK_CLIENT_SECRET = CLIENT_SECRET
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_admin_sets_up_slack_channels(page, settings, slack_api, viewport):
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    organization = OrganizationFactory(name="Acme", slug="acme")
    admin = MembershipFactory(organization=organization, is_admin=True, user__email="ada@acme.test")
    sign_in(page, admin.user.email)

    settings.SLACK_CLIENT_ID = ""
    page.goto("/manage/slack/")
    assert page.locator("#slack-setup").is_visible()
    assert "SLACK_CLIENT_ID" in page.locator("#slack-setup").inner_text()
    no_barriers(page, width)

    configure(settings)
    page.goto("/manage/slack/")
    assert page.get_by_role("button", name="Add to Slack").is_visible()
    no_barriers(page, width)

    # The install itself happens on slack.com; the workspace it stores is made here.
    SlackWorkspace.objects.create(
        organization=organization,
        team_id=TEAM_ID,
        team_name="Acme Inc",
        bot_user_id=BOT_USER_ID,
        bot_token=BOT_TOKEN,
        installed_by=admin,
    )
    slack_api.add_channel("C0GENERAL", "general")
    slack_api.add_channel("C0COMMS", "comms-team-with-a-long-name", private=True)
    slack_api.add_channel("C0NEWS", "news", member=False)
    page.goto("/manage/slack/")
    assert "Connected to Acme Inc" in page.locator("#slack-workspace").inner_text()
    no_barriers(page, width)
    page.get_by_role("link", name="Add a channel").click()
    page.wait_for_url("**/manage/slack/channels/")
    no_barriers(page, width)
    row = page.locator("#slack-channel-C0COMMS")
    row.get_by_label("The post of the day").check()
    row.get_by_label("Post crisis alerts here").check()
    row.get_by_role("button", name="Add #comms-team-with-a-long-name").click()
    page.wait_for_url("**/manage/slack/")
    route = SlackChannelRoute.objects.get(organization=organization)
    assert (route.channel_id, route.categories, route.crisis_alerts) == (
        "C0COMMS",
        ["post_of_the_day"],
        True,
    )
    assert page.locator(f"#slack-route-{route.pk}").is_visible()
    no_barriers(page, width)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_member_links_their_slack_account(page, settings, slack_api, viewport):
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    configure(settings)
    organization = OrganizationFactory(name="Acme", slug="acme")
    member = MembershipFactory(
        organization=organization,
        user__email="maya@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    SlackWorkspace.objects.create(
        organization=organization,
        team_id=TEAM_ID,
        team_name="Acme Inc",
        bot_user_id=BOT_USER_ID,
        bot_token=BOT_TOKEN,
    )
    slack_api.add_user("maya@acme.test", "U0MAYA", "Maya Angelou")
    sign_in(page, member.user.email)
    page.goto("/me/slack/")
    no_barriers(page, width)
    page.get_by_role("button", name="Link my Slack account").click()
    page.wait_for_url("**/me/slack/")
    assert "Is this you?" in page.locator("#slack-confirm").inner_text()
    no_barriers(page, width)
    page.get_by_role("button", name="Yes, link this account").click()
    page.wait_for_url("**/me/slack/")
    assert page.locator("#slack-linked").is_visible()
    assert SlackMemberLink.objects.get(membership=member).slack_user_id == "U0MAYA"
    no_barriers(page, width)
