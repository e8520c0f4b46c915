"""Answering a round, anonymously.

Nothing here stores who gave which answer: numbers go into counters for "everyone" and
for each of the member's groups big enough to ever be shown; free text into loose rows
with a random id; ``Answered`` only says that the member answered, on which day. No audit
event is written (it would tie the member to the moment of answering). Only questions
marked not anonymous keep the answer by name, for their stated purpose.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Group, Membership
from chorus.surveys.models import (
    ANSWERED,
    Answered,
    AttributedAnswer,
    Kind,
    Overlap,
    Question,
    Round,
    RoundCount,
    Tally,
    TextAnswer,
)
from chorus.surveys.selectors.results import min_answers
from chorus.surveys.services.surveys import SurveyError, may_answer

TEXT_MAX = 2000


class AlreadyAnswered(SurveyError):
    pass


@dataclass(frozen=True)
class Answer:
    """One question's answer: a number (scale, 0-10, one choice's index), choice indexes
    (several choices), or text."""

    value: int | None = None
    choices: tuple[int, ...] = ()
    text: str = ""


def _increment(model: type[models.Model], field: str, **where: Any) -> None:
    manager = model.objects  # type: ignore[attr-defined]
    if manager.filter(**where).update(**{field: F(field) + 1}):
        return
    try:
        with transaction.atomic():
            manager.create(**where, **{field: 1})
    except IntegrityError:
        # Someone else made the row in the meantime.
        manager.filter(**where).update(**{field: F(field) + 1})


def answer_check(*, question: Question, raw: Answer | None) -> Answer | None:
    """The answer checked against its question (None: skipped). Raises in words."""
    if raw is None or (raw.value is None and not raw.choices and not raw.text.strip()):
        if question.required:
            raise SurveyError(_("Please answer: %(question)s") % {"question": question.text})
        return None
    if question.kind == Kind.SCALE5:
        if raw.value is None or not 1 <= raw.value <= 5:
            raise SurveyError(_("Choose from 1 to 5: %(question)s") % {"question": question.text})
        return Answer(value=raw.value)
    if question.kind == Kind.LIKELIHOOD10:
        if raw.value is None or not 0 <= raw.value <= 10:
            raise SurveyError(_("Choose from 0 to 10: %(question)s") % {"question": question.text})
        return Answer(value=raw.value)
    count = len(question.choices)
    if question.kind == Kind.SINGLE:
        if raw.value is None or not 0 <= raw.value < count:
            raise SurveyError(_("Choose one answer: %(question)s") % {"question": question.text})
        return Answer(value=raw.value)
    if question.kind == Kind.MULTIPLE:
        chosen = tuple(sorted(set(raw.choices)))
        if not chosen or any(not 0 <= index < count for index in chosen):
            raise SurveyError(
                _("Choose among the answers: %(question)s") % {"question": question.text}
            )
        return Answer(choices=chosen)
    text = raw.text.strip()
    if len(text) > TEXT_MAX:
        raise SurveyError(
            _("Keep your answer under %(count)d characters: %(question)s")
            % {"count": TEXT_MAX, "question": question.text}
        )
    return Answer(text=text)


def _groups_counted(membership: Membership) -> list[int]:
    """The member's groups that have enough members to ever be shown."""
    mine = Group.objects.filter(organization_id=membership.organization_id, members=membership)
    return sorted(
        Group.objects.filter(organization_id=membership.organization_id, pk__in=mine.values("pk"))
        .annotate(size=Count("members"))
        .filter(size__gte=min_answers())
        .values_list("pk", flat=True)
    )


def round_is_open(round: Round, now: datetime.datetime) -> bool:
    return not round.closed and round.closes_at > now


