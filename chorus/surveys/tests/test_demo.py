"""The demo's surveys are made through the services: counters, no per-person rows."""

from __future__ import annotations

import pytest

from chorus.demo.surveys import seed_surveys
from chorus.surveys.models import Answered, Round, RoundCount, Survey
from chorus.surveys.selectors.measures import pressure_trend
from chorus.surveys.selectors.surveys import pending_rounds
from chorus.surveys.tests.conftest import members

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_pressure_trend_and_a_readiness_survey_waiting_for_maya(
    organization, admin_member
):
    maya, *_others = members(organization, 20)
    surveys = seed_surveys(organization, admin=admin_member, maya=maya)
    assert {survey.template for survey in surveys} == {"pressure", "readiness"}
    assert len(pressure_trend(organization=organization)) == 2
    assert [
        found.survey.template
        for found in pending_rounds(organization=organization, membership=maya)
    ] == ["readiness"]
    readiness = Survey.objects.get(template="readiness")
    round_ = Round.objects.get(survey=readiness)
    counted = RoundCount.objects.get(round=round_, group=None).respondents
    assert counted == Answered.objects.filter(round=round_).count() > 0
