"""Program health in a browser on a phone and a desktop: the readiness map's cards and the
dashboard's voluntariness and pilot cards. Every page answers 200, fits the screen and
passes axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chorus.accounts.models import (
    ConsentAction,
    GroupKind,
    LeaveReason,
    Membership,
    Organization,
    ProgramConsent,
    ProgramStatus,
)
from chorus.analytics.models import DailyMemberStats
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280


@pytest.fixture
def acme() -> Organization:
    organization: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    MembershipFactory.create(organization=organization, user__email="ada@acme.test", is_admin=True)
    today = timezone.localdate()
    wave: Any = GroupFactory.create(
        organization=organization, name="First wave", kind=GroupKind.PILOT
    )
    sales: Any = GroupFactory.create(
        organization=organization, name="Sales and business development, Europe"
    )
    people: list[Membership] = [
        MembershipFactory.create(organization=organization, program_status=ProgramStatus.JOINED)
        for _ in range(12)
    ]
    wave.members.set(people[:5])
    sales.members.set(people[3:])
    for index, person in enumerate(people[:8]):
        DailyMemberStats.objects.create(
            organization=organization,
            membership=person,
            day=today - timedelta(days=index),
            shares=index + 1,
            clicks=3 * index,
        )
    for reason in [LeaveReason.NO_TIME] * 3 + [LeaveReason.PRESSURED, LeaveReason.PRIVACY]:
        leaver = MembershipFactory.create(
            organization=organization, program_status=ProgramStatus.LEFT
        )
        ProgramConsent.objects.create(
            organization=organization,
            membership=leaver,
            action=ConsentAction.LEFT,
            reason=reason,
            terms_version=1,
            terms_text="Voluntary.",
        )
    return organization


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_health_pages_work_on_a_phone_and_a_desktop(page: Any, acme: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "ada@acme.test")
    problems: list[str] = []

    response = page.goto("/analytics/")
    assert response is not None and response.status == 200
    page.locator("#voluntariness").scroll_into_view_if_needed()
    assert page.locator("#leave-reasons li").count() == 3
    assert page.locator("#pilot-table").is_visible()
    problems += _problems(page, "/analytics/", width)

    page.get_by_role("link", name="Readiness map: where the program can grow").click()
    page.wait_for_url("**/analytics/readiness/")
    assert page.locator(".readiness-card").count() == 3  # two groups and everyone
    assert page.get_by_text("Listen first — no survey answers to go by yet").first.is_visible()
    problems += _problems(page, "/analytics/readiness/", width)

    assert problems == []
