"""A pulse survey on phones (390 px): an admin sends the readiness survey, five members
answer it, and its results appear only at the fifth answer. Two of them said, by name,
that they would like to join the pilot: the admin finds them in the pilot's suggestions,
invites both, and one declines. Every page fits the screen and passes axe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.surveys.models import Measure, Question, Round, Survey
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import PHONE, _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_readiness_results_appear_only_at_the_fifth_answer_and_volunteers_are_invited(
    page: Any,
) -> None:
    acme = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(organization=acme, is_admin=True, user__email="ada@acme.test")
    emails = [f"member{n}@acme.test" for n in range(5)]
    for n, email in enumerate(emails):
        MembershipFactory(organization=acme, user__email=email, user__name=f"Member {n}")
    problems: list[str] = []

    sign_in(page, "ada@acme.test")
    page.goto("/manage/surveys/")
    problems += _problems(page, "surveys page", PHONE)
    page.get_by_label("Readiness").check()
    page.get_by_role("button", name="Create the survey").click()
    page.wait_for_url(re.compile(r"/manage/surveys/\d+/$"))
    problems += _problems(page, "survey page", PHONE)
    page.get_by_role("button", name="Send now").click()
    page.wait_for_url(re.compile(r"/manage/surveys/\d+/$"))
    survey = Survey.objects.get()
    round_ = Round.objects.get(survey=survey)
    results_url = f"/manage/surveys/rounds/{round_.pk}/"
    confidence = Question.objects.get(survey=survey, measure=Measure.CONFIDENCE)
    wish = Question.objects.get(survey=survey, measure=Measure.WISH)
    pilot = Question.objects.get(survey=survey, attributed=True, purpose_key="pilot")

    for index, email in enumerate(emails):
        page.context.clear_cookies()
        sign_in(page, email)
        # The home says a survey is waiting.
        page.get_by_role("link", name="Answer the survey").click()
        page.wait_for_url(re.compile(rf"/surveys/{survey.pk}/$"))
        promise = page.get_by_role("heading", name="Your answers are anonymous")
        first_question = page.get_by_role("group", name=confidence.text)
        assert promise.bounding_box()["y"] < first_question.bounding_box()["y"]
        if index == 0:
            problems += _problems(page, "answer page", PHONE)
        first_question.get_by_label("4", exact=True).check()
        page.get_by_role("group", name=wish.text).get_by_label("Yes", exact=True).check()
        if index in (1, 3):
            # Not anonymous, for the purpose written next to it: they would like to join.
            named = page.get_by_role("group", name=re.compile(re.escape(pilot.text)))
            assert named.get_by_text("Not anonymous").is_visible()
            named.get_by_label("Yes", exact=True).check()
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_text("Thank you: your answers were saved.").wait_for()

        page.context.clear_cookies()
        sign_in(page, "ada@acme.test")
        page.goto(results_url)
        if index < 4:
            assert page.get_by_text("Not enough answers yet").is_visible()
            if index == 0:
                problems += _problems(page, "results page (hidden)", PHONE)
        else:
            assert page.get_by_text("Not enough answers yet").count() == 0
            assert page.get_by_text("5 people answered.").is_visible()
            problems += _problems(page, "results page", PHONE)

    # The two who said yes by name are the pilot's suggested volunteers.
    page.goto("/manage/pilot/")
    page.get_by_role("button", name="Start the pilot").click()
    page.get_by_text("The pilot has started.").wait_for()
    suggestions = page.get_by_role("group", name="Invite")
    assert suggestions.get_by_text("Said they would like to take part").count() == 2
    suggestions.get_by_label(re.compile("Member 1")).check()
    suggestions.get_by_label(re.compile("Member 3")).check()
    page.get_by_role("button", name="Send personal invitations").click()
    page.get_by_text("2 invitations sent.").wait_for()

    page.context.clear_cookies()
    sign_in(page, emails[3])
    page.get_by_role("link", name="Read the invitation").click()
    page.get_by_role("button", name="Not this time").click()
    page.get_by_text("No problem — nobody will be told why.").wait_for()

    page.context.clear_cookies()
    sign_in(page, "ada@acme.test")
    page.goto("/manage/pilot/")
    invitations = page.locator("#pilot-invitations")
    assert invitations.locator("li", has_text="Member 3").get_by_text("Not this time").is_visible()
    assert invitations.locator("li", has_text="Member 1").get_by_text("Pending").is_visible()
    problems += _problems(page, "pilot page", PHONE)
    assert problems == []
