"""Forms of the training pages: they parse input; the services check the rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Group, Organization
from chorus.core.validators import WebURLFormField
from chorus.training.models import Course, Lesson, Question, QuestionKind
from chorus.training.services.courses import CourseFields
from chorus.training.services.lessons import LessonFields
from chorus.training.services.quizzes import MAX_CHOICES, QuestionFields

CHOICE_ROWS = 6


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    summary = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Summary"),
    )
    required = forms.BooleanField(
        required=False,
        label=_("Required"),
        help_text=_("Required courses come first for their audience."),
    )
    minutes = forms.IntegerField(
        min_value=1, max_value=1000, initial=15, label=_("Estimated minutes")
    )
    target = forms.ChoiceField(
        choices=[("all", _("All members")), ("groups", _("Chosen groups"))],
        initial="all",
        widget=forms.RadioSelect,
        label=_("Audience"),
    )
    target_groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Groups"),
        help_text=_(
            "Groups of one kind add up; different kinds narrow down "
            "(Sales in France = Sales and France)."
        ),
    )
    pass_mark = forms.IntegerField(min_value=1, max_value=100, initial=80, label=_("Pass mark (%)"))
    questions_per_attempt = forms.IntegerField(
        min_value=0,
        max_value=200,
        initial=10,
        label=_("Questions per attempt"),
        help_text=_("0 asks every active question."),
    )
    attempts_allowed = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=3,
        label=_("Attempts allowed"),
        help_text=_("Within the cool-down; 0 for unlimited."),
    )
    cooldown_hours = forms.IntegerField(
        min_value=0,
        max_value=24 * 90,
        initial=24,
        label=_("Cool-down (hours)"),
        help_text=_("How long a member waits after using every attempt."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: Any = self.fields["target_groups"]
        groups.queryset = Group.objects.filter(organization=organization).order_by("kind", "name")

    @staticmethod
    def initial_for(course: Course) -> dict[str, Any]:
        return {
            "title": course.title,
            "summary": course.summary,
            "required": course.required,
            "minutes": course.minutes,
            "target": "all" if course.target_all else "groups",
            "target_groups": list(course.target_groups.all()),
            "pass_mark": course.pass_mark,
            "questions_per_attempt": course.questions_per_attempt,
            "attempts_allowed": course.attempts_allowed,
            "cooldown_hours": course.cooldown_hours,
        }

    def fields_for_service(self) -> CourseFields:
        data = self.cleaned_data
        return CourseFields(
            title=data["title"],
            summary=data.get("summary") or "",
            required=bool(data.get("required")),
            minutes=data["minutes"],
            target_all=data["target"] == "all",
            target_groups=list(data.get("target_groups") or []),
            pass_mark=data["pass_mark"],
            questions_per_attempt=data["questions_per_attempt"],
            attempts_allowed=data["attempts_allowed"],
            cooldown_hours=data["cooldown_hours"],
        )


class LessonForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    body = forms.CharField(
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        label=_("Text"),
        help_text=_("Markdown: **bold**, _italic_, ## headings, - lists, [links](https://…)."),
        strip=False,
    )
    video_url = WebURLFormField(
        required=False,
        label=_("Video link"),
        help_text=_("Shown as a link that opens the video on its site."),
    )
    minutes = forms.IntegerField(
        min_value=1, max_value=600, initial=5, label=_("Estimated minutes")
    )

    @staticmethod
    def initial_for(lesson: Lesson) -> dict[str, Any]:
        return {
            "title": lesson.title,
            "body": lesson.body,
            "video_url": lesson.video_url,
            "minutes": lesson.minutes,
        }

    def fields_for_service(self) -> LessonFields:
        data = self.cleaned_data
        return LessonFields(
            title=data["title"],
            body=data.get("body") or "",
            video_url=data.get("video_url") or "",
            minutes=data["minutes"],
        )


class LessonImageForm(forms.Form):
    image = forms.ImageField(label=_("Picture"))
    alt_text = forms.CharField(
        required=False,
        max_length=500,
        label=_("Alt text"),
        help_text=_("Describe the picture for people who can't see it."),
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=QuestionKind.choices,
        initial=QuestionKind.SINGLE,
        widget=forms.RadioSelect,
        label=_("Kind"),
    )
    text = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Question")
    )
    explanation = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Explanation"),
        help_text=_("Shown after the member answers, right or wrong."),
    )
    true_is_correct = forms.ChoiceField(
        choices=[("true", _("True")), ("false", _("False"))],
        initial="true",
        widget=forms.RadioSelect,
        required=False,
        label=_("For true or false: the right answer"),
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label=_("Active (drawn in quizzes)")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(CHOICE_ROWS):
            self.fields[f"choice_{row}"] = forms.CharField(
                required=False,
                max_length=500,
                label=_("Answer %(number)s") % {"number": row + 1},
            )
            self.fields[f"correct_{row}"] = forms.BooleanField(
                required=False, label=_("Right answer %(number)s") % {"number": row + 1}
            )

    def choice_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"choice_{row}"], self[f"correct_{row}"]) for row in range(CHOICE_ROWS)]

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "kind": question.kind,
            "text": question.text,
            "explanation": question.explanation,
            "is_active": question.is_active,
        }
        choices = list(question.choices.all())
        if question.kind == QuestionKind.TRUE_FALSE:
            initial["true_is_correct"] = "true" if choices and choices[0].is_correct else "false"
        else:
            for row, choice in enumerate(choices[:CHOICE_ROWS]):
                initial[f"choice_{row}"] = choice.text
                initial[f"correct_{row}"] = choice.is_correct
        return initial

    def fields_for_service(self) -> QuestionFields:
        data = self.cleaned_data
        return QuestionFields(
            kind=data["kind"],
            text=data["text"],
            explanation=data.get("explanation") or "",
            choices=[
                (data.get(f"choice_{row}") or "", bool(data.get(f"correct_{row}")))
                for row in range(min(CHOICE_ROWS, MAX_CHOICES))
            ],
            true_is_correct=data.get("true_is_correct", "true") != "false",
            is_active=bool(data.get("is_active")),
        )


class PublishForm(forms.Form):
    retake = forms.BooleanField(
        required=False,
        label=_("Members must retake the course"),
        help_text=_(
            "Ticked: a new major version, and whoever finished the course takes it again. "
            "Unticked: a minor version (a fix), and they stay done."
        ),
    )
    note = forms.CharField(required=False, max_length=300, label=_("What changed"))
