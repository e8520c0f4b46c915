"""Members learn: My learning, course and lesson pages, progress, versions and completions."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    CourseCompletion,
    LessonProgress,
    RsvpState,
)
from chorus.training.selectors.learning import (
    course_for_member,
    current_completions,
    my_learning,
)
from chorus.training.services.courses import CourseFields, course_create, course_publish
from chorus.training.services.lessons import LessonFields, lesson_create, lesson_mark_read
from chorus.training.services.sessions import SessionFields, rsvp_set, session_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_trainer=True)


def published(trainer: Any, title: str, *, lessons: int = 2, **fields: Any) -> Course:
    course = course_create(membership=trainer, fields=CourseFields(title=title, **fields))
    for number in range(lessons):
        lesson_create(
            membership=trainer,
            course=course,
            fields=LessonFields(title=f"{title} {number + 1}", body=f"## Part {number + 1}"),
        )
    course_publish(membership=trainer, course=course)
    course.refresh_from_db()
    return course


def read_all(member: Any, course: Course) -> None:
    for lesson in course.lessons.all():
        lesson_mark_read(membership=member, lesson=lesson)


def test_my_learning_lists_targeted_published_courses_required_first(
    organization: Any, trainer: Any, employee: Any
) -> None:
    sales: Any = GroupFactory(organization=organization, name="Sales")
    sales.members.add(employee)
    support: Any = GroupFactory(organization=organization, name="Support")
    published(trainer, "Optional A")
    published(trainer, "Required Z", required=True)
    published(trainer, "For sales", target_all=False, target_groups=[sales])
    published(trainer, "For support", target_all=False, target_groups=[support])
    course_create(membership=trainer, fields=CourseFields(title="Draft"))
    titles = [status.course.title for status in my_learning(membership=employee)]
    assert titles == ["Required Z", "For sales", "Optional A"]


def test_drafts_and_courses_for_others_are_404_for_members_but_trainers_preview(
    organization: Any, trainer: Any, employee: Any, client: Client
) -> None:
    support: Any = GroupFactory(organization=organization, name="Support")
    other = published(trainer, "For support", target_all=False, target_groups=[support])
    draft = course_create(membership=trainer, fields=CourseFields(title="Draft"))
    lesson_create(membership=trainer, course=draft, fields=LessonFields(title="One"))
    client.force_login(employee.user)
    for course in (other, draft):
        assert client.get(reverse("course_detail", args=[course.pk])).status_code == 404
        lesson = course.lessons.first()
        assert lesson is not None
        assert client.get(reverse("lesson_detail", args=[lesson.pk])).status_code == 404
        assert client.post(reverse("lesson_read", args=[lesson.pk])).status_code == 404
    client.force_login(trainer.user)
    page = client.get(reverse("course_detail", args=[draft.pk]))
    assert page.status_code == 200
    assert "Preview" in page.content.decode()
    outsider: Any = MembershipFactory()
    with pytest.raises(Http404):
        course_for_member(membership=outsider, course_id=other.pk)


def test_reading_lessons_one_after_another_completes_a_course_without_quiz(
    trainer: Any, employee: Any, client: Client
) -> None:
    course = published(trainer, "Disclosure")
    first, second = course.lessons.all()
    client.force_login(employee.user)
    page = client.get(reverse("lesson_detail", args=[first.pk]))
    assert "<h2>Part 1</h2>" in page.content.decode()
    assert "Mark as read and continue" in page.content.decode()
    response = client.post(reverse("lesson_read", args=[first.pk]))
    assert response["Location"] == reverse("lesson_detail", args=[second.pk])
    assert not CourseCompletion.objects.exists()
    response = client.post(reverse("lesson_read", args=[second.pk]))
    assert response["Location"] == reverse("course_detail", args=[course.pk])
    completion = CourseCompletion.objects.get()
    assert (completion.major_version, completion.minor_version) == (1, 0)
    # Reading again changes nothing.
    client.post(reverse("lesson_read", args=[second.pk]))
    assert CourseCompletion.objects.count() == 1
    assert LessonProgress.objects.count() == 2
    learning = client.get(reverse("learning")).content.decode()
    assert "2 of 2 lessons read" in learning
    assert "version 1.0" in learning


def test_a_minor_version_keeps_members_done_and_a_major_one_asks_them_again(
    trainer: Any, employee: Any, client: Client
) -> None:
    course = published(trainer, "Disclosure")
    read_all(employee, course)
    course_publish(membership=trainer, course=course, retake=False)
    status = my_learning(membership=employee)[0]
    assert status.done and status.update_available and not status.retake_needed
    assert list(current_completions(employee)) == [course.pk]
    client.force_login(employee.user)
    assert "Update available" in client.get(reverse("learning")).content.decode()

    course_publish(membership=trainer, course=course, retake=True)
    status = my_learning(membership=employee)[0]
    assert not status.done and status.retake_needed
    assert current_completions(employee) == {}
    assert "Retake needed" in client.get(reverse("learning")).content.decode()


def test_current_completions_count_only_the_members_own(
    organization: Any, trainer: Any, employee: Any
) -> None:
    course = published(trainer, "Disclosure", lessons=1)
    other: Any = MembershipFactory(organization=organization)
    read_all(other, course)
    assert current_completions(employee) == {}
    assert set(current_completions(other)) == {course.pk}


def test_member_pages_render(trainer: Any, employee: Any, client: Client) -> None:
    course = published(trainer, "Disclosure", lessons=1)
    client.force_login(employee.user)
    assert client.get(reverse("learning")).status_code == 200
    assert client.get(reverse("course_detail", args=[course.pk])).status_code == 200


def test_another_organizations_course_is_404(employee: Any, client: Client) -> None:
    stranger: Any = MembershipFactory(organization=OrganizationFactory(), is_trainer=True)
    course = published(stranger, "Elsewhere", lessons=1)
    lesson = course.lessons.get()
    client.force_login(employee.user)
    assert client.get(reverse("course_detail", args=[course.pk])).status_code == 404
    assert client.get(reverse("lesson_detail", args=[lesson.pk])).status_code == 404
    assert client.post(reverse("quiz_start", args=[course.pk])).status_code == 404


def test_my_learning_reads_in_the_same_queries_however_many_courses(
    trainer: Any, employee: Any, client: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("learning")).status_code == 200
        return len(captured)

    client.force_login(employee.user)
    read_all(employee, published(trainer, "First"))
    queries()  # the session's first page does more (its messages, the sign-in)
    few = queries()
    for number in range(4):
        read_all(employee, published(trainer, f"More {number}", lessons=3))
    assert queries() == few


def test_my_learning_shows_progress_done_certificates_and_sessions(
    organization: Any, trainer: Any, employee: Any, client: Client
) -> None:
    started = published(trainer, "Started course", required=True)
    published(trainer, "Untouched course")
    finished = published(trainer, "Finished course")
    lesson_mark_read(membership=employee, lesson=started.lessons.all()[0])
    read_all(employee, finished)
    certification = Certification.objects.create(organization=organization, name="Social media")
    Certificate.objects.create(
        organization=organization,
        certification=certification,
        membership=employee,
        code="c1",
        expires_at=timezone.now() - timedelta(days=1),
    )
    session = session_create(
        membership=trainer,
        fields=SessionFields(
            title="Profile clinic",
            starts_on=date.today() + timedelta(days=3),
            starts_time=time(10, 0),
            time_zone="Europe/Berlin",
        ),
    )[0]
    rsvp_set(membership=employee, session=session, state=RsvpState.GOING)
    client.force_login(employee.user)
    response = client.get(reverse("learning"))
    context = response.context
    assert [s.course.title for s in context["in_progress"]] == ["Started course"]
    assert [s.course.title for s in context["to_start"]] == ["Untouched course"]
    assert [s.course.title for s in context["done"]] == ["Finished course"]
    page = response.content.decode()
    assert "Social media" in page and "Expired" in page
    assert "Profile clinic" in page and "(Europe/Berlin)" in page
    assert "1 in progress · 1 done" in page
