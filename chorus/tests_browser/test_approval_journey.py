"""An approver decides on a phone and on a desktop: who a post reaches and when, the rules'
verdict, what changed since they approved it, then "Approve and publish"; a member of the
targeted group finds it in the feed."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Post, PostState
from chorus.content.services import posts as post_services
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def serious_axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run('main', {resultTypes: ['violations']})).violations"
    )
    return [f"{v['id']}: {v['help']}" for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def post_back_in_review():
    """A post approved once, then edited by its curator: back in review, for a group."""
    acme = OrganizationFactory(name="Acme", slug="acme")
    curator = MembershipFactory(organization=acme, is_curator=True, user__email="cory@acme.test")
    approver = MembershipFactory(
        organization=acme, is_approver=True, user__email="alex@acme.test", user__name="Alex Ap"
    )
    sales = GroupFactory(organization=acme, name="Sales")
    member = MembershipFactory(
        organization=acme, user__email="sam@acme.test", program_status=ProgramStatus.JOINED
    )
    sales.members.add(member)
    post = post_services.post_create(
        organization=acme,
        actor=curator.user,
        title="Our Lyon office opens",
        captions={"linkedin": "Come and see us in Lyon."},
    )
    post_services.post_submit(post=post, actor=curator.user)
    post_services.post_approve(post=post, actor=approver.user)
    post_services.post_update(
        post=post,
        actor=curator.user,
        title="Our Lyon office is open",
        commentary="",
        link_url="",
        captions={"linkedin": "Come and visit us in Lyon."},
        campaign="",
        details=replace(post_services.post_details(post), target_all=False, target_groups=[sales]),
    )
    return post


@pytest.mark.parametrize("width", [390, 1366])
def test_approver_sees_what_to_decide_and_approves_and_publishes(
    browser, live_server, post_back_in_review, width
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    sign_in(page, "alex@acme.test")
    page.goto("/manage/review/")
    page.get_by_role("link", name="Our Lyon office is open").first.click()
    main = page.locator("main")
    main.locator(".chip", has_text="Department: Sales").wait_for()
    assert "reaches 1 active member" in main.inner_text()
    assert "LinkedIn: passes the rules" in main.inner_text()
    assert "3 changes since version 1, which Alex Ap approved" in main.inner_text()
    added = [" ".join(text.split()) for text in main.locator("ins").all_text_contents()]
    assert added[:2] == ["added: is open", "added: visit"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Approve and publish").click()
    page.get_by_text("Approved and published").wait_for()
    context.close()
    assert errors == []
    post = Post.objects.get(pk=post_back_in_review.pk)
    assert post.state == PostState.LIVE

    member = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 900})
    feed = member.new_page()
    sign_in(feed, "sam@acme.test")
    feed.goto("/feed/")
    feed.get_by_text("Our Lyon office is open").first.wait_for()
    member.close()
