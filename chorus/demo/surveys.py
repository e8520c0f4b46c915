"""Acme's pulse surveys: "Do you feel pressured to share?" asked every four weeks (two
rounds answered, so the trend and the voluntariness card have points), and the readiness
survey sent this week, answered by most members but not by Maya (her home shows it
waiting). Everything goes through the surveys' own services, answers included, so the
demo stores exactly what real answers store: counters, loose text, who answered."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.surveys.models import Kind, Question, Survey, Template
from chorus.surveys.services.answers import Answer, answers_submit
from chorus.surveys.services.surveys import round_open, survey_create, survey_update

IDEAS = [
    "Shorter posts would help.",
    "I never know what I may say about customers.",
    "More posts in German, please.",
    "A reminder on Fridays would be enough.",
    "I'd share more if the texts sounded less like marketing.",
    "Training on LinkedIn etiquette.",
    "Nothing: it works well for me.",
]


def _answers(questions: list[Question], rng: random.Random, leaning: int) -> dict[int, Answer]:
    found: dict[int, Answer] = {}
    for question in questions:
        if question.kind == Kind.SCALE5:
            found[question.pk] = Answer(value=min(5, max(1, leaning + rng.choice((-1, 0, 0, 1)))))
        elif question.kind == Kind.LIKELIHOOD10:
            found[question.pk] = Answer(value=rng.randrange(4, 11))
        elif question.kind in (Kind.SINGLE, Kind.MULTIPLE):
            if question.attributed and rng.random() < 0.7:
                continue  # most skip the question asked by name
            found[question.pk] = Answer(value=rng.randrange(len(question.choices)))
        elif rng.random() < 0.5:
            found[question.pk] = Answer(text=rng.choice(IDEAS))
    return found


def seed_surveys(
    organization: Organization,
    *,
    admin: Membership,
    maya: Membership,
    now: datetime.datetime | None = None,
) -> list[Survey]:
    """The surveys and their rounds; returns the surveys made."""
    now = now or timezone.now()
    rng = random.Random(18)
    members = list(
        Membership.objects.filter(organization=organization, is_active=True)
        .exclude(pk=maya.pk)
        .order_by("pk")
    )
    pressure = survey_create(organization=organization, actor=admin, template=Template.PRESSURE)
    survey_update(
        survey=pressure,
        actor=admin,
        title=pressure.title,
        intro=pressure.intro,
        everyone=True,
        groups=[],
        repeat_weeks=4,
        open_days=7,
    )
    pressure_questions = list(Question.objects.filter(survey=pressure))
    for weeks_ago, leaning in ((8, 3), (4, 2)):
        when = now - datetime.timedelta(weeks=weeks_ago)
        round_ = round_open(survey=pressure, actor=admin, now=when)
        for member in members:
            if rng.random() < 0.7:
                answers_submit(
                    round=round_,
                    membership=member,
                    answers=_answers(pressure_questions, rng, leaning),
                    now=when + datetime.timedelta(days=rng.randrange(0, 6), hours=1),
                )
    readiness = survey_create(organization=organization, actor=admin, template=Template.READINESS)
    readiness_questions = list(Question.objects.filter(survey=readiness))
    when = now - datetime.timedelta(days=2)
    round_ = round_open(survey=readiness, actor=admin, now=when)
    for member in members:
        if rng.random() < 0.6:
            answers_submit(
                round=round_,
                membership=member,
                answers=_answers(readiness_questions, rng, 4),
                now=when + datetime.timedelta(hours=rng.randrange(1, 40)),
            )
    return [pressure, readiness]
