"""The pilot on phones (390 px): the admin starts it, sees two volunteers in the suggestions
and invites both; one accepts, one declines ("nobody will be told why"); the admin sees one
in the pilot and "Not this time" for the other. Every page fits the screen and passes axe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chorus.accounts.models import Membership, Organization
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.pilot.models import Volunteer
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import PHONE, _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_invites_two_volunteers_one_accepts_one_declines(page: Any) -> None:
    acme: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    MembershipFactory.create(organization=acme, is_admin=True, user__email="ada@acme.test")
    maya: Membership = MembershipFactory.create(
        organization=acme, user__email="maya@acme.test", user__name="Maya Schmidt"
    )
    sam: Membership = MembershipFactory.create(
        organization=acme, user__email="sam@acme.test", user__name="Sam Lee"
    )
    problems: list[str] = []

    sign_in(page, "ada@acme.test")
    page.goto("/manage/pilot/")
    problems += _problems(page, "pilot page (not started)", PHONE)
    page.get_by_role("button", name="Start the pilot").click()
    page.get_by_text("The pilot has started.").wait_for()
    # They offered themselves on the program page while the pilot runs.
    for volunteer in (maya, sam):
        Volunteer.objects.create(organization=acme, membership=volunteer)
    page.goto("/manage/pilot/")
    suggestions = page.get_by_role("group", name="Invite")
    assert suggestions.get_by_text("Said they would like to take part").count() == 2
    problems += _problems(page, "pilot page (suggestions)", PHONE)
    suggestions.get_by_label(re.compile("Maya Schmidt")).check()
    suggestions.get_by_label(re.compile("Sam Lee")).check()
    page.get_by_role("button", name="Send personal invitations").click()
    page.get_by_text("2 invitations sent.").wait_for()

    page.context.clear_cookies()
    sign_in(page, "maya@acme.test")
    page.get_by_role("link", name="Read the invitation").click()
    page.wait_for_url(re.compile(r"/pilot/invitation/$"))
    assert page.get_by_text("You can leave the pilot at any time").is_visible()
    problems += _problems(page, "invitation", PHONE)
    page.get_by_role("button", name="Yes, I'm in").click()
    page.wait_for_url(re.compile(r"/program/$"))
    page.get_by_text("Welcome to the pilot!").wait_for()
    problems += _problems(page, "program page after accepting", PHONE)

    page.context.clear_cookies()
    sign_in(page, "sam@acme.test")
    page.goto("/pilot/invitation/")
    page.get_by_role("button", name="Not this time").click()
    page.get_by_text("No problem — nobody will be told why.").wait_for()
    problems += _problems(page, "pilot page after declining", PHONE)

    page.context.clear_cookies()
    sign_in(page, "ada@acme.test")
    page.goto("/manage/pilot/")
    members = page.locator("#pilot-members")
    assert members.get_by_text("Maya Schmidt").is_visible()
    assert members.get_by_text("Sam Lee").count() == 0
    invitations = page.locator("#pilot-invitations")
    sam_row = invitations.locator("li", has_text="Sam Lee")
    assert sam_row.get_by_text("Not this time").is_visible()
    assert invitations.locator("li", has_text="Maya Schmidt").get_by_text("Accepted").is_visible()
    problems += _problems(page, "pilot page (answers)", PHONE)
    assert problems == []
