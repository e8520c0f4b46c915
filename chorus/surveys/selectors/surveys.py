"""Reads for the surveys' pages and API: lists, one survey, what waits for a member."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from chorus.accounts.models import Group, Membership, Organization, ProgramStatus
from chorus.surveys.models import (
    ANSWERED,
    Answered,
    AttributedAnswer,
    Question,
    Round,
    RoundCount,
    Survey,
    Tally,
)
from chorus.surveys.selectors.results import min_answers, rounds_visibility
from chorus.surveys.services.surveys import LEAVERS_ANSWER


def surveys_for(*, organization: Organization) -> QuerySet[Survey]:
    return Survey.objects.filter(organization=organization).annotate(
        round_count=Count("rounds", distinct=True)
    )


def survey_get(*, organization: Organization, survey_id: int) -> Survey:
    found = Survey.objects.filter(organization=organization, pk=survey_id).first()
    if found is None:
        raise Http404
    return found


def question_get(*, organization: Organization, question_id: int) -> Question:
    found = (
        Question.objects.filter(organization=organization, pk=question_id)
        .select_related("survey")
        .first()
    )
    if found is None:
        raise Http404
    return found


def round_get(*, organization: Organization, round_id: int) -> Round:
    found = (
        Round.objects.filter(organization=organization, pk=round_id)
        .select_related("survey")
        .first()
    )
    if found is None:
        raise Http404
    return found


def questions_of(*, survey: Survey) -> list[Question]:
    return list(Question.objects.filter(organization_id=survey.organization_id, survey=survey))


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    respondents: int  # answers the results show (published in steps of the minimum)
    replied: int  # answered or declined: only a number, never who


def rounds_of(*, survey: Survey) -> list[RoundSummary]:
    rounds = list(
        Round.objects.filter(organization_id=survey.organization_id, survey=survey).order_by(
            "-number"
        )
    )
    ids = [found.pk for found in rounds]
    counts = dict(
        RoundCount.objects.filter(
            organization_id=survey.organization_id, round_id__in=ids, group__isnull=True
        ).values_list("round_id", "shown_respondents")
    )
    replied = dict(
        Answered.objects.filter(organization_id=survey.organization_id, round_id__in=ids)
        .values("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    return [
        RoundSummary(
            round=found, respondents=counts.get(found.pk, 0), replied=replied.get(found.pk, 0)
        )
        for found in rounds
    ]


def open_round(*, survey: Survey) -> Round | None:
    return (
        Round.objects.filter(
            organization_id=survey.organization_id,
            survey=survey,
            closed=False,
            closes_at__gt=timezone.now(),
        )
        .order_by("-number")
        .first()
    )


def has_answered(*, round: Round, membership: Membership) -> bool:
    return Answered.objects.filter(
        organization_id=round.organization_id, round=round, membership=membership
    ).exists()


def pending_rounds(*, organization: Organization, membership: Membership) -> QuerySet[Round]:
    """Open rounds sent to this member that they have neither answered nor declined (two
    subqueries, one query)."""
    in_groups = Survey.groups.through.objects.filter(
        survey_id=OuterRef("survey_id"),
        group__in=Group.objects.filter(organization=organization, members=membership),
    )
    rounds = Round.objects.filter(
        Q(survey__everyone=True) | Exists(in_groups),
        organization=organization,
        closed=False,
        closes_at__gt=timezone.now(),
    ).exclude(
        pk__in=Answered.objects.filter(organization=organization, membership=membership).values(
            "round_id"
        )
    )
    if membership.program_status == ProgramStatus.LEFT:
        rounds = rounds.filter(survey__template__in=LEAVERS_ANSWER)
    if not membership.is_active:
        rounds = rounds.none()
    return rounds.select_related("survey").order_by("closes_at", "pk")


@dataclass(frozen=True)
class NamedAnswer:
    name: str
    answer: str


def attributed_answers(*, round: Round) -> list[tuple[Question, list[NamedAnswer]]]:
    """Answers given by name to the questions marked not anonymous, with their purpose."""
    questions = list(
        Question.objects.filter(
            organization_id=round.organization_id, survey_id=round.survey_id, attributed=True
        )
    )
    found: dict[int, list[NamedAnswer]] = {question.pk: [] for question in questions}
    by_pk = {question.pk: question for question in questions}
    for answer in (
        AttributedAnswer.objects.filter(organization_id=round.organization_id, round=round)
        .select_related("membership__user")
        .order_by("membership__user__name", "membership__user__email")
    ):
        question = by_pk.get(answer.question_id)
        if question is None:
            continue
        found[question.pk].append(
            NamedAnswer(name=str(answer.membership), answer=answer_label(question, answer))
        )
    return [(question, found[question.pk]) for question in questions]


def answer_label(question: Question, answer: AttributedAnswer) -> str:
    chosen = list(answer.choices or ([] if answer.value is None else [answer.value]))
    if question.kind in ("single", "multiple"):
        return ", ".join(
            str(question.choices[index]) for index in chosen if 0 <= index < len(question.choices)
        )
    if answer.value is not None:
        return str(answer.value)
    return answer.text


@dataclass(frozen=True)
class TrendRow:
    round: Round
    shown: bool
    # question id -> favourable % (scale), average (0-10), or None when hidden
    values: dict[int, float | None]


def trend(
    *, organization: Organization, survey: Survey, group_id: int | None
) -> tuple[list[Question], list[TrendRow]]:
    """The scale and 0-10 questions over the rounds for one group, after the rules."""
    questions = [
        question
        for question in questions_of(survey=survey)
        if question.kind in ("scale5", "likelihood10") and not question.attributed
    ]
    rounds = list(Round.objects.filter(organization=organization, survey=survey).order_by("number"))
    decided = rounds_visibility(organization=organization, round_ids=[found.pk for found in rounds])
    in_group = Q(group__isnull=True) if group_id is None else Q(group_id=group_id)
    tallies: dict[tuple[int, int], dict[int, int]] = {}
    for round_id, question_id, value, count in Tally.objects.filter(
        in_group,
        organization=organization,
        round_id__in=[found.pk for found in rounds],
        question_id__in=[question.pk for question in questions],
    ).values_list("round_id", "question_id", "value", "shown_count"):
        tallies.setdefault((round_id, question_id), {})[value] = count
    minimum = min_answers()
    rows = []
    for found in rounds:
        shown = decided.get(found.pk, {}).get(group_id) == ""
        values: dict[int, float | None] = {}
        for question in questions:
            counted = tallies.get((found.pk, question.pk), {})
            answered = counted.get(ANSWERED, 0)
            if not shown or answered < minimum:
                values[question.pk] = None
            elif question.kind == "scale5":
                values[question.pk] = round(
                    100 * (counted.get(4, 0) + counted.get(5, 0)) / answered, 1
                )
            else:
                values[question.pk] = round(
                    sum(value * counted.get(value, 0) for value in range(11)) / answered, 1
                )
        rows.append(TrendRow(round=found, shown=shown, values=values))
    return questions, rows
