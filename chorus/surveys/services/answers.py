"""Answering a round, anonymously.

Nothing here stores who gave which answer: numbers go into counters for "everyone" and
for each of the member's groups big enough to ever be shown; free text into loose rows
with a random id, for everyone only; ``Answered`` only says that the member answered, on
which day. No audit event is written (it would tie the member to the moment of
answering). Only questions marked not anonymous keep the answer by name, for their stated
purpose.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Least
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


def _increment(model: type[models.Model], field: str, **where: Any) -> bool:
    """Add one to the counter; True when this call made its row."""
    manager = model.objects  # type: ignore[attr-defined]
    if manager.filter(**where).update(**{field: F(field) + 1}):
        return False
    try:
        with transaction.atomic():
            manager.create(**where, **{field: 1})
    except IntegrityError:
        # Someone else made the row in the meantime.
        manager.filter(**where).update(**{field: F(field) + 1})
        return False
    return True


def _values(question: Question) -> list[int]:
    """Every value a question's tallies can count, ``ANSWERED`` first."""
    if question.kind == Kind.SCALE5:
        return [ANSWERED, *range(1, 6)]
    if question.kind == Kind.LIKELIHOOD10:
        return [ANSWERED, *range(0, 11)]
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        return [ANSWERED, *range(len(question.choices))]
    return [ANSWERED]


def _tallies_prepare(round: Round, group_id: int | None, questions: Sequence[Question]) -> None:
    """A group's tallies for every question and value, at zero, in one go: made as the
    first respondent's answers came, their existence and id order would tell them."""
    Tally.objects.bulk_create(
        [
            Tally(
                organization_id=round.organization_id,
                round=round,
                group_id=group_id,
                question=question,
                value=value,
            )
            for question in questions
            if not question.attributed
            for value in _values(question)
        ],
        ignore_conflicts=True,
    )


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
        if _increment(
            RoundCount,
            "respondents",
            organization_id=organization_id,
            round=round,
            group_id=group_id,
        ):
            _tallies_prepare(round, group_id, questions)
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
            # Once, for everyone: per group, the same words in two lists would tell who
            # is in both.
            texts.append(
                TextAnswer(
                    organization_id=organization_id,
                    round=round,
                    question=question,
                    group_id=None,
                    text=answer.text,
                )
            )
    if texts:
        TextAnswer.objects.bulk_create(texts)
    _publish_if_due(round)


def _publish_if_due(round: Round) -> None:
    """Results show what the counters held when everyone's respondents last reached a
    multiple of the minimum, and a group's what they held when at least the minimum of
    its people had answered since it was last shown (a group with fewer new answers keeps
    its earlier figures). Between two looks at any result, none or at least the minimum
    of its people answered, so a difference never shows one person's answers. Everyone's
    counter was the first row this submission changed, so concurrent submissions wait for
    this one and every multiple is published once, complete."""
    minimum = min_answers()
    counts = list(
        RoundCount.objects.filter(round=round).values_list(
            "group_id", "respondents", "shown_respondents"
        )
    )
    everyone = next((now for group_id, now, _shown in counts if group_id is None), 0)
    if not everyone or everyone % minimum:
        return
    due = [group_id for group_id, now, shown in counts if now - shown >= minimum]
    named = [group_id for group_id in due if group_id is not None]
    in_due = Q(group_id__in=named) | (Q(group__isnull=True) if None in due else Q(pk__in=[]))
    RoundCount.objects.filter(in_due, round=round).update(shown_respondents=F("respondents"))
    Tally.objects.filter(in_due, round=round).update(shown_count=F("count"))
    overlaps = Overlap.objects.filter(round=round)
    overlaps.filter(group_a_id__in=named).update(respondents_at_a=F("respondents"))
    overlaps.filter(group_b_id__in=named).update(respondents_at_b=F("respondents"))
    # Two groups' shown results have in common the overlap as it was when the earlier of
    # them was published (it only grows).
    overlaps.filter(Q(group_a_id__in=named) | Q(group_b_id__in=named)).update(
        shown_respondents=Least("respondents_at_a", "respondents_at_b")
    )
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
