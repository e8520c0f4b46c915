"""Practice scenarios in a browser: a member answers on a phone, a trainer reviews on a
desktop; the compliance verdict arrives as the member types, and every page is axe clean."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chorus.factories import ComplianceRuleFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import ResponseState, ScenarioResponse, ScenarioState
from chorus.training.services import scenarios as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def sign_in(tab: Any, email: str) -> None:
    tab.goto("/accounts/login/")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(re.compile(r".*/$"))


def fits(tab: Any) -> bool:
    width = int(tab.evaluate("document.documentElement.scrollWidth"))
    return width <= int(tab.viewport_size["width"])


def serious_axe_violations(tab: Any) -> list[str]:
    tab.evaluate(AXE.read_text())
    result = tab.evaluate(
        "async () => (await axe.run('main', {resultTypes: ['violations']})).violations"
    )
    return [f"{v['id']}: {v['help']}" for v in result if v["impact"] in ("serious", "critical")]


def test_a_member_answers_on_a_phone_and_a_trainer_asks_for_another_try(page):
    organization = OrganizationFactory(name="Acme", slug="acme")
    trainer = MembershipFactory(organization=organization, is_trainer=True, user__email="t@a.test")
    MembershipFactory(organization=organization, user__email="emma@a.test")
    ComplianceRuleFactory(organization=organization, value="guaranteed")
    scenario = services.scenario_create(
        membership=trainer,
        title="An angry customer on X",
        situation="A customer writes: **your product broke**.",
        network="x",
        state=ScenarioState.PUBLISHED,
    )

    sign_in(page, "emma@a.test")
    page.goto("/learning/practice/")
    assert fits(page) and serious_axe_violations(page) == []
    page.get_by_role("link", name="An angry customer on X").click()
    answer = page.get_by_label("How would you answer?")
    answer.fill("A refund is guaranteed")
    page.locator("#answer-check").get_by_text("Blocked.").wait_for()
    answer.fill("Sorry to hear that, we will help you today.")
    page.locator("#answer-check").get_by_text("No rule is broken.").wait_for()
    assert fits(page) and serious_axe_violations(page) == []
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    assert page.get_by_label("How would you answer?").input_value().startswith("Sorry")
    page.get_by_role("button", name="Send for feedback").click()
    page.get_by_text("A trainer will give you feedback.").first.wait_for()

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "t@a.test")
    page.goto("/manage/training/scenarios/reviews/")
    assert serious_axe_violations(page) == []
    page.get_by_role("link", name="Review", exact=True).click()
    page.get_by_text("Sorry to hear that").first.wait_for()
    assert serious_axe_violations(page) == []
    page.get_by_label("Feedback for the member").fill("Use the customer's name.")
    page.get_by_role("button", name="Ask for another try").click()
    page.get_by_text("Feedback sent; the member is told.").wait_for()
    answered = ScenarioResponse.objects.get(scenario=scenario)
    assert answered.state == ResponseState.RETRY

    # The trainer's own pages on a phone too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/manage/training/scenarios/")
    assert fits(page) and serious_axe_violations(page) == []
    page.get_by_role("link", name="An angry customer on X").click()
    assert fits(page) and serious_axe_violations(page) == []
    page.goto(f"/manage/training/scenarios/reviews/{answered.pk}/")
    assert fits(page) and serious_axe_violations(page) == []

    # The member sees the feedback and starts again from the last answer.
    page.context.clear_cookies()
    sign_in(page, "emma@a.test")
    page.goto(f"/learning/practice/{scenario.pk}/")
    page.get_by_text("Use the customer's name.").first.wait_for()
    assert page.get_by_label("How would you answer?").input_value().startswith("Sorry")
    assert fits(page) and serious_axe_violations(page) == []
