"""The anonymity guarantees: nothing stored ties an answer to a member, thresholds hold
on every result path, and two overlapping groups never single one person out."""

from __future__ import annotations

import datetime

import pytest
from django.db import models

from chorus.surveys.exports import results_table
from chorus.surveys.models import (
    Answered,
    AttributedAnswer,
    Measure,
    Overlap,
    Question,
    RoundCount,
    Tally,
    TextAnswer,
)
from chorus.surveys.selectors.measures import group_measures, pressure_trend
from chorus.surveys.selectors.results import TOO_CLOSE, TOO_FEW, round_results, visible_groups
from chorus.surveys.services.answers import AlreadyAnswered, Answer, answers_submit
from chorus.surveys.services.surveys import SurveyError
from chorus.surveys.tests.conftest import answer_all, group_of, members, question

pytestmark = pytest.mark.django_db

ANONYMOUS_MODELS = (Tally, RoundCount, Overlap, TextAnswer)


@pytest.mark.parametrize("model", ANONYMOUS_MODELS)
def test_anonymous_stores_have_no_member_and_no_time(model):
    for field in model._meta.get_fields():
        assert not (
            isinstance(field, models.ForeignKey)
            and field.related_model._meta.model_name in ("membership", "user")
        ), field.name
        assert not isinstance(field, models.DateTimeField | models.DateField | models.TimeField), (
            field.name
        )


def test_only_answered_and_attributed_answers_name_people_and_only_by_the_day():
    for model in (Answered, AttributedAnswer):
        assert not any(isinstance(f, models.DateTimeField) for f in model._meta.get_fields())


def test_text_answers_have_random_ids_and_list_by_text(organization, pressure_round):
    people = members(organization, 5)
    texts = ["zebra", "apple", "mango", "kiwi", "banana"]
    where = Question.objects.get(survey=pressure_round.survey, kind="text")
    for person, text in zip(people, texts, strict=True):
        answers_submit(
            round=pressure_round,
            membership=person,
            answers={
                question(pressure_round.survey, Measure.PRESSURE).pk: Answer(value=2),
                where.pk: Answer(text=text),
            },
        )
    assert TextAnswer._meta.pk.get_internal_type() == "UUIDField"
    results = round_results(organization=organization, round=pressure_round)
    shown = next(q for q in results.questions if q.question.pk == where.pk)
    assert shown.texts == sorted(texts)


def test_results_appear_only_at_the_fifth_answer(organization, pressure_round):
    people = members(organization, 5)
    answer_all(pressure_round, people[:4], pressure=5)
    results = round_results(organization=organization, round=pressure_round)
    assert not results.shown and results.group.reason == TOO_FEW and results.questions == []
    assert pressure_trend(organization=organization) == []
    answer_all(pressure_round, people[4:], pressure=5)
    results = round_results(organization=organization, round=pressure_round)
    assert results.shown
    pressure = next(q for q in results.questions if q.question.measure == Measure.PRESSURE)
    assert pressure.answered == 5 and pressure.favourable == 100.0
    [point] = pressure_trend(organization=organization)
    assert point.percent == 100.0 and point.respondents == 5


def test_free_text_needs_five_writers_even_when_the_group_is_shown(organization, pressure_round):
    people = members(organization, 6)
    where = Question.objects.get(survey=pressure_round.survey, kind="text")
    pressure = question(pressure_round.survey, Measure.PRESSURE)
    for index, person in enumerate(people):
        answers = {pressure.pk: Answer(value=3)}
        if index < 4:
            answers[where.pk] = Answer(text=f"text {index}")
        answers_submit(round=pressure_round, membership=person, answers=answers)
    results = round_results(organization=organization, round=pressure_round)
    assert results.shown
    text = next(q for q in results.questions if q.question.pk == where.pk)
    assert not text.shown and text.texts == []


def test_nothing_stored_for_a_group_too_small_to_be_shown(organization, pressure_round):
    people = members(organization, 5)
    small = group_of(organization, people[:4])
    answer_all(pressure_round, people, pressure=4)
    assert not RoundCount.objects.filter(group=small).exists()
    assert not Tally.objects.filter(group=small).exists()


def test_a_second_answer_is_refused(organization, pressure_round):
    [person] = members(organization, 1)
    answer_all(pressure_round, [person], pressure=1)
    with pytest.raises(AlreadyAnswered):
        answer_all(pressure_round, [person], pressure=5)
    assert RoundCount.objects.get(round=pressure_round, group=None).respondents == 1


