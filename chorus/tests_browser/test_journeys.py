"""The main journeys, clicked through in a real browser on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from chorus.accounts.models import Membership, ProgramStatus
from chorus.content.models import Post, PostState, RuleKind
from chorus.factories import ComplianceRuleFactory, MembershipFactory, OrganizationFactory

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
    # The page asks first, in its own dialog (no browser pop-up): Escape changes nothing.
    page.get_by_role("button", name="Leave the program").click()
    dialog = page.get_by_role("dialog", name="Please confirm")
    dialog.wait_for()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Cancel"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    member.refresh_from_db()
    assert member.program_status == ProgramStatus.JOINED
    # Confirmed, the member leaves.
    page.get_by_role("button", name="Leave the program").click()
    dialog.get_by_role("button", name="Leave the program").click()
    page.get_by_text("You have left the advocacy program").wait_for()
    member.refresh_from_db()
    assert member.program_status == ProgramStatus.LEFT


def signed_in_page(browser, live_server, email):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, email)
    return page


def test_curator_post_goes_from_draft_to_live(page, browser, live_server):
    acme = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(organization=acme, is_curator=True, user__email="cory@acme.test")
    MembershipFactory(organization=acme, is_approver=True, user__email="alex@acme.test")
    ComplianceRuleFactory(organization=acme, kind=RuleKind.BLOCKED_TERM, value="guaranteed")

    sign_in(page, "cory@acme.test")
    page.goto("/manage/posts/new/")
    page.locator("#id_title").fill("Acme wins a design award")
    caption = page.locator("#id_caption_linkedin")
    caption.fill("A guaranteed win for design")
    page.get_by_text("matches the blocked term").wait_for()
    caption.fill("Proud of our designers.")
    page.get_by_text("Passes the rules.").first.wait_for()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("In review").first.wait_for()

    approver = signed_in_page(browser, live_server, "alex@acme.test")
    approver.goto("/manage/review/")
    approver.get_by_text("Acme wins a design award").wait_for()
    # "Approve only": publishing stays the curator's (Approve and publish has its journey).
    reviewed = Post.objects.get(title="Acme wins a design award").pk
    approver.get_by_role("button", name="Approve only").click()
    # The decision swaps the post's card in place (htmx): it then says it was approved.
    approver.locator(f"#review-{reviewed}").get_by_text(
        re.compile("approved", re.I)
    ).first.wait_for()
    # Only once the swap has happened is the decision stored: the buttons are gone then.
    approver.locator(f"#review-{reviewed}").get_by_role("button", name="Approve only").wait_for(
        state="detached"
    )
    approver.context.close()

    page.reload()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Live: members see it in their feed.").wait_for()

    post = Post.objects.get(title="Acme wins a design award")
    assert post.state == PostState.LIVE
    assert [t.to_state for t in post.transitions.order_by("created_at", "id")] == [
        "in_review",
        "approved",
        "live",
    ]
