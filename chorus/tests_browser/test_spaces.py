"""Best-practice spaces on a phone (390 px): a member opens a space and starts a thread,
another replies with a mention, the first reports the reply and a curator hides it from the
moderation queue. Every page fits the screen and passes axe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chorus.accounts.models import Membership
from chorus.community.models import Message, Report
from chorus.community.services.spaces import space_create
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.models import Notification
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import PHONE, _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_space_from_first_thread_to_a_hidden_reply(page: Any) -> None:
    acme = OrganizationFactory(name="Acme", slug="acme")
    curator: Membership = MembershipFactory.create(
        organization=acme, is_curator=True, user__email="cleo@acme.test", user__name="Cleo"
    )
    MembershipFactory(organization=acme, user__email="maya@acme.test", user__name="Maya Lin")
    noah: Membership = MembershipFactory.create(
        organization=acme, user__email="noah@acme.test", user__name="Noah Berg"
    )
    space = space_create(membership=curator, name="LinkedIn tips", description="What works")
    problems: list[str] = []

    sign_in(page, "maya@acme.test")
    page.goto("/spaces/")
    problems += _problems(page, "/spaces/", PHONE)
    page.get_by_role("link", name="LinkedIn tips").click()
    page.get_by_role("button", name="Join").click()
    problems += _problems(page, f"/spaces/{space.pk}/", PHONE)
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("Pictures or no pictures?")
    page.get_by_label("Message").fill("Does a **team photo** beat the link preview?")
    problems += _problems(page, "thread form", PHONE)
    page.get_by_role("button", name="Start the thread").click()
    page.wait_for_url(re.compile(r"/threads/\d+/$"))
    thread_url = page.url
    problems += _problems(page, "thread", PHONE)
    page.context.clear_cookies()

    sign_in(page, "noah@acme.test")
    page.goto(thread_url)
    page.get_by_label("Your reply").fill("Photos win, @maya. Also: buy my old bike!")
    page.get_by_role("button", name="Reply").click()
    page.wait_for_url(re.compile(r"#message-\d+$"))
    assert Notification.objects.filter(
        kind="community_mention", membership__user__email="maya@acme.test"
    ).exists()
    reply = Message.objects.get(author=noah)
    page.context.clear_cookies()

    sign_in(page, "maya@acme.test")
    page.goto(f"{thread_url}messages/{reply.pk}/report/")
    problems += _problems(page, "report form", PHONE)
    page.get_by_label("Spam or advertising").check()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(re.compile(r"#message-\d+$"))
    assert Report.objects.filter(message=reply).exists()
    page.context.clear_cookies()

    sign_in(page, "cleo@acme.test")
    page.goto("/manage/moderation/")
    problems += _problems(page, "/manage/moderation/", PHONE)
    page.get_by_label("Reason for hiding").fill("A sale, off topic")
    page.get_by_role("button", name="Hide", exact=True).click()
    page.wait_for_url(re.compile(r"/manage/moderation/$"))
    assert page.get_by_text("All caught up: nothing reported.").is_visible()
    page.context.clear_cookies()

    sign_in(page, "maya@acme.test")
    page.goto(thread_url)
    assert page.get_by_text("Hidden by a moderator.").is_visible()
    assert page.get_by_text("buy my old bike").count() == 0
    assert problems == []
