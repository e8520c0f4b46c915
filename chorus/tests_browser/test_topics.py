"""Topics in a real browser, on a 390 px phone and a 1366 px desktop: a member follows a
topic from the feed's filter area, sees "You follow: ..." and that topic's post first
(after the post of the day); a curator reads each topic's figures. Nothing scrolls
sideways and axe-core finds no serious or critical violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.content.models import PostState
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory, TopicFactory
from chorus.tests_browser.test_shell import AXE, VIEWPORTS, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_barriers(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by make install (npm)")
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_member_follows_a_topic_and_its_posts_come_first(page, viewport):
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    organization = OrganizationFactory(name="Acme", slug="acme")
    member = MembershipFactory(
        organization=organization,
        user__email="maya@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    MembershipFactory(organization=organization, is_curator=True, user__email="cory@acme.test")
    careers = TopicFactory(organization=organization, name="Careers")
    TopicFactory(organization=organization, name="Product")
    now = timezone.now()
    for index, title in enumerate(["Newest launch", "Another launch"]):
        PostFactory(
            organization=organization,
            state=PostState.LIVE,
            title=title,
            publish_start=now - timedelta(minutes=index + 1),
        )
    PostFactory(
        organization=organization,
        state=PostState.LIVE,
        title="We are hiring",
        publish_start=now - timedelta(hours=2),
    ).topics.add(careers)

    sign_in(page, member.user.email)
    page.goto("/feed/")
    assert "You follow no topics" in page.locator(".topic-follows-line").inner_text()
    no_barriers(page, width)
    page.get_by_text("Follow topics").click()
    page.get_by_label("Careers").check()
    page.get_by_role("button", name="Save topics").click()
    page.wait_for_url("**/feed/")

    assert page.locator(".topic-follows-line").inner_text().startswith("You follow: Careers.")
    assert page.locator(".feed-card h2").first.inner_text() == "We are hiring"
    no_barriers(page, width)

    page.goto("/accounts/logout/")
    page.context.clear_cookies()
    sign_in(page, "cory@acme.test")
    page.goto("/manage/topics/")
    row = page.locator(f"#topic-{careers.pk}")
    assert row.locator("td").nth(1).inner_text() == "1"  # followers
    assert row.locator("td").nth(2).inner_text() == "1"  # posts
    no_barriers(page, width)
