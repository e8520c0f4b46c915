"""On a 390 px phone: invitations fit with their buttons in reach, wide analytics tables
scroll inside their own named, focusable box with a visible hint (the page never scrolls
sideways), and the leaderboard's group picker shows its whole label."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services.invitations import invitation_create
from chorus.content.models import PostState
from chorus.factories import (
    DailyShareStatsFactory,
    GroupFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
PHONE = 390
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme Widgets", slug="acme")
    admin = MembershipFactory(
        organization=organization,
        is_admin=True,
        user__email="ada@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    for name in ("Communications", "Customer Success", "Engineering"):
        GroupFactory(organization=organization, name=name)
    for email, name in [
        ("alexandra.konstantinopoulou@acme-widgets.example", "Alexandra Konstantinopoulou"),
        ("new.hire.with.a.long.address@acme-widgets.example", "Nina Newhire"),
    ]:
        invitation_create(
            organization=organization,
            actor=admin.user,
            email=email,
            name=name,
            title="Senior Communications Manager",
            roles=["employee", "curator", "approver"],
            send=False,
        )
    post = PostFactory(
        organization=organization, state=PostState.LIVE, title="Acme opens a lab in Lisbon"
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    for network, shares in [("linkedin", 12), ("x", 4), ("mastodon", 2)]:
        DailyShareStatsFactory(
            post=post, membership=admin, network=network, day=yesterday, shares=shares
        )
    return {"admin": admin, "post": post}


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious or critical findings in the page's content (the shell has its own
    test, test_shell.py)."""
    # Evaluated through the browser's debugging protocol, which the page's CSP does not cover.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run('main', {resultTypes: ['violations']})).violations"
    )
    return [f"{v['id']}: {v['help']}" for v in result if v["impact"] in ("serious", "critical")]


def test_invitations_fit_a_phone_with_their_buttons_in_reach(page, acme):
    sign_in(page, "ada@acme.test")
    page.goto(reverse("invitations"))
    assert page_width(page) <= PHONE
    for name in ("Resend", "Revoke"):
        buttons = page.get_by_role("button", name=name)
        assert buttons.count() == 2
        for index in range(2):
            box = buttons.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE


@pytest.mark.parametrize("where", ["dashboard", "post"])
def test_wide_analytics_tables_scroll_in_their_own_box_with_a_hint(page, acme, where):
    sign_in(page, "ada@acme.test")
    url = reverse("analytics_dashboard")
    if where == "post":
        url = reverse("analytics_post", kwargs={"post_id": acme["post"].pk})
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert page_width(page) <= PHONE
    region = page.get_by_role("region", name=re.compile("per network"))
    region.wait_for()
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")
    assert region.get_attribute("tabindex") == "0"
    hint = page.locator("#" + region.get_attribute("aria-describedby"))
    expect(hint).to_be_visible()
    assert hint.inner_text() == "Scroll for more →"
    # The keyboard scrolls it, and at the end the hint steps aside.
    region.focus()
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    expect(hint).to_be_hidden()
    assert region.evaluate("box => box.scrollLeft + box.clientWidth >= box.scrollWidth - 1")
    assert page_width(page) <= PHONE
    if AXE.exists():
        assert serious_axe_violations(page) == []


def test_tables_that_fit_get_no_hint_and_no_tab_stop(page, acme):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "ada@acme.test")
    page.goto(reverse("analytics_post", kwargs={"post_id": acme["post"].pk}))
    page.wait_for_load_state("networkidle")
    box = page.locator(".table-wrap").first
    assert box.get_attribute("tabindex") is None and box.get_attribute("role") is None
    assert page.get_by_text("Scroll for more →").count() == 0


def test_the_leaderboard_group_picker_shows_its_whole_label(page, acme):
    sign_in(page, "ada@acme.test")
    page.goto(reverse("leaderboard"))
    picker = page.get_by_label("Ranking")
    assert picker.locator("option:checked").inner_text() == "Everyone in Acme Widgets"
    # As wide as its longest option needs (its natural width), not cut short by the layout.
    shown, needed = picker.evaluate(
        """select => {
          const shown = select.getBoundingClientRect().width;
          const width = select.style.width;
          select.style.width = "max-content";
          const needed = select.getBoundingClientRect().width;
          select.style.width = width;
          return [shown, needed];
        }"""
    )
    assert shown >= needed
    assert page_width(page) <= PHONE


@pytest.mark.parametrize("width", [800, 1024])
def test_the_dashboard_fits_a_tablet_its_side_by_side_tables_scrolling_in_their_cards(
    page, acme, width
):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "ada@acme.test")
    page.goto(reverse("analytics_dashboard"))
    page.wait_for_load_state("networkidle")
    assert page_width(page) <= width
