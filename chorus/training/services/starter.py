"""Chorus's starter curriculum: courses written for Chorus, added to an organization at once.

The courses live as data in `chorus/training/curriculum/<key>/`: `course.toml` (title,
summary, minutes, required, pass mark, questions per attempt), lessons `NN-<slug>.md` (the
first line `# Title`, then Markdown) and `questions.toml`. Once added, a course is the
organization's own: trainers edit it like any other, and it is never added twice.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership, Organization
from chorus.core.audit import audit_record
from chorus.training.models import (
    Choice,
    Course,
    CourseState,
    CourseVersion,
    Lesson,
    Question,
    QuestionKind,
)

if TYPE_CHECKING:
    from chorus.accounts.models import User

CURRICULUM_DIR = Path(__file__).resolve().parent.parent / "curriculum"
# The order courses are added (and listed in the tests): the policy first, the crisis last.
STARTER_KEYS = (
    "policy",
    "linkedin",
    "x",
    "mastodon",
    "bluesky",
    "instagram",
    "threads",
    "conversation",
    "influencers",
    "crisis",
)
WORDS_PER_MINUTE = 180


@dataclass(frozen=True)
class StarterChoice:
    text: str
    correct: bool


@dataclass(frozen=True)
class StarterQuestion:
    kind: str
    text: str
    explanation: str
    choices: tuple[StarterChoice, ...]


@dataclass(frozen=True)
class StarterLesson:
    slug: str
    title: str
    body: str

    @property
    def minutes(self) -> int:
        return max(2, math.ceil(len(self.body.split()) / WORDS_PER_MINUTE))


@dataclass(frozen=True)
class StarterCourse:
    key: str
    title: str
    summary: str
    minutes: int
    required: bool
    pass_mark: int
    questions_per_attempt: int
    lessons: tuple[StarterLesson, ...]
    questions: tuple[StarterQuestion, ...]


def _lesson_load(path: Path) -> StarterLesson:
    text = path.read_text(encoding="utf-8")
    first, _newline, body = text.partition("\n")
    if not first.startswith("# "):
        raise ValueError(f"{path}: the first line must be '# Lesson title'.")
    slug = path.stem.split("-", 1)[1]
    return StarterLesson(slug=slug, title=first[2:].strip(), body=body.strip() + "\n")


def _question_load(data: dict[str, Any]) -> StarterQuestion:
    return StarterQuestion(
        kind=str(data["kind"]),
        text=str(data["text"]).strip(),
        explanation=str(data["explanation"]).strip(),
        choices=tuple(
            StarterChoice(text=str(choice["text"]).strip(), correct=bool(choice["correct"]))
            for choice in data["choice"]
        ),
    )


def _course_load(key: str) -> StarterCourse:
    directory = CURRICULUM_DIR / key
    with (directory / "course.toml").open("rb") as file:
        course = tomllib.load(file)
    with (directory / "questions.toml").open("rb") as file:
        questions = tomllib.load(file)
    return StarterCourse(
        key=key,
        title=str(course["title"]),
        summary=str(course["summary"]).strip(),
        minutes=int(course["minutes"]),
        required=bool(course["required"]),
        pass_mark=int(course["pass_mark"]),
        questions_per_attempt=int(course["questions_per_attempt"]),
        lessons=tuple(_lesson_load(path) for path in sorted(directory.glob("[0-9][0-9]-*.md"))),
        questions=tuple(_question_load(question) for question in questions["question"]),
    )


STARTER_COURSES: tuple[StarterCourse, ...] = tuple(_course_load(key) for key in STARTER_KEYS)


def _course_create(
    *, organization: Organization, actor: User | None, starter: StarterCourse
) -> Course:
    now = timezone.now()
    course = Course.objects.create(
        organization=organization,
        title=starter.title,
        summary=starter.summary,
        state=CourseState.PUBLISHED,
        required=starter.required,
        minutes=starter.minutes,
        major_version=1,
        minor_version=0,
        pass_mark=starter.pass_mark,
        questions_per_attempt=starter.questions_per_attempt,
        starter_key=starter.key,
        created_by=actor,
        published_at=now,
    )
    Lesson.objects.bulk_create(
        Lesson(
            course=course,
            position=position,
            title=lesson.title,
            body=lesson.body,
            minutes=lesson.minutes,
        )
        for position, lesson in enumerate(starter.lessons)
    )
    for position, question in enumerate(starter.questions):
        row = Question.objects.create(
            course=course,
            kind=QuestionKind(question.kind),
            text=question.text,
            explanation=question.explanation,
            position=position,
        )
        Choice.objects.bulk_create(
            Choice(question=row, text=choice.text, is_correct=choice.correct, position=index)
            for index, choice in enumerate(question.choices)
        )
    CourseVersion.objects.create(
        course=course,
        major=1,
        minor=0,
        title=starter.title,
        summary=starter.summary,
        lessons=[
            {"title": lesson.title, "body": lesson.body, "video_url": "", "minutes": lesson.minutes}
            for lesson in starter.lessons
        ],
        questions=[
            {
                "kind": question.kind,
                "text": question.text,
                "explanation": question.explanation,
                "choices": [
                    {"text": choice.text, "correct": choice.correct} for choice in question.choices
                ],
            }
            for question in starter.questions
        ],
        note="Chorus starter curriculum",
        created_by=actor,
        created_at=now,
    )
    return course


def starter_curriculum_add(*, organization: Organization, actor: User) -> list[Course]:
    """Add every starter course the organization has not added yet, published as version 1.0
    for everyone; returns the courses added (none on a second call). Admins and trainers only.
    """
    allowed = Membership.objects.filter(organization=organization, user=actor).first()
    if allowed is None or not allowed.has_role("trainer"):
        raise PermissionDenied(_("Only trainers and admins can add the starter curriculum."))
    with transaction.atomic():
        # Lock the organization's row so two clicks at once add each course once.
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        present = set(
            Course.objects.filter(organization=organization)
            .exclude(starter_key="")
            .values_list("starter_key", flat=True)
        )
        added = [
            _course_create(organization=organization, actor=actor, starter=starter)
            for starter in STARTER_COURSES
            if starter.key not in present
        ]
        if added:
            audit_record(
                organization=organization,
                actor=actor,
                action="training.starter_added",
                data={"courses": [course.starter_key for course in added]},
            )
    return added
