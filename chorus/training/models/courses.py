"""Courses of lessons, quizzes, practice scenarios, and what members did with them.

A course is written by trainers as ordered lessons in Markdown, with a question bank for its
quiz. Publishing makes a version: fixing a typo is a minor version (whoever finished the
course stays done), a change that must be learned again is a major version (completions of
an older major version no longer count as current). Certification, policy acknowledgement
and sessions build on these.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.core.models import TenantModel
from chorus.core.validators import MAX_URL_LENGTH, validate_web_url


class CourseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Course(TenantModel):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    state = models.CharField(max_length=12, choices=CourseState.choices, default=CourseState.DRAFT)
    # Required for its audience (shown first, counted in completion), or optional.
    required = models.BooleanField(_("required"), default=False)
    minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=15)
    # Targeting, like posts: everyone, or the members of any of these groups.
    target_all = models.BooleanField(default=True)
    target_groups = models.ManyToManyField(
        "accounts.Group", blank=True, related_name="targeted_courses"
    )
    # The published version members see: major.minor (0.0 until first published).
    major_version = models.PositiveIntegerField(default=0)
    minor_version = models.PositiveIntegerField(default=0)
    # The quiz: pass mark in percent, questions drawn per attempt (0: all), attempts allowed
    # within the cool-down (0: unlimited), and the cool-down after the last allowed attempt.
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    questions_per_attempt = models.PositiveSmallIntegerField(default=10)
    attempts_allowed = models.PositiveSmallIntegerField(default=3)
    cooldown_hours = models.PositiveSmallIntegerField(default=24)
    # Set for a course added from Chorus's starter curriculum (its key), so it is added once.
    starter_key = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-required", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "starter_key"],
                condition=~models.Q(starter_key=""),
                name="one_starter_course",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def version_label(self) -> str:
        return f"{self.major_version}.{self.minor_version}"


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    # Markdown, rendered with markdown-it-py and sanitised with nh3 when shown.
    body = models.TextField(_("text"), blank=True)
    video_url = models.URLField(
        _("video link"), max_length=MAX_URL_LENGTH, blank=True, validators=[validate_web_url]
    )
    minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=5)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


def lesson_image_path(instance: LessonImage, filename: str) -> str:
    course = instance.lesson.course
    return f"training/{course.organization_id}/{course.pk}/{filename}"


class LessonImage(models.Model):
    """A picture in a lesson, stored as a new file Pillow wrote (like post images)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=lesson_image_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class CourseVersion(models.Model):
    """What a course said when a version was published: its history."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    # [{title, body, video_url, minutes}] in order, and the questions [{kind, text, ...}].
    lessons = models.JSONField(default=list)
    questions = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-major", "-minor"]
        constraints = [
            models.UniqueConstraint(fields=["course", "major", "minor"], name="one_course_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.major}.{self.minor}"


class LessonProgress(TenantModel):
    """A member read a lesson (to the end)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "lesson"], name="one_lesson_progress")
        ]


class CourseCompletion(TenantModel):
    """A member finished a course (every lesson read, the quiz passed where it has one) at a
    major version; a later minor version keeps it current, a later major one does not."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="course_completions"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    major_version = models.PositiveIntegerField()
    minor_version = models.PositiveIntegerField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # the quiz, in percent
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "course", "major_version"], name="one_completion_per_major"
            )
        ]
        indexes = [models.Index(fields=["course", "major_version"])]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One answer")
    MULTIPLE = "multiple", _("Several answers")
    TRUE_FALSE = "true_false", _("True or false")


class Question(models.Model):
    """A question in a course's bank; each attempt draws from the active ones."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(
        max_length=12, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    text = models.TextField(_("question"))
    # Shown after the member answers, right or wrong.
    explanation = models.TextField(_("explanation"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(TenantModel):
    """One go at a course's quiz: the questions drawn and their order, fixed when it starts."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attempts")
    major_version = models.PositiveIntegerField()
    # [{"question": id, "choices": [ids in the order shown]}]
    drawn = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # percent
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["membership", "course", "-started_at"])]


class QuizAnswer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    chosen = models.JSONField(default=list)  # choice ids
    correct = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {'right' if self.correct else 'wrong'}"


class ScenarioState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Scenario(TenantModel):
    """Practice: a situation a member answers in writing, and a trainer reviews."""

    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="scenarios"
    )
    title = models.CharField(_("title"), max_length=200)
    situation = models.TextField(_("situation"))  # Markdown
    # The network the answer would be written on: its length limit and rules apply.
    network = models.CharField(_("network"), max_length=10, blank=True)
    state = models.CharField(
        max_length=12, choices=ScenarioState.choices, default=ScenarioState.DRAFT
    )
    target_all = models.BooleanField(default=True)
    target_groups = models.ManyToManyField(
        "accounts.Group", blank=True, related_name="targeted_scenarios"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ResponseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for feedback")
    PASSED = "passed", _("Passed")
    RETRY = "retry", _("Another try asked")


class ScenarioResponse(TenantModel):
    """A member's written answer to a scenario; each new try after "another try" is a new row."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="responses")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="scenario_responses"
    )
    text = models.TextField(blank=True)
    state = models.CharField(
        max_length=12, choices=ResponseState.choices, default=ResponseState.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scenario", "state"])]
