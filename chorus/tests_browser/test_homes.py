"""Each role's home in a real browser, on a 390 px phone and a 1366 px desktop, with
something in every section: one column on the phone and cards side by side on the
desktop, nothing scrolls sideways, headings in order, every link named, axe-core finds no
serious or critical violation, and the cards' links lead to where the work is done."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.services.invitations import invitation_create
from chorus.actions.members import member_join_program
from chorus.analytics.rollups import headcount_snapshot, rollups_rebuild
from chorus.analytics.rollups import today as site_today
from chorus.content.models import PostState
from chorus.factories import (
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
    SourceFactory,
    SourceItemFactory,
    SuggestionFactory,
)
from chorus.gamification.models import Rule, Source
from chorus.gamification.services.challenges import ChallengeFields, challenge_create
from chorus.gamification.services.points import points_award
from chorus.gamification.services.rewards import RewardFields, reward_create, reward_request
from chorus.sharing.models import ConnectionStatus, ShareStatus
from chorus.tests_browser.test_shell import AXE, VIEWPORTS, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The sections each role's home shows with this world, most urgent first.
EXPECTED = {
    "employee": ["home-pod", "home-todos", "home-new", "home-week", "home-challenge"],
    "curator": [
        "home-attention",
        "home-publishing",
        "home-ideas",
        "home-scheduled",
        "home-best",
        "home-join",
    ],
    "approver": ["home-review", "home-join"],
    "admin": ["home-attention", "home-admin-queue", "home-health", "home-join"],
}
# Where one card's link leads (the link's words, the page it opens).
FOLLOW = {
    "employee": ("Share the post of the day", "/feed/"),
    "curator": ("Review the suggestions", "/manage/suggestions/"),
    "approver": ("Open the review queue", "/manage/review/"),
    "admin": ("Decide on reward requests", "/manage/rewards/"),
}


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme", slug="acme")
    people = {
        "employee": MembershipFactory(
            organization=organization, user__name="Maya", user__email="maya@acme.test"
        ),
        "curator": MembershipFactory(
            organization=organization, is_curator=True, user__email="cory@acme.test"
        ),
        "approver": MembershipFactory(
            organization=organization, is_approver=True, user__email="alex@acme.test"
        ),
        "admin": MembershipFactory(
            organization=organization, is_admin=True, user__email="ada@acme.test"
        ),
    }
    maya = people["employee"]
    member_join_program(
        membership=maya, actor=maya.user, terms_version=organization.program_terms_version
    )
    now, today = timezone.now(), site_today()
    live = {"organization": organization, "state": PostState.LIVE}
    PostFactory(**live, title="Acme opens in Lisbon", post_of_the_day=today)
    fresh = PostFactory(**live, title="Our spring report, with a rather long title to wrap")
    share = ShareFactory(
        membership=maya, post=fresh, status=ShareStatus.SHARED, shared_at=now, network="linkedin"
    )
    points_award(membership=maya, rule=Rule.SHARE, source=Source.SHARE, source_id=share.pk)
    NetworkConnectionFactory(membership=maya, status=ConnectionStatus.EXPIRED)
    challenge_create(
        organization=organization,
        actor=people["curator"].user,
        fields=ChallengeFields(
            title="Spring sprint",
            metric="shares",
            target=10,
            member_target=2,
            starts_on=today,
            ends_on=today + timedelta(days=6),
            prize="Team lunch",
        ),
    )
    PostFactory(organization=organization, state=PostState.IN_REVIEW, title="Check me")
    PostFactory(organization=organization, state=PostState.APPROVED, title="Ready to go")
    PostFactory(
        organization=organization,
        state=PostState.SCHEDULED,
        title="Next week",
        publish_start=now + timedelta(days=3),
    )
    SuggestionFactory(membership=maya, url="https://news.example/a-very-long-path/" + "x" * 80)
    SourceItemFactory(source__organization=organization, title="Feed news")
    SourceFactory(organization=organization, title="Newsroom", last_error="Timed out")
    invitation_create(organization=organization, actor=people["admin"].user, email="new@acme.test")
    reward = reward_create(
        organization=organization,
        actor=people["admin"].user,
        fields=RewardFields(name="Acme hoodie", description="", price=5, stock=3),
    )
    reward_request(membership=maya, reward=reward)
    rollups_rebuild(organization_id=organization.pk, first=today - timedelta(days=1), last=today)
    headcount_snapshot(organization_id=organization.pk, day=today)
    return people


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", EXPECTED)
def test_each_roles_home_reads_well_on_a_phone_and_a_desktop(page, acme, role, viewport):
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, acme[role].user.email)
    page.goto(reverse("home"))
    page.wait_for_load_state("networkidle")
    cards = page.locator(".home-grid > section")
    shown = [cards.nth(n).get_attribute("aria-labelledby") for n in range(cards.count())]
    assert shown[: len(EXPECTED[role])] == EXPECTED[role]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # One column on the phone; two cards side by side somewhere on the desktop.
    lefts = {round(cards.nth(n).bounding_box()["x"]) for n in range(cards.count())}
    assert len(lefts) == (1 if viewport == "phone" else 2), lefts
    # Headings never skip a level, and every link says where it goes.
    levels = page.evaluate("[...document.querySelectorAll('main h1, main h2, main h3')]"
                           ".map(h => Number(h.tagName[1]))")  # fmt: skip
    assert levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
    unnamed = page.evaluate(
        "[...document.querySelectorAll('main a')].filter(a => !a.innerText.trim()).length"
    )
    assert unnamed == 0
    assert axe_violations(page) == []
    text, path = FOLLOW[role]
    page.get_by_role("link", name=text).first.click()
    page.wait_for_load_state("networkidle")
    assert path in page.url
