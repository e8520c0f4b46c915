"""Members' pages: My learning, a course, its lessons and their pictures."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.training.markdown import render_markdown
from chorus.training.models import Certificate, CourseState, LessonImage
from chorus.training.selectors import certification as certification_selectors
from chorus.training.selectors import learning as selectors
from chorus.training.selectors import policy as policy_selectors
from chorus.training.selectors import sessions as session_selectors
from chorus.training.services import lessons as lesson_services
from chorus.training.services import quizzes as quiz_services


@require_GET
@role_required()
def learning(request: MemberRequest) -> HttpResponse:
    """My learning: courses in progress, to start and done; certificates with their expiry;
    the sessions the member goes to; the policy when a version waits for them."""
    membership = request.membership
    statuses = selectors.my_learning(membership=membership)
    open_ = [status for status in statuses if not status.done]
    now = timezone.now()
    latest: dict[int, Certificate] = {}
    for certificate in certification_selectors.certificates_of_member(membership=membership):
        latest.setdefault(certificate.certification_id, certificate)
    context = {
        "in_progress": [s for s in open_ if s.lessons_read or s.retake_needed],
        "to_start": [s for s in open_ if not s.lessons_read and not s.retake_needed],
        "done": [status for status in statuses if status.done],
        "certificates": [
            (certificate, certification_selectors.certificate_state(certificate, now))
            for certificate in latest.values()
        ],
        "sessions_going": session_selectors.sessions_going(membership=membership, now=now),
        # The social media policy: a prompt while its current version waits for them.
        "policy_latest": policy_selectors.latest_version(organization=request.organization),
        "policy_due": policy_selectors.version_due(membership=membership),
    }
    return render(request, "training/learning.html", context)


@require_GET
@role_required()
def course_detail(request: MemberRequest, course_id: int) -> HttpResponse:
    course = selectors.course_for_member(membership=request.membership, course_id=course_id)
    lessons = list(selectors.course_lessons(course=course))
    read = selectors.read_lesson_ids(membership=request.membership, course=course)
    status = selectors.member_course_status(membership=request.membership, course=course)
    has_quiz = course.questions.filter(is_active=True).exists()
    context = {
        "course": course,
        "lessons": [(lesson, lesson.pk in read) for lesson in lessons],
        "status": status,
        "has_quiz": has_quiz,
        "all_read": bool(lessons) and len(read & {lesson.pk for lesson in lessons}) == len(lessons),
        "open_attempt": quiz_services.attempt_open(membership=request.membership, course=course),
        "blocked_until": quiz_services.attempts_blocked_until(
            membership=request.membership, course=course
        ),
        "is_preview": course.state != CourseState.PUBLISHED,
        "last_attempt": course.attempts.filter(
            organization=request.organization,
            membership=request.membership,
            submitted_at__isnull=False,
        ).first(),
    }
    return render(request, "training/course_detail.html", context)


@require_GET
@role_required()
def lesson_detail(request: MemberRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_for_member(membership=request.membership, lesson_id=lesson_id)
    course = lesson.course
    lessons = list(course.lessons.order_by("position", "id"))
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    read = selectors.read_lesson_ids(membership=request.membership, course=course)
    context = {
        "course": course,
        "lesson": lesson,
        "body": render_markdown(lesson.body),
        # Pictures the text does not show itself come after it.
        "images": [
            image
            for image in lesson.images.all()
            if reverse("lesson_image", args=[image.pk]) not in lesson.body
        ],
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < len(lessons) else None,
        "number": index + 1,
        "total": len(lessons),
        "is_read": lesson.pk in read,
        "is_preview": course.state != CourseState.PUBLISHED,
    }
    return render(request, "training/lesson_detail.html", context)


@require_POST
@role_required()
def lesson_read(request: MemberRequest, lesson_id: int) -> HttpResponse:
    """Mark as read and continue: the next lesson, or the course page after the last."""
    lesson = selectors.lesson_for_member(membership=request.membership, lesson_id=lesson_id)
    try:
        finished = lesson_services.lesson_mark_read(membership=request.membership, lesson=lesson)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("lesson_detail", lesson.pk)
    if finished:
        messages.success(request, gettext("Course completed. Well done!"))
    ordered = list(lesson.course.lessons.order_by("position", "id").values_list("pk", flat=True))
    index = ordered.index(lesson.pk)
    following = ordered[index + 1] if index + 1 < len(ordered) else None
    if following is not None:
        return redirect("lesson_detail", following)
    return redirect("course_detail", lesson.course_id)


@require_GET
@role_required()
def lesson_image(request: MemberRequest, lesson_image_id: int) -> HttpResponse:
    """A lesson's picture, to members who may read its course (media files are not public)."""
    image = (
        LessonImage.objects.select_related("lesson__course")
        .filter(pk=lesson_image_id, lesson__course__organization=request.organization)
        .first()
    )
    if image is None or not selectors.course_open_to(image.lesson.course, request.membership):
        raise Http404("No such picture.")
    try:
        handle = image.image.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("This picture file is missing.") from error
    content_type = mimetypes.guess_type(image.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]
