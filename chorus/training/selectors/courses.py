"""Reads for trainers: the organization's courses, their lessons and question bank."""

from __future__ import annotations

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from chorus.accounts.models import Organization
from chorus.training.models import (
    Course,
    CourseCompletion,
    CourseState,
    Lesson,
    LessonImage,
    Question,
)
from chorus.training.services.starter import STARTER_COURSES, StarterCourse


def course_list(*, organization: Organization) -> QuerySet[Course]:
    """Every course of the organization (drafts, published, then archived), with its
    completion count at the current major version."""
    return (
        Course.objects.filter(organization=organization)
        .prefetch_related("target_groups")
        .annotate(
            completion_count=Count(
                "completions",
                filter=Q(completions__major_version=F("major_version")),
                distinct=True,
            )
        )
        .annotate(
            state_order=Case(
                When(state=CourseState.DRAFT, then=Value(0)),
                When(state=CourseState.PUBLISHED, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("state_order", "-required", "title", "id")
    )


def course_get(*, organization: Organization, course_id: int) -> Course:
    """The organization's course (404 for another organization's id)."""
    return get_object_or_404(Course, pk=course_id, organization=organization)


def lesson_get(*, organization: Organization, lesson_id: int) -> Lesson:
    return get_object_or_404(
        Lesson.objects.select_related("course"), pk=lesson_id, course__organization=organization
    )


def lesson_image_get(*, organization: Organization, image_id: int) -> LessonImage:
    return get_object_or_404(
        LessonImage.objects.select_related("lesson__course"),
        pk=image_id,
        lesson__course__organization=organization,
    )


def question_get(*, organization: Organization, question_id: int) -> Question:
    return get_object_or_404(
        Question.objects.select_related("course"),
        pk=question_id,
        course__organization=organization,
    )


def course_questions(*, course: Course) -> QuerySet[Question]:
    return course.questions.prefetch_related("choices").order_by("position", "id")


def completion_count(*, course: Course) -> int:
    return CourseCompletion.objects.filter(
        organization_id=course.organization_id, course=course, major_version=course.major_version
    ).count()


def starter_courses_missing(*, organization: Organization) -> list[StarterCourse]:
    """The starter curriculum's courses the organization has not added (or deleted since)."""
    added = set(
        Course.objects.filter(organization=organization)
        .exclude(starter_key="")
        .values_list("starter_key", flat=True)
    )
    return [course for course in STARTER_COURSES if course.key not in added]
