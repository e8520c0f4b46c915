"""The courses API: the same rules as the pages, 404 for what is not the caller's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from chorus.accounts.services import tokens as account_services
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import Choice, Course, CourseCompletion, QuizAttempt
from chorus.training.services.courses import CourseFields, course_create, course_publish
from chorus.training.services.lessons import LessonFields, lesson_create
from chorus.training.services.quizzes import QuestionFields, question_create

pytestmark = pytest.mark.django_db


def call(client: Client, method: str, path: str, member: Any, body: Any = None) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


@pytest.fixture
def trainer(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_trainer=True)


def course_with_quiz(trainer: Any, *, publish: bool = True, **fields: Any) -> Course:
    course = course_create(membership=trainer, fields=CourseFields(title="Disclosure", **fields))
    lesson_create(
        membership=trainer, course=course, fields=LessonFields(title="Why", body="**Say it**")
    )
    question_create(
        membership=trainer,
        course=course,
        fields=QuestionFields(
            kind="single",
            text="Do you say who you work for?",
            explanation="Always disclose.",
            choices=[("Yes", True), ("No", False)],
        ),
    )
    if publish:
        course_publish(membership=trainer, course=course)
        course.refresh_from_db()
    return course


def test_a_member_learns_and_passes_through_the_api(
    client: Client, trainer: Any, employee: Any
) -> None:
    course = course_with_quiz(trainer)
    listed = call(client, "GET", "/training/courses", employee).json()
    assert [item["id"] for item in listed] == [course.pk]
    assert listed[0]["version"] == "1.0" and listed[0]["done"] is False

    detail = call(client, "GET", f"/training/courses/{course.pk}", employee).json()
    assert detail["lessons"][0]["html"] == "<p><strong>Say it</strong></p>\n"
    assert detail["has_quiz"] is True
    lesson_id = detail["lessons"][0]["id"]
    read = call(client, "POST", f"/training/lessons/{lesson_id}/read", employee)
    assert read.status_code == 200 and read.json() == {"course_completed": False}

    started = call(client, "POST", f"/training/courses/{course.pk}/attempts", employee)
    assert started.status_code == 201
    attempt = started.json()
    question = attempt["questions"][0]
    # Nothing in the attempt tells the right answer apart.
    assert set(question["choices"][0]) == {"id", "text"}
    assert "explanation" not in json.dumps(attempt)
    right = Choice.objects.get(question_id=question["id"], is_correct=True)
    answered = call(
        client,
        "POST",
        f"/training/attempts/{attempt['id']}/answers",
        employee,
        {"question": question["id"], "choices": [right.pk]},
    )
    assert answered.status_code == 200
    assert answered.json() == {
        "correct": True,
        "explanation": "Always disclose.",
        "right_choices": [right.pk],
        "finished": True,
        "score": 100,
        "passed": True,
    }
    again = call(
        client,
        "POST",
        f"/training/attempts/{attempt['id']}/answers",
        employee,
        {"question": question["id"], "choices": [right.pk]},
    )
    assert again.status_code == 422
    assert CourseCompletion.objects.filter(membership=employee, course=course).count() == 1
    finished = call(client, "GET", f"/training/attempts/{attempt['id']}", employee).json()
    assert (finished["score"], finished["passed"]) == (100, True)
    assert call(client, "GET", "/training/courses", employee).json()[0]["done"] is True


def test_foreign_and_hidden_ids_are_404(
    client: Client, organization: Any, trainer: Any, employee: Any
) -> None:
    stranger: Any = MembershipFactory(organization=OrganizationFactory(), is_trainer=True)
    foreign = course_with_quiz(stranger)
    draft = course_with_quiz(trainer, publish=False)
    support: Any = GroupFactory(organization=organization)
    elsewhere = course_with_quiz(trainer, target_all=False, target_groups=[support])
    for course in (foreign, draft, elsewhere):
        lesson = course.lessons.get()
        assert call(client, "GET", f"/training/courses/{course.pk}", employee).status_code == 404
        assert (
            call(client, "POST", f"/training/lessons/{lesson.pk}/read", employee).status_code == 404
        )
        assert (
            call(client, "POST", f"/training/courses/{course.pk}/attempts", employee).status_code
            == 404
        )
    attempt = QuizAttempt.objects.create(
        organization=stranger.organization,
        membership=stranger,
        course=foreign,
        major_version=1,
        drawn=[],
    )
    assert call(client, "GET", f"/training/attempts/{attempt.pk}", employee).status_code == 404
    body = {"question": 1, "choices": [1]}
    assert (
        call(client, "POST", f"/training/attempts/{attempt.pk}/answers", employee, body).status_code
        == 404
    )
    # A colleague's attempt is not mine either.
    own = course_with_quiz(trainer)
    colleague: Any = MembershipFactory(organization=organization)
    started = call(client, "POST", f"/training/courses/{own.pk}/attempts", colleague).json()
    assert call(client, "GET", f"/training/attempts/{started['id']}", employee).status_code == 404


def test_trainers_list_and_create_courses(
    client: Client, organization: Any, trainer: Any, employee: Any
) -> None:
    course = course_with_quiz(trainer)
    CourseCompletion.objects.create(
        organization=organization,
        membership=employee,
        course=course,
        major_version=1,
        minor_version=0,
    )
    CourseCompletion.objects.create(
        organization=organization,
        membership=trainer,
        course=course,
        major_version=0,
        minor_version=9,
    )
    assert call(client, "GET", "/training/manage/courses", employee).status_code == 403
    listed = call(client, "GET", "/training/manage/courses", trainer).json()
    # Only completions of the current major version count.
    assert [
        (item["title"], item["version"], item["state"], item["completion_count"]) for item in listed
    ] == [("Disclosure", "1.0", "published", 1)]
    group: Any = GroupFactory(organization=organization)
    created = call(
        client,
        "POST",
        "/training/manage/courses",
        trainer,
        {"title": "Crisis", "target_group_ids": [group.pk], "required": True},
    )
    assert created.status_code == 201
    assert created.json()["target_group_ids"] == [group.pk]
    foreign_group: Any = GroupFactory(organization=OrganizationFactory())
    refused = call(
        client,
        "POST",
        "/training/manage/courses",
        trainer,
        {"title": "Nope", "target_group_ids": [foreign_group.pk]},
    )
    assert refused.status_code == 422
    assert not Course.objects.filter(title="Nope").exists()


def test_trainers_publish_and_archive_through_the_api(
    client: Client, trainer: Any, employee: Any
) -> None:
    course = course_with_quiz(trainer, publish=False)
    path = f"/training/manage/courses/{course.pk}"
    assert call(client, "POST", f"{path}/publish", employee, {}).status_code == 403
    assert call(client, "POST", f"{path}/publish", trainer, {}).json()["version"] == "1.0"
    minor = call(client, "POST", f"{path}/publish", trainer, {"note": "Typo"}).json()
    assert minor["version"] == "1.1"
    major = call(client, "POST", f"{path}/publish", trainer, {"retake": True}).json()
    assert major["version"] == "2.0"
    archived = call(client, "POST", f"{path}/archive", trainer)
    assert archived.json()["state"] == "archived"
    assert call(client, "POST", f"{path}/archive", trainer).status_code == 422
    stranger: Any = MembershipFactory(organization=OrganizationFactory(), is_trainer=True)
    foreign = course_with_quiz(stranger)
    assert (
        call(
            client, "POST", f"/training/manage/courses/{foreign.pk}/publish", trainer, {}
        ).status_code
        == 404
    )
