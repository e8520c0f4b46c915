"""Courses in a browser: a member learns and takes the quiz on a phone; a trainer writes on
a phone and a desktop. Every page fits 390 px and is axe clean (no serious violations)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import Choice, CourseCompletion, QuizAttempt
from chorus.training.services.courses import CourseFields, course_create, course_publish
from chorus.training.services.lessons import LessonFields, lesson_create
from chorus.training.services.quizzes import QuestionFields, question_create

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


def check(tab: Any) -> None:
    # Measured once the stylesheet applies: a layout read while it still loads is unstyled.
    tab.wait_for_load_state("load")
    assert fits(tab), tab.url
    assert serious_axe_violations(tab) == [], tab.url


def test_a_member_reads_fails_and_passes_on_a_phone(page: Any) -> None:
    organization = OrganizationFactory(name="Acme", slug="acme")
    trainer: Any = MembershipFactory(
        organization=organization, is_trainer=True, user__email="t@a.test"
    )
    member: Any = MembershipFactory(organization=organization, user__email="emma@a.test")
    course = course_create(
        membership=trainer,
        fields=CourseFields(
            title="Disclosure on social networks", required=True, attempts_allowed=0
        ),
    )
    for number in (1, 2):
        lesson_create(
            membership=trainer,
            course=course,
            fields=LessonFields(
                title=f"Part {number}",
                body=f"## Rule {number}\n\nSay **who you work for**, every time.\n\n- #employee",
                video_url="https://video.example/watch?v=a-very-long-identifier-for-a-video",
            ),
        )
    question = question_create(
        membership=trainer,
        course=course,
        fields=QuestionFields(
            kind="single",
            text="Must you say who you work for?",
            explanation="Always: it is the law in many countries.",
            choices=[("Yes", True), ("Only when asked", False)],
        ),
    )
    course_publish(membership=trainer, course=course)

    sign_in(page, "emma@a.test")
    page.goto("/learning/")
    check(page)
    page.get_by_role("link", name="Disclosure on social networks").click()
    check(page)
    page.get_by_role("link", name="Part 1").click()
    page.get_by_role("heading", name="Rule 1").wait_for()
    check(page)
    page.get_by_role("button", name="Mark as read and continue").click()
    page.get_by_role("heading", name="Part 2").wait_for()
    page.get_by_role("button", name="Mark as read and finish").click()
    page.get_by_role("button", name="Take the quiz").click()
    page.get_by_text("Question 1 of 1").wait_for()
    check(page)
    page.get_by_label("Only when asked").check()
    page.get_by_role("button", name="Answer").click()
    page.get_by_text("Not quite.").wait_for()
    page.get_by_text("Always: it is the law").wait_for()
    check(page)
    page.get_by_role("link", name="See your result").click()
    page.get_by_text("Not passed.").first.wait_for()
    check(page)
    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("button", name="Take the quiz again").click()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Answer").click()
    page.get_by_text("Right!").wait_for()
    assert QuizAttempt.objects.filter(passed=True).count() == 1
    assert CourseCompletion.objects.filter(membership=member).count() == 1
    assert Choice.objects.filter(question=question).count() == 2
    page.goto("/learning/")
    page.get_by_text("Done").first.wait_for()
    check(page)


@pytest.mark.parametrize("width", [390, 1280])
def test_trainer_pages_fit_and_are_accessible(page: Any, width: int) -> None:
    organization = OrganizationFactory(name="Acme", slug="acme")
    trainer: Any = MembershipFactory(
        organization=organization, is_trainer=True, user__email="t@a.test"
    )
    GroupFactory(organization=organization, name="Sales")
    course = course_create(membership=trainer, fields=CourseFields(title="Crisis basics"))
    lesson = lesson_create(
        membership=trainer, course=course, fields=LessonFields(title="Stay calm", body="Text")
    )
    lesson_create(membership=trainer, course=course, fields=LessonFields(title="Escalate"))
    question = question_create(
        membership=trainer,
        course=course,
        fields=QuestionFields(
            kind="true_false", text="Answer angry posts at once.", true_is_correct=False
        ),
    )
    course_publish(membership=trainer, course=course)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "t@a.test")
    for url in (
        "/manage/training/",
        "/manage/training/new/",
        f"/manage/training/{course.pk}/",
        f"/manage/training/{course.pk}/edit/",
        f"/manage/training/{course.pk}/lessons/new/",
        f"/manage/training/lessons/{lesson.pk}/",
        f"/manage/training/{course.pk}/questions/new/",
        f"/manage/training/questions/{question.pk}/",
    ):
        page.goto(url)
        check(page)
    page.goto(f"/manage/training/lessons/{lesson.pk}/")
    page.get_by_label("Text", exact=True).fill("**Breathe** first.")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Preview (not saved yet)").wait_for()
    check(page)