def test_a_required_question_cannot_be_skipped_and_nothing_is_stored(organization, pressure_round):
    [person] = members(organization, 1)
    with pytest.raises(SurveyError):
        answers_submit(round=pressure_round, membership=person, answers={})
    assert not Answered.objects.exists() and not RoundCount.objects.exists()


def test_the_differencing_attack_is_refused(organization, pressure_round):
    """Group B holds the six people of group A but one (plus others): A minus B is one
    person. Showing both would give that person's answer away: the later one is hidden,
    on every path."""
    everyone = members(organization, 20)
    a_people = everyone[:6]
    b_people = everyone[1:12]  # A \ B = everyone[0]
    group_a = group_of(organization, a_people, "A")
    group_b = group_of(organization, b_people, "B")
    answer_all(pressure_round, [everyone[0]], pressure=5)
    answer_all(pressure_round, everyone[1:], pressure=1)

    results = {
        pk: round_results(organization=organization, round=pressure_round, group_id=pk)
        for pk in (None, group_a.pk, group_b.pk)
    }
    assert results[None].shown
    # B has more respondents, so it is decided first and shown; A is then too close to it.
    assert results[group_b.pk].shown
    assert not results[group_a.pk].shown
    assert results[group_a.pk].group.reason == TOO_CLOSE
    assert results[group_a.pk].questions == []
    # The export of the hidden group says why, and nothing else.
    rows = list(
        results_table(organization=organization, round=pressure_round, group_id=group_a.pk).rows
    )
    assert rows == [["A", "", "", "", results[group_a.pk].group.reason_text]]
    measures = group_measures(organization=organization, group_ids=[None, group_a.pk, group_b.pk])
    assert measures[group_a.pk] == []
    assert [p.percent for p in measures[group_b.pk]] == [0.0]


def test_the_complement_of_a_group_in_everyone_counts_as_a_difference():
    # Everyone 9, group 7: the 2 outside the group would be singled out.
    assert visible_groups(counts={None: 9, 1: 7}, overlaps={}) == {None: "", 1: TOO_CLOSE}
    assert visible_groups(counts={None: 12, 1: 7}, overlaps={}) == {None: "", 1: ""}
    assert visible_groups(counts={None: 12, 1: 12}, overlaps={}) == {None: "", 1: ""}


def test_overlapping_groups_are_decided_by_size_then_id():
    counts = {None: 40, 1: 10, 2: 10, 3: 8}
    # 1 and 2 share 9 people; 1 and 3 are apart; 2 and 3 share 5.
    overlaps = {(1, 2): 9, (1, 3): 0, (2, 3): 5}
    assert visible_groups(counts=counts, overlaps=overlaps) == {
        None: "",
        1: "",
        2: TOO_CLOSE,
        3: "",
    }


def test_the_minimum_never_goes_below_five(settings, organization, pressure_round):
    settings.SURVEY_MIN_ANSWERS = 2
    people = members(organization, 3)
    answer_all(pressure_round, people, pressure=5)
    assert not round_results(organization=organization, round=pressure_round).shown


def test_answers_after_closing_are_refused(organization, pressure_round):
    [person] = members(organization, 1)
    later = pressure_round.closes_at + datetime.timedelta(minutes=1)
    with pytest.raises(SurveyError):
        answers_submit(round=pressure_round, membership=person, answers={}, now=later)


def test_results_change_only_after_every_fifth_answer(organization, pressure_round):
    """Looking before and after one more answer shows nothing new: the figures are
    published at 5, 10, 15... respondents, never after a single one."""
    people = members(organization, 10)
    answer_all(pressure_round, people[:5], pressure=1)

    def figures():
        results = round_results(organization=organization, round=pressure_round)
        pressure = next(q for q in results.questions if q.question.measure == Measure.PRESSURE)
        return results.group.respondents, pressure.counts

    at_five = figures()
    assert at_five[0] == 5
    for person in people[5:9]:
        answer_all(pressure_round, [person], pressure=5)
        assert figures() == at_five
        assert pressure_trend(organization=organization)[0].respondents == 5
    answer_all(pressure_round, people[9:], pressure=5)
    respondents, counts = figures()
    assert respondents == 10 and dict(counts)["5"] == 5


