"""The results rules, the one place every result path goes through (the results page, the
API, the exports, the readiness measures).

- A group's results show only when at least ``SURVEY_MIN_ANSWERS`` (never below 5) people
  in it answered the round; a question's figures only when that many answered it; free
  text only when that many people wrote some, and only in everyone's results (the same
  words in two groups' lists would tell who is in both).
- Published in steps (see ``RoundCount``): a result changes only after at least the
  minimum of its people answered since it was last shown.
- Differencing: which groups are shown for a round is decided once, the same way for
  everyone, from the stored counts: "everyone" first, then groups by respondents
  (most first, ties by id). A group is shown only if, against every group already shown,
  the people in one and not the other are none or at least the minimum on both sides.
  So subtracting one shown result from another never narrows below the minimum.
- One group at a time: there is no way to ask for an intersection.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chorus.accounts.models import Group, Organization
from chorus.surveys.models import (
    ANSWERED,
    Kind,
    Overlap,
    Question,
    Round,
    RoundCount,
    TextAnswer,
)
from chorus.surveys.models import Tally as TallyRow

TOO_FEW = "too_few"
TOO_CLOSE = "too_close"
REASONS = {
    TOO_FEW: _("Too few answers to keep them anonymous."),
    TOO_CLOSE: _("Too close to another group's answers: showing both would single people out."),
}


def min_answers() -> int:
    """The threshold: the setting, never below 5."""
    return max(5, int(getattr(settings, "SURVEY_MIN_ANSWERS", 5)))


@dataclass(frozen=True)
class GroupShown:
    group_id: int | None
    name: str
    respondents: int
    shown: bool
    reason: str = ""

    @property
    def reason_text(self) -> str:
        return str(REASONS.get(self.reason, ""))


def _differs_too_little(count: int, minimum: int) -> bool:
    return 0 < count < minimum


def visible_groups(
    *, counts: dict[int | None, int], overlaps: dict[tuple[int, int], int]
) -> dict[int | None, str]:
    """Decide, once per round and the same for everyone, which groups are shown: the
    reason each hidden one is hidden ("" for shown). Pure: from the stored counts only."""
    minimum = min_answers()
    everyone = counts.get(None, 0)
    groups = sorted((pk for pk in counts if pk is not None), key=lambda pk: (-counts[pk], pk))
    order: list[int | None] = [None, *groups]
    decided: dict[int | None, str] = {}
    shown: list[int | None] = []
    for candidate in order:
        size = counts.get(candidate, 0)
        if size < minimum:
            decided[candidate] = TOO_FEW
            continue
        close = False
        for other in shown:
            if other is None or candidate is None:
                # A group is inside "everyone": only everyone-but-the-group differs.
                only_candidate, only_other = 0, everyone - size
            else:
                both = overlaps.get((min(candidate, other), max(candidate, other)), 0)
                only_candidate, only_other = size - both, counts[other] - both
            if _differs_too_little(only_candidate, minimum) or _differs_too_little(
                only_other, minimum
            ):
                close = True
                break
        decided[candidate] = TOO_CLOSE if close else ""
        if not close:
            shown.append(candidate)
    return decided


def round_counts(
    *, organization: Organization, round_ids: Iterable[int]
) -> tuple[dict[int, dict[int | None, int]], dict[int, dict[tuple[int, int], int]]]:
    """Respondents per group and overlaps per pair of groups, per round, as last
    published (two queries)."""
    ids = list(round_ids)
    counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    overlaps: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for round_id, group_id, respondents in RoundCount.objects.filter(
        organization=organization, round_id__in=ids
    ).values_list("round_id", "group_id", "shown_respondents"):
        counts[round_id][group_id] = respondents
    for round_id, group_a, group_b, respondents in Overlap.objects.filter(
        organization=organization, round_id__in=ids
    ).values_list("round_id", "group_a_id", "group_b_id", "shown_respondents"):
        overlaps[round_id][(group_a, group_b)] = respondents
    return counts, overlaps


def rounds_visibility(
    *, organization: Organization, round_ids: Iterable[int]
) -> dict[int, dict[int | None, str]]:
    """For each round: every group with answers -> "" (shown) or the reason it is hidden."""
    ids = list(round_ids)
    counts, overlaps = round_counts(organization=organization, round_ids=ids)
    return {
        round_id: visible_groups(
            counts=counts.get(round_id, {}), overlaps=overlaps.get(round_id, {})
        )
        for round_id in ids
    }


def round_groups(*, organization: Organization, round: Round) -> list[GroupShown]:
    """The groups of a round as the group filter lists them: everyone first, then the
    groups in the order the rules decided them, each shown or hidden with its reason."""
    counts, overlaps = round_counts(organization=organization, round_ids=[round.pk])
    mine = counts.get(round.pk, {})
    decided = visible_groups(counts=mine, overlaps=overlaps.get(round.pk, {}))
    names = dict(
        Group.objects.filter(
            organization=organization, pk__in=[pk for pk in mine if pk is not None]
        ).values_list("pk", "name")
    )
    everyone = GroupShown(
        group_id=None,
        name=str(pgettext_lazy("survey results", "Everyone")),
        respondents=mine.get(None, 0),
        shown=decided.get(None, TOO_FEW) == "",
        reason=decided.get(None, TOO_FEW),
    )
    groups = [
        GroupShown(
            group_id=pk,
            name=names.get(pk, ""),
            respondents=mine[pk],
            shown=reason == "",
            reason=reason,
        )
        for pk, reason in decided.items()
        if pk is not None
    ]
    return [everyone, *groups]


@dataclass
class QuestionResult:
    question: Question
    answered: int
    shown: bool
    # value -> count (scale value, 0-10, or choice index); labels for the table.
    counts: list[tuple[str, int]] = field(default_factory=list)
    average: float | None = None
    favourable: float | None = None  # % 4 or 5 on a 1-5 scale
    texts: list[str] = field(default_factory=list)
    # A free-text question in a group's results: its answers are listed for everyone only.
    texts_elsewhere: bool = False

    @property
    def percents(self) -> list[tuple[str, int, int]]:
        total = self.answered or 1
        return [(label, count, round(100 * count / total)) for label, count in self.counts]


@dataclass
class RoundResults:
    round: Round
    groups: list[GroupShown]
    group: GroupShown | None  # the one asked for, None when unknown
    questions: list[QuestionResult]

    @property
    def shown(self) -> bool:
        return self.group is not None and self.group.shown


def _labels(question: Question) -> list[tuple[int, str]]:
    if question.kind == Kind.SCALE5:
        return [(value, str(value)) for value in range(1, 6)]
    if question.kind == Kind.LIKELIHOOD10:
        return [(value, str(value)) for value in range(0, 11)]
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        return list(enumerate(str(label) for label in question.choices))
    return []


def question_result(
    question: Question, tallies: dict[int, int], texts: list[str] | None = None
) -> QuestionResult:
    """One question's figures from its tallies (value -> count) in one shown group."""
    minimum = min_answers()
    answered = tallies.get(ANSWERED, 0)
    if answered < minimum:
        return QuestionResult(question=question, answered=answered, shown=False)
    result = QuestionResult(question=question, answered=answered, shown=True)
    result.counts = [(label, tallies.get(value, 0)) for value, label in _labels(question)]
    if question.kind in (Kind.SCALE5, Kind.LIKELIHOOD10):
        total = sum(value * tallies.get(value, 0) for value, _label in _labels(question))
        result.average = round(total / answered, 1)
    if question.kind == Kind.SCALE5:
        result.favourable = round(100 * (tallies.get(4, 0) + tallies.get(5, 0)) / answered, 1)
    if question.kind == Kind.TEXT:
        result.texts = texts or []
    return result


