"""Lessons: writing them (text, video link, pictures), their order, and members reading them."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.core.images import ImageRefused, image_encode, image_open
from chorus.core.validators import web_url_clean
from chorus.training.models import Course, Lesson, LessonImage, LessonProgress
from chorus.training.selectors.learning import course_open_to
from chorus.training.services.courses import (
    course_complete_if_done,
    require_published,
    require_trainer,
)

LESSON_IMAGE_MAX_SIDE = 2400
MAX_BODY = 50_000
MAX_IMAGES = 20


@dataclass
class LessonFields:
    title: str
    body: str = ""
    video_url: str = ""
    minutes: int = 5


def _check(fields: LessonFields) -> None:
    errors: dict[str, list[str]] = {}
    fields.title = fields.title.strip()
    if not fields.title:
        errors["title"] = [_("Give the lesson a title.")]
    elif len(fields.title) > 200:
        errors["title"] = [_("A title has at most 200 characters.")]
    if len(fields.body) > MAX_BODY:
        errors["body"] = [_("A lesson has at most %(max)s characters.") % {"max": MAX_BODY}]
    if not 1 <= fields.minutes <= 600:
        errors["minutes"] = [_("The estimated time is between 1 and 600 minutes.")]
    fields.video_url = fields.video_url.strip()
    if fields.video_url:
        try:
            fields.video_url = web_url_clean(fields.video_url)
        except ValidationError as error:
            errors["video_url"] = list(error.messages)
    if errors:
        raise ValidationError(errors)


def _audit(membership: Membership, action: str, course: Course, **data: object) -> None:
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action=action,
        target=course,
        data=dict(data),
    )


@transaction.atomic
def lesson_create(*, membership: Membership, course: Course, fields: LessonFields) -> Lesson:
    require_trainer(membership)
    _check(fields)
    last = course.lessons.order_by("-position").first()
    lesson = Lesson.objects.create(
        course=course,
        position=last.position + 1 if last else 0,
        title=fields.title,
        body=fields.body,
        video_url=fields.video_url,
        minutes=fields.minutes,
    )
    _audit(membership, "lesson.created", course, lesson_id=lesson.pk)
    return lesson


def lesson_update(*, membership: Membership, lesson: Lesson, fields: LessonFields) -> Lesson:
    require_trainer(membership)
    _check(fields)
    lesson.title = fields.title
    lesson.body = fields.body
    lesson.video_url = fields.video_url
    lesson.minutes = fields.minutes
    lesson.save(update_fields=["title", "body", "video_url", "minutes"])
    _audit(membership, "lesson.updated", lesson.course, lesson_id=lesson.pk)
    return lesson


@transaction.atomic
def lesson_delete(*, membership: Membership, lesson: Lesson) -> None:
    require_trainer(membership)
    course = lesson.course
    names = [image.image.name for image in lesson.images.all() if image.image.name]
    lesson_id = lesson.pk
    lesson.delete()
    storage = LessonImage._meta.get_field("image").storage  # type: ignore[attr-defined]
    for name in names:
        transaction.on_commit(functools.partial(storage.delete, name))
    _audit(membership, "lesson.deleted", course, lesson_id=lesson_id)


@transaction.atomic
def lesson_move(*, membership: Membership, lesson: Lesson, up: bool) -> None:
    """Swap the lesson with the one before (up) or after it; nothing at either end."""
    require_trainer(membership)
    ordered = list(lesson.course.lessons.select_for_update().order_by("position", "id"))
    index = next(i for i, item in enumerate(ordered) if item.pk == lesson.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    _audit(membership, "lesson.moved", lesson.course, lesson_id=lesson.pk, up=up)


@transaction.atomic
def lesson_image_add(
    *, membership: Membership, lesson: Lesson, upload: UploadedFile, alt_text: str = ""
) -> LessonImage:
    """A new file Pillow wrote from the upload (upright, without metadata, at most
    LESSON_IMAGE_MAX_SIDE pixels a side), like post images."""
    require_trainer(membership)
    if lesson.images.count() >= MAX_IMAGES:
        raise ValidationError(_("A lesson has at most %(max)s pictures.") % {"max": MAX_IMAGES})
    try:
        upload.seek(0)
        with image_open(upload.read(), name=upload.name or _("The file")) as opened:
            kept = {"JPEG": "JPEG", "PNG": "PNG"}.get(opened.format or "")
            transparent = opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info
            encoded = image_encode(
                opened,
                max_width=LESSON_IMAGE_MAX_SIDE,
                max_height=LESSON_IMAGE_MAX_SIDE,
                image_format=kept or ("PNG" if transparent else "JPEG"),
                quality=88,
            )
    except ImageRefused as error:
        raise ValidationError(str(error)) from error
    last = lesson.images.order_by("-position").first()
    image = LessonImage(
        lesson=lesson,
        alt_text=alt_text.strip()[:500],
        position=last.position + 1 if last else 0,
        width=encoded.width,
        height=encoded.height,
    )
    field = LessonImage._meta.get_field("image")
    name = field.generate_filename(image, f"{uuid.uuid4().hex}.{encoded.extension}")  # type: ignore[attr-defined]
    image.image.name = image.image.storage.save(name, ContentFile(encoded.content))
    image.save()
    _audit(membership, "lesson.image_added", lesson.course, lesson_id=lesson.pk, image_id=image.pk)
    return image


def lesson_image_delete(*, membership: Membership, image: LessonImage) -> None:
    require_trainer(membership)
    lesson = image.lesson
    image_id = image.pk
    name = image.image.name
    storage = image.image.storage
    image.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    _audit(
        membership, "lesson.image_deleted", lesson.course, lesson_id=lesson.pk, image_id=image_id
    )


def lesson_mark_read(*, membership: Membership, lesson: Lesson) -> bool:
    """The member read the lesson. True when the course is done. Reading it again moves
    the date it was read (a course without a quiz is retaken by reading it all again)."""
    course = lesson.course
    if not course_open_to(course, membership):
        raise ValidationError(_("This course is not open to you."))
    require_published(course)
    try:
        with transaction.atomic():
            _progress, created = LessonProgress.objects.get_or_create(
                organization=membership.organization, membership=membership, lesson=lesson
            )
    except IntegrityError:
        created = True  # read at the same moment elsewhere
    if not created:
        LessonProgress.objects.filter(
            organization=membership.organization, membership=membership, lesson=lesson
        ).update(completed_at=timezone.now())
    return course_complete_if_done(membership=membership, course=course) is not None
