"""Courses: writing them, publishing versions, archiving, and finishing them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Group, Membership
from chorus.core.audit import audit_record
from chorus.training.models import (
    Course,
    CourseCompletion,
    CourseState,
    CourseVersion,
    LessonProgress,
    QuizAttempt,
)
from chorus.training.services.certification import certificates_award_due

MAX_MINUTES = 1000
MAX_QUESTIONS_PER_ATTEMPT = 200
MAX_ATTEMPTS = 100
MAX_COOLDOWN_HOURS = 24 * 90


def require_trainer(membership: Membership) -> None:
    """Only trainers (and admins, who hold every role) write courses."""
    if not membership.has_role("trainer"):
        raise PermissionDenied(_("Only trainers may change courses."))


@dataclass
class CourseFields:
    """What a trainer sets on a course."""

    title: str
    summary: str = ""
    required: bool = False
    minutes: int = 15
    target_all: bool = True
    target_groups: list[Group] = field(default_factory=list)
    pass_mark: int = 80
    questions_per_attempt: int = 10
    attempts_allowed: int = 3
    cooldown_hours: int = 24


def _check(membership: Membership, fields: CourseFields) -> None:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    fields.title = fields.title.strip()
    if not fields.title:
        add("title", _("Give the course a title."))
    elif len(fields.title) > 200:
        add("title", _("A title has at most 200 characters."))
    if not 1 <= fields.minutes <= MAX_MINUTES:
        add(
            "minutes",
            _("The estimated time is between 1 and %(max)s minutes.") % {"max": MAX_MINUTES},
        )
    if not 1 <= fields.pass_mark <= 100:
        add("pass_mark", _("The pass mark is between 1 and 100 percent."))
    if not 0 <= fields.questions_per_attempt <= MAX_QUESTIONS_PER_ATTEMPT:
        add(
            "questions_per_attempt",
            _("Draw between 0 (every question) and %(max)s questions per attempt.")
            % {"max": MAX_QUESTIONS_PER_ATTEMPT},
        )
    if not 0 <= fields.attempts_allowed <= MAX_ATTEMPTS:
        add(
            "attempts_allowed",
            _("Allow between 0 (unlimited) and %(max)s attempts.") % {"max": MAX_ATTEMPTS},
        )
    if not 0 <= fields.cooldown_hours <= MAX_COOLDOWN_HOURS:
        add(
            "cooldown_hours",
            _("The cool-down is between 0 and %(max)s hours.") % {"max": MAX_COOLDOWN_HOURS},
        )
    if any(group.organization_id != membership.organization_id for group in fields.target_groups):
        add("target_groups", _("Choose groups of this organization."))
    if not fields.target_all and not fields.target_groups:
        add("target_groups", _("Choose at least one group, or all members."))
    if errors:
        raise ValidationError(errors)


def _apply(course: Course, fields: CourseFields) -> None:
    course.title = fields.title
    course.summary = fields.summary.strip()
    course.required = fields.required
    course.minutes = fields.minutes
    course.target_all = fields.target_all
    course.pass_mark = fields.pass_mark
    course.questions_per_attempt = fields.questions_per_attempt
    course.attempts_allowed = fields.attempts_allowed
    course.cooldown_hours = fields.cooldown_hours


@transaction.atomic
def course_create(*, membership: Membership, fields: CourseFields) -> Course:
    require_trainer(membership)
    _check(membership, fields)
    course = Course(organization=membership.organization, created_by=membership.user)
    _apply(course, fields)
    course.save()
    course.target_groups.set([] if fields.target_all else fields.target_groups)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="course.created",
        target=course,
    )
    return course


@transaction.atomic
def course_update(*, membership: Membership, course: Course, fields: CourseFields) -> Course:
    require_trainer(membership)
    _check(membership, fields)
    _apply(course, fields)
    course.save()
    course.target_groups.set([] if fields.target_all else fields.target_groups)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="course.updated",
        target=course,
    )
    return course


def _snapshot(course: Course, membership: Membership, note: str) -> CourseVersion:
    lessons = [
        {
            "title": lesson.title,
            "body": lesson.body,
            "video_url": lesson.video_url,
            "minutes": lesson.minutes,
        }
        for lesson in course.lessons.order_by("position", "id")
    ]
    questions = [
        {
            "kind": question.kind,
            "text": question.text,
            "explanation": question.explanation,
            "active": question.is_active,
            "choices": [
                {"text": choice.text, "correct": choice.is_correct}
                for choice in question.choices.all()
            ],
        }
        for question in course.questions.prefetch_related("choices").order_by("position", "id")
    ]
    return CourseVersion.objects.create(
        course=course,
        major=course.major_version,
        minor=course.minor_version,
        title=course.title,
        summary=course.summary,
        lessons=lessons,
        questions=questions,
        note=note.strip()[:300],
        created_by=membership.user,
    )


@transaction.atomic
def course_publish(
    *, membership: Membership, course: Course, retake: bool = False, note: str = ""
) -> CourseVersion:
    """Publish a version: the first is 1.0; then a minor version (x.y+1) keeps whoever
    finished the course done, a major one (x+1.0) asks them to take it again."""
    require_trainer(membership)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if not course.lessons.exists():
        raise ValidationError(_("Add at least one lesson before publishing."))
    if course.major_version == 0:
        course.major_version, course.minor_version = 1, 0
    elif retake:
        course.major_version, course.minor_version = course.major_version + 1, 0
    else:
        course.minor_version += 1
    course.state = CourseState.PUBLISHED
    course.published_at = timezone.now()
    course.save(update_fields=["major_version", "minor_version", "state", "published_at"])
    version = _snapshot(course, membership, note)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="course.published",
        target=course,
        data={"version": course.version_label, "retake": retake},
    )
    return version


def course_archive(*, membership: Membership, course: Course) -> Course:
    """Members no longer see the course; completions are kept."""
    require_trainer(membership)
    if course.state == CourseState.ARCHIVED:
        raise ValidationError(_("This course is already archived."))
    course.state = CourseState.ARCHIVED
    course.save(update_fields=["state", "updated_at"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="course.archived",
        target=course,
    )
    return course


def require_published(course: Course) -> None:
    if course.state != CourseState.PUBLISHED or course.major_version == 0:
        raise ValidationError(_("This course is not published: it can only be previewed."))


def course_complete_if_done(*, membership: Membership, course: Course) -> CourseCompletion | None:
    """Record the completion at the current major version once every lesson is read and the
    quiz is passed (or the course has no active questions). Taking the course again
    refreshes it: a quiz passed again (or, without a quiz, every lesson read again) after
    the completion moves its date (and score) to the retake, which is what renewing a
    certificate asks for. Otherwise idempotent: the existing completion is returned. The
    member's certificates now due are issued."""
    if course.state != CourseState.PUBLISHED or course.major_version == 0:
        return None
    existing = CourseCompletion.objects.filter(
        organization=membership.organization,
        membership=membership,
        course=course,
        major_version=course.major_version,
    ).first()
    lesson_ids = set(course.lessons.values_list("pk", flat=True))
    progress = LessonProgress.objects.filter(
        organization=membership.organization, membership=membership, lesson_id__in=lesson_ids
    )
    read = dict(progress.values_list("lesson_id", "completed_at"))
    if lesson_ids - set(read):
        return existing
    score: int | None = None
    retaken_at = None
    if course.questions.filter(is_active=True).exists():
        passed_attempts = QuizAttempt.objects.filter(
            organization=membership.organization,
            membership=membership,
            course=course,
            major_version=course.major_version,
            passed=True,
        )
        if existing is not None:
            latest = (
                passed_attempts.filter(submitted_at__gt=existing.completed_at)
                .order_by("-submitted_at", "-id")
                .first()
            )
            if latest is not None:
                score, retaken_at = latest.score, latest.submitted_at
        else:
            passed = passed_attempts.order_by("-score").first()
            if passed is None:
                return None
            score = passed.score
    elif existing is not None and read and min(read.values()) > existing.completed_at:
        retaken_at = max(read.values())
    if existing is not None:
        if retaken_at is None:
            return existing
        return _completion_refresh(existing, course=course, score=score, at=retaken_at)
    try:
        with transaction.atomic():
            completion = CourseCompletion.objects.create(
                organization=membership.organization,
                membership=membership,
                course=course,
                major_version=course.major_version,
                minor_version=course.minor_version,
                score=score,
            )
    except IntegrityError:
        return CourseCompletion.objects.get(
            organization=membership.organization,
            membership=membership,
            course=course,
            major_version=course.major_version,
        )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="course.completed",
        target=course,
        data={"version": course.version_label, "score": score},
    )
    certificates_award_due(membership=membership)
    return completion


def _completion_refresh(
    completion: CourseCompletion, *, course: Course, score: int | None, at: datetime
) -> CourseCompletion:
    """The member took the course again: the completion moves to the retake."""
    membership = completion.membership
    completion.completed_at = at
    completion.minor_version = course.minor_version
    fields = ["completed_at", "minor_version"]
    if score is not None:
        completion.score = score
        fields.append("score")
    completion.save(update_fields=fields)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="course.retaken",
        target=course,
        data={"version": course.version_label, "score": score},
    )
    certificates_award_due(membership=membership)
    return completion
