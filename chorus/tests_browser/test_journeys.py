"""The main journeys, clicked through in a real browser on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from chorus.accounts.models import Membership, ProgramStatus
from chorus.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_admin_invites_a_member_who_accepts_and_joins_the_program(page):
    acme = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(organization=acme, is_admin=True, user__email="ada@acme.test")

    sign_in(page, "ada@acme.test")
    page.goto("/manage/invitations/")
    page.get_by_label("Email").fill("new.hire@acme.test")
    page.get_by_label(re.compile(r"^Name")).fill("Nina Newhire")
    page.get_by_role("button", name=re.compile("Send invitation", re.I)).click()
    page.get_by_text("new.hire@acme.test").first.wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]

    page.context.clear_cookies()
    page.goto(path)
    page.get_by_label(re.compile(r"^Password(?! again)")).fill("a-long-Passw0rd!")
    page.get_by_label(re.compile(r"^Password again")).fill("a-long-Passw0rd!")
    page.get_by_role("button", name=re.compile("Accept|Join|Create", re.I)).click()

    page.wait_for_url(re.compile(r".*/program/$"))
    page.get_by_label("I have read the program terms and want to take part").check()
    page.get_by_role("button", name="Join the program").click()
    page.get_by_text("Welcome to the advocacy program").wait_for()

    membership = Membership.objects.get(user__email="new.hire@acme.test")
    assert membership.organization == acme
    assert membership.program_status == ProgramStatus.JOINED
    assert membership.consents.get().terms_version == acme.program_terms_version


def test_member_leaves_the_program_from_settings(page):
    member = MembershipFactory(user__email="emma@acme.test", program_status=ProgramStatus.JOINED)
    sign_in(page, "emma@acme.test")
    page.goto("/settings/")
    page.get_by_role("link", name=re.compile("Leave or review")).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Leave the program").click()
    page.get_by_text("You have left the advocacy program").wait_for()
    member.refresh_from_db()
    assert member.program_status == ProgramStatus.LEFT