def answers_submit(
    *,
    round: Round,
    membership: Membership,
    answers: Mapping[int, Answer | None],
    now: datetime.datetime | None = None,
) -> None:
    """Store a member's answers to a round once. Checks first, writes all or nothing."""
    now = now or timezone.now()
    if not round_is_open(round, now):
        raise SurveyError(_("This survey is closed."))
    if not may_answer(survey=round.survey, membership=membership):
        raise SurveyError(_("This survey was not sent to you."))
    questions = list(
        Question.objects.filter(organization_id=round.organization_id, survey_id=round.survey_id)
    )
    checked = {
        question.pk: answer_check(question=question, raw=answers.get(question.pk))
        for question in questions
    }
    today = timezone.localdate(now)
    try:
        with transaction.atomic():
            Answered.objects.create(
                organization_id=round.organization_id,
                round=round,
                membership=membership,
                answered_on=today,
            )
            _store(round, membership, questions, checked, today)
    except IntegrityError as error:
        if Answered.objects.filter(round=round, membership=membership).exists():
            raise AlreadyAnswered(_("You already answered this survey.")) from error
        raise


def _store(
    round: Round,
    membership: Membership,
    questions: Sequence[Question],
    checked: Mapping[int, Answer | None],
    today: datetime.date,
) -> None:
    organization_id = round.organization_id
    groups: list[int | None] = [None, *_groups_counted(membership)]
    for group_id in groups:
        _increment(
            RoundCount,
            "respondents",
            organization_id=organization_id,
            round=round,
            group_id=group_id,
        )
    for group_a, group_b in combinations([pk for pk in groups if pk is not None], 2):
        _increment(
            Overlap,
            "respondents",
            organization_id=organization_id,
            round=round,
            group_a_id=group_a,
            group_b_id=group_b,
        )
    texts: list[TextAnswer] = []
    for question in questions:
        answer = checked[question.pk]
        if answer is None:
            continue
        if question.attributed:
            AttributedAnswer.objects.create(
                organization_id=organization_id,
                round=round,
                question=question,
                membership=membership,
                value=answer.value,
                choices=list(answer.choices),
                text=answer.text,
                answered_on=today,
            )
            continue
        values = [ANSWERED]
        if answer.value is not None:
            values.append(answer.value)
        values.extend(answer.choices)
        for group_id in groups:
            for value in values:
                _increment(
                    Tally,
                    "count",
                    organization_id=organization_id,
                    round=round,
                    group_id=group_id,
                    question=question,
                    value=value,
                )
            if answer.text:
                texts.append(
                    TextAnswer(
                        organization_id=organization_id,
                        round=round,
                        question=question,
                        group_id=group_id,
                        text=answer.text,
                    )
                )
    if texts:
        TextAnswer.objects.bulk_create(texts)
    _publish_if_due(round)


def _publish_if_due(round: Round) -> None:
    """Results show what the counters held when everyone's respondents last reached a
    multiple of the minimum: between two looks at them, at least that many people
    answered, so a difference never shows one person's answers. Everyone's counter was
    the first row this submission changed, so concurrent submissions wait for this one
    and every multiple is published once, complete."""
    everyone = (
        RoundCount.objects.filter(round=round, group__isnull=True)
        .values_list("respondents", flat=True)
        .first()
    )
    if not everyone or everyone % min_answers():
        return
    for model, field, shown in (
        (RoundCount, "respondents", "shown_respondents"),
        (Overlap, "respondents", "shown_respondents"),
        (Tally, "count", "shown_count"),
    ):
        model.objects.filter(round=round).update(**{shown: F(field)})  # type: ignore[attr-defined]
    TextAnswer.objects.filter(round=round, shown=False).update(shown=True)


def survey_decline(
    *, round: Round, membership: Membership, now: datetime.datetime | None = None
) -> None:
    """The member would rather not answer: no reminder, nothing counted."""
    now = now or timezone.now()
    if not round_is_open(round, now):
        raise SurveyError(_("This survey is closed."))
    if not may_answer(survey=round.survey, membership=membership):
        raise SurveyError(_("This survey was not sent to you."))
    try:
        with transaction.atomic():
            Answered.objects.create(
                organization_id=round.organization_id,
                round=round,
                membership=membership,
                answered_on=timezone.localdate(now),
            )
    except IntegrityError as error:
        raise AlreadyAnswered(_("You already answered this survey.")) from error
