"""The survey measures other apps read (the readiness map, the voluntariness card): for
each round, the share of respondents answering favourably, after the results rules
(``selectors/results.py``): a group hidden in a round gives no point for it, and a
question with fewer answers than the minimum neither.

Several questions of one measure in a round (readiness asks comfort once per network)
make one point: their favourable answers over their answers, pooled; ``respondents`` is
the round's respondents in that group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from chorus.accounts.models import Organization
from chorus.surveys.models import ANSWERED, Kind, Measure, Question, Round, Tally
from chorus.surveys.selectors.results import min_answers, round_counts, visible_groups


@dataclass(frozen=True)
class MeasurePoint:
    round_id: int
    day: date  # the round's opened_on
    measure: str  # "mood" | "pressure" | "comfort" | "confidence" | "time" | "wish"
    percent: float  # share answering favourably (pressure: feeling pressured, 4 or 5)
    respondents: int


def _favourable(question: Question, tallies: dict[int, int]) -> int:
    if question.kind == Kind.SCALE5:
        return tallies.get(4, 0) + tallies.get(5, 0)
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        return tallies.get(0, 0)
    if question.kind == Kind.LIKELIHOOD10:
        return sum(tallies.get(value, 0) for value in (9, 10))
    return 0


def group_measures(
    *,
    organization: Organization,
    group_ids: Sequence[int | None],
    since: date | None = None,
    measures: Sequence[str] | None = None,
) -> dict[int | None, list[MeasurePoint]]:
    """Measure points per group (None = everyone), oldest first; only what the results
    rules allow. Four queries whatever the number of groups and rounds."""
    wanted = list(dict.fromkeys(group_ids))
    found: dict[int | None, list[MeasurePoint]] = {pk: [] for pk in wanted}
    if not wanted:
        return found
    questions = Question.objects.filter(organization=organization, attributed=False).exclude(
        measure=Measure.NONE
    )
    if measures is not None:
        questions = questions.filter(measure__in=list(measures))
    rounds = Round.objects.filter(
        organization=organization, survey__questions__in=questions
    ).distinct()
    if since is not None:
        rounds = rounds.filter(opened_on__gte=since)
    round_list = list(
        rounds.order_by("opened_on", "pk").values_list("pk", "opened_on", "survey_id")
    )
    if not round_list:
        return found
    round_ids = [pk for pk, _day, _survey in round_list]
    counts, overlaps = round_counts(organization=organization, round_ids=round_ids)
    by_survey: dict[int, list[Question]] = defaultdict(list)
    for question in questions.filter(survey_id__in={survey for _pk, _day, survey in round_list}):
        by_survey[question.survey_id].append(question)
    groups = Q(group__isnull=True) if None in wanted else Q(pk__in=[])
    named = [pk for pk in wanted if pk is not None]
    if named:
        groups |= Q(group_id__in=named)
    tallies: dict[tuple[int, int | None, int], dict[int, int]] = defaultdict(dict)
    for round_id, in_group, question_id, value, count in Tally.objects.filter(
        groups,
        organization=organization,
        round_id__in=round_ids,
        question_id__in=[q.pk for qs in by_survey.values() for q in qs],
    ).values_list("round_id", "group_id", "question_id", "value", "shown_count"):
        tallies[(round_id, in_group, question_id)][value] = count
    minimum = min_answers()
    for round_id, day, survey_id in round_list:
        decided = visible_groups(
            counts=counts.get(round_id, {}), overlaps=overlaps.get(round_id, {})
        )
        for group_id in wanted:
            if decided.get(group_id) != "":
                continue
            pooled: dict[str, tuple[int, int]] = {}
            for question in by_survey[survey_id]:
                found_tallies = tallies.get((round_id, group_id, question.pk), {})
                answered = found_tallies.get(ANSWERED, 0)
                if answered < minimum:
                    continue
                yes, total = pooled.get(question.measure, (0, 0))
                pooled[question.measure] = (
                    yes + _favourable(question, found_tallies),
                    total + answered,
                )
            for measure, (yes, total) in pooled.items():
                found[group_id].append(
                    MeasurePoint(
                        round_id=round_id,
                        day=day,
                        measure=measure,
                        percent=round(100 * yes / total, 1),
                        respondents=counts[round_id][group_id],
                    )
                )
    return found


def pressure_trend(*, organization: Organization, since: date | None = None) -> list[MeasurePoint]:
    """Everyone's "I feel pressured to share" over the rounds of any survey asking it."""
    return group_measures(
        organization=organization, group_ids=[None], since=since, measures=[Measure.PRESSURE]
    )[None]
