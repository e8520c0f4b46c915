"""Every role's main pages in a real browser, on a 390 px phone and a 1366 px desktop: the
app shell is there, nothing scrolls sideways, no console error, and axe-core finds no
serious or critical accessibility violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.content.models import PostState
from chorus.factories import (
    MembershipFactory,
    NotificationFactory,
    OrganizationFactory,
    PostFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "employee": [
        "home",
        "feed",
        "share_history",
        "topic_follows",
        "connections",
        "analytics_me",
        "my_points",
        "leaderboard",
        "badges",
        "rewards",
        "challenges",
        "notifications",
        "settings",
        "program",
        "my_suggestions",
        "learning",
    ],
    "curator": [
        "home",
        "posts",
        "calendar",
        "curation_queue",
        "sources",
        "topics_manage",
        "suggestions",
        "analytics_dashboard",
        "manage_challenges",
    ],
    "approver": ["home", "review_queue", "caption_review_queue", "analytics_dashboard"],
    "trainer": [
        "home",
        "learning",
        "practice",
        "training_courses",
        "training_scenarios",
        "training_scenario_reviews",
    ],
    "admin": [
        "home",
        "members",
        "invitations",
        "groups",
        "rules",
        "network_settings",
        "suspicious_visitors",
        "gamification_settings",
        "manage_rewards",
        "manage_badges",
        "audit_log",
        "organization_settings",
    ],
}
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 800)}


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme", slug="acme")
    people = {
        "employee": MembershipFactory(
            organization=organization,
            user__email="maya@acme.test",
            program_status=ProgramStatus.JOINED,
        ),
        "curator": MembershipFactory(
            organization=organization, is_curator=True, user__email="cory@acme.test"
        ),
        "approver": MembershipFactory(
            organization=organization, is_approver=True, user__email="alex@acme.test"
        ),
        "trainer": MembershipFactory(
            organization=organization, is_trainer=True, user__email="tess@acme.test"
        ),
        "admin": MembershipFactory(
            organization=organization, is_admin=True, user__email="ada@acme.test"
        ),
    }
    PostFactory(organization=organization, state=PostState.LIVE, title="Acme opens in Lisbon")
    NotificationFactory(membership=people["employee"], organization=organization)
    return people


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def axe_violations(page) -> list[str]:
    # Evaluated through the browser's debugging protocol, which the page's CSP does not cover.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", PAGES)
def test_every_role_sees_the_shell_without_sideways_scrolling_or_barriers(
    page, acme, role, viewport
):
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[viewport], strict=True)))
    sign_in(page, acme[role].user.email)
    problems: dict[str, object] = {}
    for name in PAGES[role]:
        page.goto(reverse(name))
        page.wait_for_load_state("networkidle")
        shell = page.locator(".tabbar" if viewport == "phone" else ".sidebar")
        assert shell.is_visible(), name
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS[viewport][0]:
            problems[f"{name} width"] = width
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("role", PAGES)
def test_in_german_every_role_s_pages_fit_a_phone_without_barriers(page, acme, role):
    """German words run long: the same pages, in German, on the phone."""
    user = acme[role].user
    user.language = "de"
    user.save(update_fields=["language"])
    sign_in(page, user.email)
    problems: dict[str, object] = {}
    for name in PAGES[role]:
        page.goto(reverse(name))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "de", name
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS["phone"][0]:
            problems[f"{name} width"] = width
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}


def test_a_visitor_switches_the_sign_in_page_to_german(page):
    page.goto("/accounts/login/")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Switch language").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="Anmelden").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"][0]
    assert axe_violations(page) == []