def round_results(
    *,
    organization: Organization,
    round: Round,
    group_id: int | None = None,
    text_limit: int | None = None,
) -> RoundResults:
    """A round's results for everyone (``group_id`` None) or one group, after the rules.
    A hidden or unknown group gets its reason and no figures. Attributed questions are
    not here: they are answered by name (``attributed_answers``). ``text_limit``: at most
    this many free-text answers per question (a random sample; the export has all)."""
    groups = round_groups(organization=organization, round=round)
    group = next((found for found in groups if found.group_id == group_id), None)
    questions = list(
        Question.objects.filter(
            organization=organization, survey_id=round.survey_id, attributed=False
        )
    )
    results = RoundResults(round=round, groups=groups, group=group, questions=[])
    if group is None or not group.shown:
        return results
    in_group = Q(group__isnull=True) if group_id is None else Q(group_id=group_id)
    tallies: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, value, count in TallyRow.objects.filter(
        in_group, organization=organization, round=round
    ).values_list("question_id", "value", "shown_count"):
        tallies[question_id][value] = count
    minimum = min_answers()
    text_ids = [
        question.pk
        for question in questions
        if group_id is None
        and question.kind == Kind.TEXT
        and tallies[question.pk].get(ANSWERED, 0) >= minimum
    ]
    texts: dict[int, list[str]] = defaultdict(list)
    for question_id in text_ids:
        found = TextAnswer.objects.filter(
            organization=organization,
            round=round,
            question_id=question_id,
            group__isnull=True,
            shown=True,
        )
        if text_limit is not None:
            # A sample: by the random id, which says nothing about who wrote first.
            found = found.order_by("id")[:text_limit]
        # Shown ordered by the text itself, never by when it was written.
        texts[question_id] = sorted(found.values_list("text", flat=True))
    results.questions = [
        question_result(question, tallies[question.pk], texts.get(question.pk))
        for question in questions
    ]
    if group_id is not None:
        for found_result in results.questions:
            found_result.texts_elsewhere = found_result.question.kind == Kind.TEXT
    return results
