"""Rounds on a schedule, one reminder to those who have not answered, closing."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from chorus.accounts.models import ProgramStatus
from chorus.core.tenancy import in_organization
from chorus.notifications.models import Notification
from chorus.surveys.models import Round, SurveyStatus
from chorus.surveys.services.surveys import round_open, survey_close, surveys_tick
from chorus.surveys.tasks import surveys_due
from chorus.surveys.tests.conftest import answer_all, members

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)


def test_a_repeating_survey_opens_its_next_round_and_closes_the_last(
    organization, admin_member, pressure_survey
):
    pressure_survey.repeat_weeks = 2
    pressure_survey.open_days = 7
    pressure_survey.save()
    with time_machine.travel(START):
        first = round_open(survey=pressure_survey, actor=admin_member)
    with time_machine.travel(START + datetime.timedelta(days=8)):
        surveys_due.call()
        first.refresh_from_db()
        assert first.closed
        assert Round.objects.filter(survey=pressure_survey).count() == 1
    with time_machine.travel(START + datetime.timedelta(days=14, hours=1)):
        surveys_due.call()
        assert Round.objects.filter(survey=pressure_survey).count() == 2
    pressure_survey.refresh_from_db()
    assert pressure_survey.next_round_on == datetime.date(2026, 11, 30)


def test_one_reminder_goes_only_to_members_who_have_not_answered(
    organization, admin_member, pressure_survey
):
    answered, waiting = members(organization, 2)
    [leaver] = members(organization, 1, program_status=ProgramStatus.LEFT)
    with time_machine.travel(START):
        round_ = round_open(survey=pressure_survey, actor=admin_member)
        answer_all(round_, [answered], pressure=2)
    with (
        time_machine.travel(START + datetime.timedelta(days=5, hours=1)),
        in_organization(organization),
    ):
        surveys_tick(organization=organization)
        surveys_tick(organization=organization)
    reminded = set(
        Notification.objects.filter(kind="survey", message__startswith="Reminder").values_list(
            "membership_id", flat=True
        )
    )
    assert waiting.pk in reminded
    assert answered.pk not in reminded and leaver.pk not in reminded
    assert (
        Notification.objects.filter(membership=waiting, message__startswith="Reminder").count() == 1
    )


def test_closing_a_survey_closes_its_round_and_stops_the_schedule(
    organization, admin_member, pressure_survey
):
    pressure_survey.repeat_weeks = 1
    pressure_survey.save()
    round_ = round_open(survey=pressure_survey, actor=admin_member)
    survey_close(survey=pressure_survey, actor=admin_member)
    round_.refresh_from_db()
    pressure_survey.refresh_from_db()
    assert round_.closed and pressure_survey.status == SurveyStatus.CLOSED
    assert pressure_survey.next_round_on is None
