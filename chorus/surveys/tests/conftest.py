from __future__ import annotations

from typing import Any, cast

import pytest

from chorus.accounts.models import Group, Membership, Organization
from chorus.factories import GroupFactory, MembershipFactory
from chorus.surveys.models import Question, Round, Survey, Template
from chorus.surveys.services.answers import Answer, answers_submit
from chorus.surveys.services.surveys import round_open, survey_create


def members(organization: Organization, count: int, **kwargs: Any) -> list[Membership]:
    return [
        cast(Membership, MembershipFactory(organization=organization, **kwargs))
        for _ in range(count)
    ]


def group_of(organization: Organization, people: list[Membership], name: str = "") -> Group:
    group = cast(Group, GroupFactory(organization=organization, **({"name": name} if name else {})))
    group.members.set(people)
    return group


def question(survey: Survey, measure: str) -> Question:
    return Question.objects.get(survey=survey, measure=measure)


def answer_all(round: Round, people: list[Membership], **by_measure: int) -> None:
    """Each person answers the questions with these measures (others skipped)."""
    questions = {q.measure: q for q in Question.objects.filter(survey_id=round.survey_id)}
    for person in people:
        answers_submit(
            round=round,
            membership=person,
            answers={questions[m].pk: Answer(value=v) for m, v in by_measure.items()},
        )


@pytest.fixture
def pressure_survey(organization: Organization, admin_member: Membership) -> Survey:
    return survey_create(organization=organization, actor=admin_member, template=Template.PRESSURE)


@pytest.fixture
def pressure_round(pressure_survey: Survey, admin_member: Membership) -> Round:
    return round_open(survey=pressure_survey, actor=admin_member)