def test_tally_rows_say_nothing_about_the_first_answer(organization, pressure_round):
    """A group's counters for every value are made together at the first answer: which
    rows exist, and the order of their ids, do not tell what the first person chose."""
    first, second = members(organization, 2)
    pressure = question(pressure_round.survey, Measure.PRESSURE)
    answer_all(pressure_round, [first], pressure=4)
    rows = list(
        Tally.objects.filter(round=pressure_round, group=None, question=pressure)
        .order_by("pk")
        .values_list("value", "count")
    )
    assert rows == [(-1, 1), (1, 0), (2, 0), (3, 0), (4, 1), (5, 0)]
    where = Question.objects.get(survey=pressure_round.survey, kind="text")
    assert Tally.objects.filter(round=pressure_round, question=where).count() == 1
    answer_all(pressure_round, [second], pressure=1)
    assert [value for value, _count in rows] == list(
        Tally.objects.filter(round=pressure_round, group=None, question=pressure)
        .order_by("pk")
        .values_list("value", flat=True)
    )


def test_free_text_is_listed_for_everyone_never_per_group(organization, pressure_round):
    """The same words in two groups' lists would tell who is in both: written answers are
    kept once and listed only in everyone's results."""
    people = members(organization, 20)
    group_a = group_of(organization, people[:10], "A")
    group_b = group_of(organization, people[9:19], "B")  # people[9] alone is in both
    where = Question.objects.get(survey=pressure_round.survey, kind="text")
    pressure = question(pressure_round.survey, Measure.PRESSURE)
    for index, person in enumerate(people):
        answers_submit(
            round=pressure_round,
            membership=person,
            answers={pressure.pk: Answer(value=2), where.pk: Answer(text=f"words {index}")},
        )
    assert TextAnswer.objects.count() == 20
    assert not TextAnswer.objects.filter(group__isnull=False).exists()
    everyone = round_results(organization=organization, round=pressure_round)
    [texts] = [q for q in everyone.questions if q.question.pk == where.pk]
    assert len(texts.texts) == 20 and not texts.texts_elsewhere
    for group in (group_a, group_b):
        results = round_results(organization=organization, round=pressure_round, group_id=group.pk)
        assert results.shown
        [texts] = [q for q in results.questions if q.question.pk == where.pk]
        assert texts.texts == [] and texts.texts_elsewhere and texts.answered >= 5
        rows = list(
            results_table(organization=organization, round=pressure_round, group_id=group.pk).rows
        )
        assert not any(row[2].startswith("words") for row in rows)


def test_a_group_changes_only_after_five_new_answers_of_its_own(organization, pressure_round):
    """Everyone's results move by five answers at a time, but a group's five-answer step
    can hold one of its people: the group keeps its earlier figures until five of its
    people answered since, so looking before and after never shows that one answer."""
    people = members(organization, 15)
    group = group_of(organization, people[:6], "Six")
    answer_all(pressure_round, people[:5], pressure=1)

    def figures(group_id):
        results = round_results(organization=organization, round=pressure_round, group_id=group_id)
        assert results.shown
        [found] = [q for q in results.questions if q.question.measure == Measure.PRESSURE]
        return results.group.respondents, found.counts

    before = figures(group.pk)
    assert before[0] == 5 and dict(before[1])["1"] == 5
    # The group's sixth person answers 5 among four others: everyone's results move.
    answer_all(pressure_round, [people[5]], pressure=5)
    answer_all(pressure_round, people[6:10], pressure=3)
    assert figures(None)[0] == 10
    assert figures(group.pk) == before
    assert measures_of(organization, group.pk) == [(5, 0.0)]


def measures_of(organization, group_id):
    points = group_measures(organization=organization, group_ids=[group_id])[group_id]
    return [(point.respondents, point.percent) for point in points]


def test_two_groups_shown_at_different_steps_are_compared_as_shown():
    """The people two shown results have in common is the overlap as it was when the
    earlier of them was published: the rule compares what an admin can subtract."""
    # A shown with 5 (overlap with B then 0), B later with 10 of which 5 in A by now.
    # As shown, A and B have nobody in common: both may be shown.
    assert visible_groups(counts={None: 30, 1: 10, 2: 5}, overlaps={(1, 2): 0}) == {
        None: "",
        1: "",
        2: "",
    }
    # Had A been published with 4 of B's people in it, A minus B would be one person.
    assert visible_groups(counts={None: 30, 1: 10, 2: 5}, overlaps={(1, 2): 4})[2] == TOO_CLOSE
