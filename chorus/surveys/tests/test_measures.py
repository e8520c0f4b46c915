"""The selectors other apps call: measures per group over rounds, pilot volunteers."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from chorus.accounts.models import ProgramStatus
from chorus.surveys.models import Question, Template
from chorus.surveys.selectors.measures import group_measures, pressure_trend
from chorus.surveys.selectors.volunteers import pilot_volunteers
from chorus.surveys.services.answers import Answer, answers_submit
from chorus.surveys.services.surveys import round_open, survey_create
from chorus.surveys.tests.conftest import answer_all, group_of, members

pytestmark = pytest.mark.django_db


def test_pressure_trend_is_oldest_first_and_per_round(organization, admin_member, pressure_survey):
    people = members(organization, 10)
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)):
        first = round_open(survey=pressure_survey, actor=admin_member)
        answer_all(first, people, pressure=4)
    with time_machine.travel(datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)):
        second = round_open(survey=pressure_survey, actor=admin_member)
        answer_all(second, people[:5], pressure=5)
        answer_all(second, people[5:], pressure=1)
    trend = pressure_trend(organization=organization)
    assert [(p.round_id, p.day, p.percent, p.respondents) for p in trend] == [
        (first.pk, datetime.date(2026, 11, 2), 100.0, 10),
        (second.pk, datetime.date(2026, 11, 20), 50.0, 10),
    ]
    assert (
        pressure_trend(organization=organization, since=datetime.date(2026, 11, 10))[0].round_id
        == second.pk
    )


def test_readiness_measures_pool_comfort_across_networks(organization, admin_member):
    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.READINESS
    )
    round_ = round_open(survey=survey, actor=admin_member)
    people = members(organization, 5)
    sales = group_of(organization, people, "Sales")
    questions = list(Question.objects.filter(survey=survey))
    comfort = [q for q in questions if q.measure == "comfort"]
    wish = next(q for q in questions if q.measure == "wish")
    assert len(comfort) >= 2
    for index, person in enumerate(people):
        answers = {q.pk: Answer(value=5 if n == 0 else 1) for n, q in enumerate(comfort)}
        answers[wish.pk] = Answer(value=0 if index < 2 else 2)
        answers_submit(round=round_, membership=person, answers=answers)
    found = group_measures(organization=organization, group_ids=[None, sales.pk])
    by_measure = {p.measure: p.percent for p in found[None]}
    assert by_measure["comfort"] == round(100 / len(comfort), 1)
    assert by_measure["wish"] == 40.0
    # Sales holds everyone who answered: the same people, so it may be shown too.
    assert {p.measure for p in found[sales.pk]} == {"comfort", "wish"}


def test_pilot_volunteers_keep_the_latest_answer(organization, admin_member):
    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.READINESS
    )
    pilot = Question.objects.get(survey=survey, purpose_key="pilot")
    assert pilot.attributed and pilot.purpose
    yes_then_no, yes, gone = members(organization, 3)
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)):
        first = round_open(survey=survey, actor=admin_member)
        for person in (yes_then_no, yes, gone):
            answers_submit(round=first, membership=person, answers={pilot.pk: Answer(value=0)})
    with time_machine.travel(datetime.datetime(2026, 11, 9, 9, tzinfo=datetime.UTC)):
        second = round_open(survey=survey, actor=admin_member)
        answers_submit(round=second, membership=yes_then_no, answers={pilot.pk: Answer(value=1)})
    gone.is_active = False
    gone.save()
    assert pilot_volunteers(organization=organization) == {yes.pk: datetime.date(2026, 11, 2)}


def test_leavers_may_answer_pressure_but_not_readiness(organization, admin_member, pressure_round):
    [leaver] = members(organization, 1, program_status=ProgramStatus.LEFT)
    answer_all(pressure_round, [leaver], pressure=5)
    readiness = survey_create(
        organization=organization, actor=admin_member, template=Template.READINESS
    )
    round_ = round_open(survey=readiness, actor=admin_member)
    from chorus.surveys.services.surveys import SurveyError

    with pytest.raises(SurveyError):
        answers_submit(round=round_, membership=leaver, answers={})
