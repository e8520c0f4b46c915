"""Trainers write courses: pages, rules in the services, versions on publish, pictures."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image

from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import Course, CourseState, CourseVersion, Lesson, LessonImage
from chorus.training.services.courses import (
    CourseFields,
    course_archive,
    course_create,
    course_publish,
    course_update,
)
from chorus.training.services.lessons import (
    LessonFields,
    lesson_create,
    lesson_image_add,
    lesson_move,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_trainer=True)


@pytest.fixture
def trainer_client(client: Client, trainer: Any) -> Client:
    client.force_login(trainer.user)
    return client


def make_course(trainer: Any, title: str = "Posting on LinkedIn", lessons: int = 2) -> Course:
    course = course_create(membership=trainer, fields=CourseFields(title=title))
    for number in range(lessons):
        lesson_create(
            membership=trainer,
            course=course,
            fields=LessonFields(title=f"Lesson {number + 1}", body=f"Text **{number + 1}**"),
        )
    return course


def png_upload(name: str = "picture.png") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_only_trainers_and_admins_write_courses(organization: Any, employee: Any) -> None:
    with pytest.raises(PermissionDenied):
        course_create(membership=employee, fields=CourseFields(title="Nope"))
    admin: Any = MembershipFactory(organization=organization, is_admin=True)
    assert course_create(membership=admin, fields=CourseFields(title="Yes")).pk
    assert Course.objects.count() == 1


def test_the_course_pages_are_for_trainers(client: Client, employee: Any, trainer: Any) -> None:
    client.force_login(employee.user)
    assert client.get(reverse("training_courses")).status_code == 403
    client.force_login(trainer.user)
    assert client.get(reverse("training_courses")).status_code == 200


def test_bad_course_settings_are_refused_and_change_nothing(trainer: Any) -> None:
    course = make_course(trainer)
    with pytest.raises(ValidationError) as refused:
        course_update(
            membership=trainer,
            course=course,
            fields=CourseFields(title=" ", pass_mark=0, target_all=False),
        )
    assert set(refused.value.message_dict) == {"title", "pass_mark", "target_groups"}
    course.refresh_from_db()
    assert course.title == "Posting on LinkedIn"
    assert course.pass_mark == 80


def test_a_course_cannot_target_another_organizations_group(trainer: Any) -> None:
    foreign: Any = GroupFactory(organization=OrganizationFactory())
    with pytest.raises(ValidationError):
        course_create(
            membership=trainer,
            fields=CourseFields(title="X", target_all=False, target_groups=[foreign]),
        )
    assert not Course.objects.exists()


def test_creating_a_course_through_its_page(trainer_client: Client, organization: Any) -> None:
    group: Any = GroupFactory(organization=organization, name="Sales")
    response = trainer_client.post(
        reverse("training_course_new"),
        {
            "title": "Disclosure",
            "summary": "Say who you work for.",
            "minutes": 20,
            "target": "groups",
            "target_groups": [group.pk],
            "pass_mark": 75,
            "questions_per_attempt": 5,
            "attempts_allowed": 2,
            "cooldown_hours": 12,
            "required": "on",
        },
    )
    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training_course", args=[course.pk])
    assert (course.title, course.required, course.target_all, course.pass_mark) == (
        "Disclosure",
        True,
        False,
        75,
    )
    assert list(course.target_groups.all()) == [group]
    assert AuditEvent.objects.filter(action="course.created").count() == 1


def test_groups_audience_without_groups_shows_the_error(trainer_client: Client) -> None:
    response = trainer_client.post(
        reverse("training_course_new"),
        {
            "title": "Disclosure",
            "minutes": 20,
            "target": "groups",
            "pass_mark": 75,
            "questions_per_attempt": 5,
            "attempts_allowed": 2,
            "cooldown_hours": 12,
        },
    )
    assert response.status_code == 200
    assert "Choose at least one group" in response.content.decode()
    assert not Course.objects.exists()


def test_publishing_numbers_versions_and_snapshots_them(trainer: Any) -> None:
    course = make_course(trainer)
    with pytest.raises(ValidationError):
        course_publish(membership=trainer, course=make_course(trainer, "Empty", lessons=0))
    assert course_publish(membership=trainer, course=course).major == 1
    course.refresh_from_db()
    assert (course.version_label, course.state) == ("1.0", CourseState.PUBLISHED)
    course_publish(membership=trainer, course=course, retake=False)
    course.refresh_from_db()
    assert course.version_label == "1.1"
    version = course_publish(membership=trainer, course=course, retake=True, note="New rules")
    course.refresh_from_db()
    assert course.version_label == "2.0"
    assert [lesson["title"] for lesson in version.lessons] == ["Lesson 1", "Lesson 2"]
    assert version.note == "New rules"
    assert list(CourseVersion.objects.values_list("major", "minor")) == [(2, 0), (1, 1), (1, 0)]
    assert AuditEvent.objects.filter(action="course.published").count() == 3


def test_publish_and_archive_pages(trainer_client: Client, trainer: Any) -> None:
    course = make_course(trainer)
    trainer_client.post(reverse("training_course_publish", args=[course.pk]), {})
    trainer_client.post(reverse("training_course_publish", args=[course.pk]), {"retake": "on"})
    course.refresh_from_db()
    assert course.version_label == "2.0"
    trainer_client.post(reverse("training_course_archive", args=[course.pk]))
    course.refresh_from_db()
    assert course.state == CourseState.ARCHIVED
    with pytest.raises(ValidationError):
        course_archive(membership=trainer, course=course)


def test_lessons_move_up_and_down(trainer: Any, trainer_client: Client) -> None:
    course = make_course(trainer, lessons=3)
    first, second, third = course.lessons.all()
    lesson_move(membership=trainer, lesson=third, up=True)
    assert [lesson.title for lesson in course.lessons.all()] == ["Lesson 1", "Lesson 3", "Lesson 2"]
    trainer_client.post(reverse("training_lesson_move", args=[first.pk]), {"direction": "down"})
    assert [lesson.title for lesson in course.lessons.all()] == ["Lesson 3", "Lesson 1", "Lesson 2"]
    # Nothing moves past either end.
    lesson_move(membership=trainer, lesson=second, up=False)
    assert [lesson.title for lesson in course.lessons.all()] == ["Lesson 3", "Lesson 1", "Lesson 2"]


def test_lesson_page_previews_markdown_without_saving(trainer: Any, trainer_client: Client) -> None:
    course = make_course(trainer, lessons=1)
    lesson = course.lessons.get()
    response = trainer_client.post(
        reverse("training_lesson", args=[lesson.pk]),
        {
            "title": "Changed",
            "body": "**bold** <script>alert(1)</script>",
            "minutes": 3,
            "preview": "1",
        },
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    lesson.refresh_from_db()
    assert lesson.title == "Lesson 1"


def test_a_lesson_is_saved_with_its_video_link(trainer: Any, trainer_client: Client) -> None:
    course = make_course(trainer, lessons=0)
    response = trainer_client.post(
        reverse("training_lesson_new", args=[course.pk]),
        {
            "title": "Video",
            "body": "Watch",
            "video_url": "https://video.example/watch/1",
            "minutes": 4,
        },
    )
    lesson = Lesson.objects.get()
    assert response.status_code == 302
    assert lesson.video_url == "https://video.example/watch/1"
    refused = trainer_client.post(
        reverse("training_lesson", args=[lesson.pk]),
        {"title": "Video", "video_url": "javascript:alert(1)", "minutes": 4},
    )
    assert refused.status_code == 200
    lesson.refresh_from_db()
    assert lesson.video_url == "https://video.example/watch/1"


def test_lesson_pictures_are_reencoded_and_served_to_members_only(
    trainer: Any, trainer_client: Client, client: Client, employee: Any
) -> None:
    course = make_course(trainer, lessons=1)
    lesson = course.lessons.get()
    trainer_client.post(
        reverse("training_lesson_image_add", args=[lesson.pk]),
        {"image": png_upload(), "alt_text": "A red square"},
    )
    image = LessonImage.objects.get()
    assert (image.width, image.height, image.alt_text) == (40, 30, "A red square")
    url = reverse("lesson_image", args=[image.pk])
    # The trainer sees it while the course is a draft; a member only once it is published.
    assert trainer_client.get(url).status_code == 200
    other = Client()
    other.force_login(employee.user)
    assert other.get(url).status_code == 404
    course_publish(membership=trainer, course=course)
    assert other.get(url).status_code == 200
    # Shown in the lesson even when the text does not place it, and once when it does.
    lesson_page = reverse("lesson_detail", args=[lesson.pk])
    assert other.get(lesson_page).content.decode().count(f'src="{url}"') == 1
    lesson.body = f"Look: ![A red square]({url})"
    lesson.save()
    assert other.get(lesson_page).content.decode().count(f'src="{url}"') == 1
    outsider: Any = MembershipFactory(organization=OrganizationFactory())
    other.force_login(outsider.user)
    assert other.get(url).status_code == 404


def test_a_file_that_is_not_a_picture_is_refused(trainer: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    lesson = make_course(trainer, lessons=1).lessons.get()
    with pytest.raises(ValidationError):
        lesson_image_add(
            membership=trainer,
            lesson=lesson,
            upload=SimpleUploadedFile("x.png", b"<svg></svg>", content_type="image/png"),
        )
    assert not LessonImage.objects.exists()


def test_foreign_course_ids_are_404(trainer_client: Client) -> None:
    stranger: Any = MembershipFactory(organization=OrganizationFactory(), is_trainer=True)
    course = make_course(stranger, lessons=1)
    lesson = course.lessons.get()
    for url in (
        reverse("training_course", args=[course.pk]),
        reverse("training_course_edit", args=[course.pk]),
        reverse("training_lesson", args=[lesson.pk]),
        reverse("training_question_new", args=[course.pk]),
    ):
        assert trainer_client.get(url).status_code == 404
    for url in (
        reverse("training_course_publish", args=[course.pk]),
        reverse("training_lesson_delete", args=[lesson.pk]),
    ):
        assert trainer_client.post(url).status_code == 404
    assert Lesson.objects.filter(pk=lesson.pk).exists()


def test_the_trainer_pages_render(trainer: Any, trainer_client: Client) -> None:
    course = make_course(trainer)
    course_publish(membership=trainer, course=course)
    lesson = course.lessons.first()
    assert lesson is not None
    for url in (
        reverse("training_courses"),
        reverse("training_course_new"),
        reverse("training_course", args=[course.pk]),
        reverse("training_course_edit", args=[course.pk]),
        reverse("training_lesson_new", args=[course.pk]),
        reverse("training_lesson", args=[lesson.pk]),
        reverse("training_question_new", args=[course.pk]),
    ):
        response = trainer_client.get(url)
        assert response.status_code == 200, url
    listing = trainer_client.get(reverse("training_courses")).content.decode()
    assert "Posting on LinkedIn" in listing
    assert "1.0" in listing


def test_the_trainers_list_shows_drafts_then_published_then_archived(trainer: Any) -> None:
    from chorus.training.selectors.courses import course_list

    archived = make_course(trainer, "A archived")
    course_publish(membership=trainer, course=archived)
    course_archive(membership=trainer, course=archived)
    published = make_course(trainer, "B published")
    course_publish(membership=trainer, course=published)
    make_course(trainer, "C draft")
    titles = [course.title for course in course_list(organization=trainer.organization)]
    assert titles == ["C draft", "B published", "A archived"]
