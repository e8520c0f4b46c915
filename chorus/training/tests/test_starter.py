"""The starter curriculum: its data files are complete and well formed, and adding it makes
published courses once, with their lessons, questions and first version, audited."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from chorus.core.audit import ACTION_LABELS
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.training.markdown import render_markdown
from chorus.training.models import (
    Choice,
    Course,
    CourseState,
    CourseVersion,
    Lesson,
    Question,
    QuestionKind,
)
from chorus.training.services.starter import (
    CURRICULUM_DIR,
    STARTER_COURSES,
    StarterCourse,
    starter_curriculum_add,
)

REQUIRED = {"policy", "crisis"}
NETWORKS = {"linkedin", "x", "mastodon", "bluesky", "instagram", "threads"}
WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def _ids(course: StarterCourse) -> str:
    return course.key


def test_every_course_of_the_curriculum_is_there_and_only_those() -> None:
    keys = {course.key for course in STARTER_COURSES}
    on_disk = {path.name for path in CURRICULUM_DIR.iterdir() if path.is_dir()}
    assert keys == on_disk
    assert keys == REQUIRED | NETWORKS | {"conversation", "influencers"}
    assert {course.key for course in STARTER_COURSES if course.required} == REQUIRED


@pytest.mark.parametrize("course", STARTER_COURSES, ids=_ids)
def test_a_course_has_two_to_four_lessons_and_eight_to_twelve_questions(
    course: StarterCourse,
) -> None:
    assert course.title and course.summary
    assert 2 <= len(course.lessons) <= 4
    assert 8 <= len(course.questions) <= 12
    assert 0 < course.questions_per_attempt <= len(course.questions)
    assert 50 <= course.pass_mark <= 100
    assert course.minutes >= sum(lesson.minutes for lesson in course.lessons)
    assert len({lesson.title for lesson in course.lessons}) == len(course.lessons)
    # They fit their columns (Course.title, Lesson.title, Choice.text).
    assert len(course.title) <= 200 and all(len(les.title) <= 200 for les in course.lessons)
    assert all(len(c.text) <= 500 for question in course.questions for c in question.choices)


@pytest.mark.parametrize("course", STARTER_COURSES, ids=_ids)
def test_lessons_are_300_to_700_words_with_sections_and_a_try_it_at_the_end(
    course: StarterCourse,
) -> None:
    for lesson in course.lessons:
        words = len(lesson.body.split())
        assert 300 <= words <= 700, (lesson.slug, words)
        headings = re.findall(r"^(#+) (.+)$", lesson.body, flags=re.MULTILINE)
        assert len(headings) >= 3, lesson.slug
        assert {level for level, _title in headings} == {"##"}, lesson.slug
        assert headings[-1][1] == "Try it", lesson.slug
        assert re.search(r"^(- |\d+\. )", lesson.body, flags=re.MULTILINE), lesson.slug


@pytest.mark.parametrize("course", STARTER_COURSES, ids=_ids)
def test_every_lesson_renders_without_losing_text(course: StarterCourse) -> None:
    for lesson in course.lessons:
        html = str(render_markdown(lesson.body))
        shown = unescape(re.sub(r"<[^>]+>", " ", html))
        # An ordered list's numbers become <ol> items: the only words the page does not show.
        written = re.sub(r"^\d+\. ", "", lesson.body, flags=re.MULTILINE)
        assert Counter(WORD.findall(shown)) == Counter(WORD.findall(written)), lesson.slug
        assert "**" not in shown and "##" not in shown, lesson.slug
        assert html.count("<h2>") == lesson.body.count("\n## ") + lesson.body.startswith("## ")


@pytest.mark.parametrize("course", STARTER_COURSES, ids=_ids)
def test_each_questions_correct_answers_fit_its_kind(course: StarterCourse) -> None:
    assert len({question.text for question in course.questions}) == len(course.questions)
    for question in course.questions:
        correct = [choice for choice in question.choices if choice.correct]
        texts = [choice.text for choice in question.choices]
        assert question.text and question.explanation, question.text
        assert len(set(texts)) == len(texts) and all(texts), question.text
        if question.kind == QuestionKind.TRUE_FALSE:
            assert texts == ["True", "False"] and len(correct) == 1, question.text
        elif question.kind == QuestionKind.SINGLE:
            assert 3 <= len(texts) <= 5 and len(correct) == 1, question.text
        else:
            assert question.kind == QuestionKind.MULTIPLE, question.text
            assert 3 <= len(texts) <= 6 and 1 <= len(correct) < len(texts), question.text
            assert question.text.endswith("Choose all that apply."), question.text


@pytest.mark.parametrize("course", STARTER_COURSES, ids=_ids)
def test_a_quiz_mixes_kinds_and_the_right_answer_is_not_always_first(
    course: StarterCourse,
) -> None:
    kinds = {question.kind for question in course.questions}
    assert len(kinds) >= 2
    single = [question for question in course.questions if question.kind == QuestionKind.SINGLE]
    assert len({[c.correct for c in q.choices].index(True) for q in single}) >= 2


def test_adding_the_curriculum_publishes_every_course_as_version_one(
    organization: Any, admin_member: Any
) -> None:
    added = starter_curriculum_add(organization=organization, actor=admin_member.user)

    assert [course.starter_key for course in added] == [c.key for c in STARTER_COURSES]
    for course, starter in zip(added, STARTER_COURSES, strict=True):
        course.refresh_from_db()
        assert course.organization == organization
        assert course.title == starter.title and course.required == starter.required
        assert course.state == CourseState.PUBLISHED and course.published_at is not None
        assert course.version_label == "1.0" and course.target_all
        assert course.pass_mark == starter.pass_mark
        assert course.questions_per_attempt == starter.questions_per_attempt
        assert course.created_by == admin_member.user
        lessons = list(course.lessons.all())
        assert [lesson.title for lesson in lessons] == [les.title for les in starter.lessons]
        assert [lesson.body for lesson in lessons] == [les.body for les in starter.lessons]
        assert [lesson.position for lesson in lessons] == list(range(len(lessons)))
        questions = list(course.questions.prefetch_related("choices"))
        assert [(q.kind, q.text) for q in questions] == [
            (q.kind, q.text) for q in starter.questions
        ]
        for row, question in zip(questions, starter.questions, strict=True):
            assert [(c.text, c.is_correct) for c in row.choices.all()] == [
                (c.text, c.correct) for c in question.choices
            ]


def test_the_first_version_keeps_a_snapshot_of_lessons_and_questions(
    organization: Any, admin_member: Any
) -> None:
    course = starter_curriculum_add(organization=organization, actor=admin_member.user)[0]

    version = CourseVersion.objects.get(course=course)
    assert (version.major, version.minor, version.title) == (1, 0, course.title)
    lesson = course.lessons.all()[0]
    assert version.lessons[0] == {
        "title": lesson.title,
        "body": lesson.body,
        "video_url": "",
        "minutes": lesson.minutes,
    }
    question = course.questions.all()[0]
    assert version.questions[0] == {
        "kind": question.kind,
        "text": question.text,
        "explanation": question.explanation,
        "choices": [{"text": c.text, "correct": c.is_correct} for c in question.choices.all()],
    }
    assert len(version.lessons) == course.lessons.count()
    assert len(version.questions) == course.questions.count()


def test_adding_it_again_adds_nothing(organization: Any, admin_member: Any) -> None:
    starter_curriculum_add(organization=organization, actor=admin_member.user)
    counts = (Course.objects.count(), Lesson.objects.count(), Question.objects.count())

    assert starter_curriculum_add(organization=organization, actor=admin_member.user) == []
    assert (Course.objects.count(), Lesson.objects.count(), Question.objects.count()) == counts
    assert AuditEvent.objects.filter(action="training.starter_added").count() == 1


def test_a_course_deleted_is_added_back_and_the_others_are_kept(
    organization: Any, admin_member: Any
) -> None:
    added = starter_curriculum_add(organization=organization, actor=admin_member.user)
    added[1].delete()
    added[0].title = "Our own policy course"
    added[0].save(update_fields=["title"])

    again = starter_curriculum_add(organization=organization, actor=admin_member.user)

    assert [course.starter_key for course in again] == [STARTER_COURSES[1].key]
    assert Course.objects.get(pk=added[0].pk).title == "Our own policy course"
    assert Course.objects.filter(organization=organization).count() == len(STARTER_COURSES)


def test_each_organization_gets_its_own_copy(organization: Any, admin_member: Any) -> None:
    other: Any = MembershipFactory(organization=OrganizationFactory(), is_admin=True)
    starter_curriculum_add(organization=organization, actor=admin_member.user)

    theirs = starter_curriculum_add(organization=other.organization, actor=other.user)

    assert len(theirs) == len(STARTER_COURSES)
    assert Course.objects.filter(organization=organization).count() == len(STARTER_COURSES)
    assert Choice.objects.filter(question__course__organization=other.organization).exists()


def test_adding_is_audited_with_the_courses_added(organization: Any, admin_member: Any) -> None:
    starter_curriculum_add(organization=organization, actor=admin_member.user)

    event = AuditEvent.objects.get(organization=organization, action="training.starter_added")
    assert event.actor == admin_member.user
    assert event.data == {"courses": [course.key for course in STARTER_COURSES]}
    assert "training.starter_added" in ACTION_LABELS


def test_a_trainer_may_add_it(organization: Any) -> None:
    trainer: Any = MembershipFactory(organization=organization, is_trainer=True)

    assert starter_curriculum_add(organization=organization, actor=trainer.user)


@pytest.mark.parametrize(
    "who", ["employee", "curator", "deactivated admin", "admin elsewhere"], ids=str
)
def test_others_may_not_add_it_and_nothing_changes(organization: Any, who: str) -> None:
    member: Any = {
        "employee": lambda: MembershipFactory(organization=organization),
        "curator": lambda: MembershipFactory(organization=organization, is_curator=True),
        "deactivated admin": lambda: MembershipFactory(
            organization=organization, is_admin=True, is_active=False
        ),
        "admin elsewhere": lambda: MembershipFactory(is_admin=True),
    }[who]()

    with pytest.raises(PermissionDenied):
        starter_curriculum_add(organization=organization, actor=member.user)

    assert not Course.objects.exists()
    assert not AuditEvent.objects.filter(action="training.starter_added").exists()


def test_a_trainer_adds_the_starter_curriculum_with_one_button(client, organization):
    from django.urls import reverse

    from chorus.factories import MembershipFactory

    trainer = MembershipFactory(organization=organization, is_trainer=True)
    employee = MembershipFactory(organization=organization)
    client.force_login(employee.user)
    assert client.post(reverse("training_starter_add")).status_code == 403
    client.force_login(trainer.user)
    page = client.get(reverse("training_courses")).content.decode()
    assert "Add the starter curriculum" in page
    response = client.post(reverse("training_starter_add"), follow=True)
    body = response.content.decode()
    assert f"Added {len(STARTER_COURSES)} starter courses" in body
    assert "Add the starter curriculum" not in body  # nothing left to add
    assert Course.objects.filter(organization=organization).count() == len(STARTER_COURSES)
    again = client.post(reverse("training_starter_add"), follow=True).content.decode()
    assert "Every starter course is already here." in again
