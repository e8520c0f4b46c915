"""Trainers' pages: courses, their lessons and pictures, the question bank, publishing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.training.forms import CourseForm, LessonForm, LessonImageForm, PublishForm, QuestionForm
from chorus.training.markdown import render_markdown
from chorus.training.models import Course, CourseState
from chorus.training.selectors import courses as selectors
from chorus.training.services import courses as course_services
from chorus.training.services import lessons as lesson_services
from chorus.training.services import quizzes as quiz_services
from chorus.training.services.starter import starter_curriculum_add


def form_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _course(request: MemberRequest, course_id: int) -> Course:
    return selectors.course_get(organization=request.organization, course_id=course_id)


@require_http_methods(["GET"])
@role_required("trainer")
def training_courses(request: MemberRequest) -> HttpResponse:
    courses = selectors.course_list(organization=request.organization)
    missing = selectors.starter_courses_missing(organization=request.organization)
    return render(
        request, "training/courses_manage.html", {"courses": courses, "starter_missing": missing}
    )


@require_POST
@role_required("trainer")
def training_starter_add(request: MemberRequest) -> HttpResponse:
    """One button: the starter curriculum Chorus ships, published for everyone, editable."""
    added = starter_curriculum_add(organization=request.organization, actor=request.membership.user)
    if added:
        messages.success(
            request,
            ngettext(
                "Added %(count)s starter course, published for everyone: edit it as you like.",
                "Added %(count)s starter courses, published for everyone: edit them as you like.",
                len(added),
            )
            % {"count": len(added)},
        )
    else:
        messages.info(request, gettext("Every starter course is already here."))
    return redirect("training_courses")


@require_http_methods(["GET", "POST"])
@role_required("trainer")
def training_course_new(request: MemberRequest) -> HttpResponse:
    form = CourseForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_services.course_create(
                membership=request.membership, fields=form.fields_for_service()
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, gettext("Course created: now add its lessons."))
            return redirect("training_course", course.pk)
    return render(request, "training/course_form.html", {"form": form, "course": None})


@require_http_methods(["GET"])
@role_required("trainer")
def training_course(request: MemberRequest, course_id: int) -> HttpResponse:
    course = _course(request, course_id)
    context: dict[str, Any] = {
        "course": course,
        "lessons": course.lessons.all(),
        "questions": selectors.course_questions(course=course),
        "versions": course.versions.all()[:10],
        "completion_count": selectors.completion_count(course=course),
        "publish_form": PublishForm(),
        "is_archived": course.state == CourseState.ARCHIVED,
    }
    return render(request, "training/course_manage.html", context)


@require_http_methods(["GET", "POST"])
@role_required("trainer")
def training_course_edit(request: MemberRequest, course_id: int) -> HttpResponse:
    course = _course(request, course_id)
    form = CourseForm(
        request.POST or None,
        organization=request.organization,
        initial=CourseForm.initial_for(course),
    )
    if request.method == "POST" and form.is_valid():
        try:
            course_services.course_update(
                membership=request.membership, course=course, fields=form.fields_for_service()
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, gettext("Course saved."))
            return redirect("training_course", course.pk)
    return render(request, "training/course_form.html", {"form": form, "course": course})


@require_POST
@role_required("trainer")
def training_course_publish(request: MemberRequest, course_id: int) -> HttpResponse:
    course = _course(request, course_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Check the note: at most 300 characters."))
        return redirect("training_course", course.pk)
    try:
        version = course_services.course_publish(
            membership=request.membership,
            course=course,
            retake=form.cleaned_data["retake"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            gettext("Version %(version)s published.")
            % {"version": f"{version.major}.{version.minor}"},
        )
    return redirect("training_course", course.pk)


@require_POST
@role_required("trainer")
def training_course_archive(request: MemberRequest, course_id: int) -> HttpResponse:
    course = _course(request, course_id)
    try:
        course_services.course_archive(membership=request.membership, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("Course archived: members no longer see it."))
    return redirect("training_course", course.pk)


# Lessons ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required("trainer")
def training_lesson_new(request: MemberRequest, course_id: int) -> HttpResponse:
    course = _course(request, course_id)
    form = LessonForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_markdown(form.cleaned_data.get("body") or "")
        else:
            try:
                lesson = lesson_services.lesson_create(
                    membership=request.membership, course=course, fields=form.fields_for_service()
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, gettext("Lesson added."))
                return redirect("training_lesson", lesson.pk)
    context = {"form": form, "course": course, "lesson": None, "preview": preview}
    return render(request, "training/lesson_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required("trainer")
def training_lesson(request: MemberRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get(organization=request.organization, lesson_id=lesson_id)
    form = LessonForm(request.POST or None, initial=LessonForm.initial_for(lesson))
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_markdown(form.cleaned_data.get("body") or "")
        else:
            try:
                lesson_services.lesson_update(
                    membership=request.membership, lesson=lesson, fields=form.fields_for_service()
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, gettext("Lesson saved."))
                return redirect("training_course", lesson.course_id)
    context = {
        "form": form,
        "course": lesson.course,
        "lesson": lesson,
        "preview": preview,
        "image_form": LessonImageForm(),
        "images": lesson.images.all(),
    }
    return render(request, "training/lesson_form.html", context)


@require_POST
@role_required("trainer")
def training_lesson_delete(request: MemberRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get(organization=request.organization, lesson_id=lesson_id)
    course_id = lesson.course_id
    lesson_services.lesson_delete(membership=request.membership, lesson=lesson)
    messages.success(request, gettext("Lesson deleted."))
    return redirect("training_course", course_id)


@require_POST
@role_required("trainer")
def training_lesson_move(request: MemberRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get(organization=request.organization, lesson_id=lesson_id)
    up = request.POST.get("direction") != "down"
    lesson_services.lesson_move(membership=request.membership, lesson=lesson, up=up)
    return redirect("training_course", lesson.course_id)


@require_POST
@role_required("trainer")
def training_lesson_image_add(request: MemberRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get(organization=request.organization, lesson_id=lesson_id)
    form = LessonImageForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("training_lesson", lesson.pk)
    try:
        lesson_services.lesson_image_add(
            membership=request.membership,
            lesson=lesson,
            upload=form.cleaned_data["image"],
            alt_text=form.cleaned_data["alt_text"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("Picture added: copy its Markdown into the text."))
    return redirect("training_lesson", lesson.pk)


@require_POST
@role_required("trainer")
def training_lesson_image_delete(request: MemberRequest, lesson_image_id: int) -> HttpResponse:
    image = selectors.lesson_image_get(organization=request.organization, image_id=lesson_image_id)
    lesson_id = image.lesson_id
    lesson_services.lesson_image_delete(membership=request.membership, image=image)
    messages.success(request, gettext("Picture deleted."))
    return redirect("training_lesson", lesson_id)


# Questions ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required("trainer")
def training_question_new(request: MemberRequest, course_id: int) -> HttpResponse:
    course = _course(request, course_id)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            quiz_services.question_create(
                membership=request.membership, course=course, fields=form.fields_for_service()
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, gettext("Question added."))
            return redirect("training_course", course.pk)
    return render(
        request, "training/question_form.html", {"form": form, "course": course, "question": None}
    )


@require_http_methods(["GET", "POST"])
@role_required("trainer")
def training_question(request: MemberRequest, question_id: int) -> HttpResponse:
    question = selectors.question_get(organization=request.organization, question_id=question_id)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid():
        try:
            quiz_services.question_update(
                membership=request.membership, question=question, fields=form.fields_for_service()
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, gettext("Question saved."))
            return redirect("training_course", question.course_id)
    context = {"form": form, "course": question.course, "question": question}
    return render(request, "training/question_form.html", context)


@require_POST
@role_required("trainer")
def training_question_delete(request: MemberRequest, question_id: int) -> HttpResponse:
    question = selectors.question_get(organization=request.organization, question_id=question_id)
    course_id = question.course_id
    quiz_services.question_delete(membership=request.membership, question=question)
    messages.success(request, gettext("Question deleted."))
    return redirect("training_course", course_id)
