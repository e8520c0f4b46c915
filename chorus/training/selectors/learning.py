"""Reads for members: the courses targeted at them, their progress and completions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet
from django.http import Http404

from chorus.accounts.models import Group, Membership
from chorus.training.models import (
    Course,
    CourseCompletion,
    CourseState,
    Lesson,
    LessonProgress,
)


def _targets(groups: Iterable[Group], member_group_ids: set[int]) -> bool:
    """Like posts: groups of one kind are OR'ed, different kinds AND'ed."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for group in groups:
        by_kind[group.kind].add(group.pk)
    if not by_kind:
        return False
    return all(ids & member_group_ids for ids in by_kind.values())


def _member_group_ids(membership: Membership) -> set[int]:
    return set(membership.groups.values_list("pk", flat=True))


# Public names for the other features targeted like courses (sessions).
groups_target = _targets
member_group_ids = _member_group_ids


def course_targets(course: Course, membership: Membership) -> bool:
    """Whether the course is meant for this member (its audience, whatever its state)."""
    if course.organization_id != membership.organization_id or not membership.is_active:
        return False
    if course.target_all:
        return True
    return _targets(course.target_groups.all(), _member_group_ids(membership))


def course_open_to(course: Course, membership: Membership) -> bool:
    """A member may read a published course meant for them; trainers preview any course."""
    if course.organization_id != membership.organization_id:
        return False
    if membership.has_role("trainer"):
        return True
    return course.state == CourseState.PUBLISHED and course_targets(course, membership)


def course_for_member(*, membership: Membership, course_id: int) -> Course:
    """The course if this member may read it; 404 otherwise (foreign, draft, not targeted)."""
    course = (
        Course.objects.filter(organization=membership.organization, pk=course_id)
        .prefetch_related("target_groups")
        .first()
    )
    if course is None or not course_open_to(course, membership):
        raise Http404("No such course.")
    return course


def lesson_for_member(*, membership: Membership, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.select_related("course")
        .filter(course__organization=membership.organization, pk=lesson_id)
        .first()
    )
    if lesson is None or not course_open_to(lesson.course, membership):
        raise Http404("No such lesson.")
    return lesson


def courses_for_member(*, membership: Membership) -> list[Course]:
    """Published courses targeted at the member: required first, then optional, by title."""
    published = (
        Course.objects.filter(organization=membership.organization, state=CourseState.PUBLISHED)
        .prefetch_related("target_groups")
        .order_by("-required", "title", "id")
    )
    group_ids = _member_group_ids(membership)
    return [
        course
        for course in published
        if course.target_all or _targets(course.target_groups.all(), group_ids)
    ]


def read_lesson_ids(*, membership: Membership, course: Course) -> set[int]:
    return set(
        LessonProgress.objects.filter(
            organization=membership.organization, membership=membership, lesson__course=course
        ).values_list("lesson_id", flat=True)
    )


def latest_completion(*, membership: Membership, course: Course) -> CourseCompletion | None:
    return (
        CourseCompletion.objects.filter(
            organization=membership.organization, membership=membership, course=course
        )
        .order_by("-major_version", "-completed_at")
        .first()
    )


def current_completions(membership: Membership) -> dict[int, CourseCompletion]:
    """The member's completions that still count: at their course's current major version."""
    completions = CourseCompletion.objects.filter(
        organization=membership.organization,
        membership=membership,
        major_version=F("course__major_version"),
    ).select_related("course")
    return {completion.course_id: completion for completion in completions}


@dataclass
class CourseStatus:
    """Where a member stands in a course."""

    course: Course
    lessons_total: int
    lessons_read: int
    completion: CourseCompletion | None  # the latest, current or not
    done: bool  # a completion at the current major version
    retake_needed: bool  # done an older major version only
    update_available: bool  # done, and a later minor version was published since

    @property
    def completed_at(self) -> datetime | None:
        return self.completion.completed_at if self.completion else None

    @property
    def completed_version(self) -> str:
        if self.completion is None:
            return ""
        return f"{self.completion.major_version}.{self.completion.minor_version}"

    @property
    def percent(self) -> int:
        if not self.lessons_total:
            return 0
        return round(100 * self.lessons_read / self.lessons_total)


def course_status(
    *,
    course: Course,
    lessons_total: int,
    lessons_read: int,
    completion: CourseCompletion | None,
) -> CourseStatus:
    done = completion is not None and completion.major_version == course.major_version
    return CourseStatus(
        course=course,
        lessons_total=lessons_total,
        lessons_read=lessons_read,
        completion=completion,
        done=done,
        retake_needed=completion is not None and not done,
        update_available=done
        and completion is not None
        and completion.minor_version < course.minor_version,
    )


def my_learning(*, membership: Membership) -> list[CourseStatus]:
    """The member's courses with progress, in a fixed number of queries."""
    courses = courses_for_member(membership=membership)
    ids = [course.pk for course in courses]
    totals: dict[int, int] = defaultdict(int)
    for course_id in Lesson.objects.filter(course_id__in=ids).values_list("course_id", flat=True):
        totals[course_id] += 1
    read: dict[int, int] = defaultdict(int)
    progress = LessonProgress.objects.filter(
        organization=membership.organization, membership=membership, lesson__course_id__in=ids
    ).values_list("lesson__course_id", flat=True)
    for course_id in progress:
        read[course_id] += 1
    latest: dict[int, CourseCompletion] = {}
    completions = CourseCompletion.objects.filter(
        organization=membership.organization, membership=membership, course_id__in=ids
    ).order_by("major_version", "completed_at")
    for completion in completions:
        latest[completion.course_id] = completion
    return [
        course_status(
            course=course,
            lessons_total=totals[course.pk],
            lessons_read=read[course.pk],
            completion=latest.get(course.pk),
        )
        for course in courses
    ]


def member_course_status(*, membership: Membership, course: Course) -> CourseStatus:
    return course_status(
        course=course,
        lessons_total=course.lessons.count(),
        lessons_read=len(read_lesson_ids(membership=membership, course=course)),
        completion=latest_completion(membership=membership, course=course),
    )


def course_lessons(*, course: Course) -> QuerySet[Lesson]:
    return course.lessons.prefetch_related("images").order_by("position", "id")
