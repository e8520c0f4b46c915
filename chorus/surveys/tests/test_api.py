"""The surveys API applies the same rules as the pages."""

from __future__ import annotations

import json

import pytest

from chorus.accounts.services import tokens as services
from chorus.surveys.models import Measure, Question, Round, Survey
from chorus.surveys.tests.conftest import group_of, members

pytestmark = pytest.mark.django_db


def _call(client, membership, method, url, body=None):
    _, secret = services.api_token_create(membership=membership, name="test")
    return client.generic(
        method,
        "/api/v1" + url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_create_send_answer_and_read_results(client, organization, admin_member):
    response = _call(client, admin_member, "POST", "/surveys", {"template": "pressure"})
    assert response.status_code == 201
    survey = Survey.objects.get(pk=response.json()["id"])
    assert _call(client, admin_member, "POST", f"/surveys/{survey.pk}/rounds").status_code == 201
    round_ = Round.objects.get(survey=survey)
    pressure = Question.objects.get(survey=survey, measure=Measure.PRESSURE)
    people = members(organization, 10)
    group = group_of(organization, people[1:], "Nine")  # all but the first to answer
    for person in people[:4]:
        pending = _call(client, person, "GET", "/surveys/pending").json()
        assert [p["survey_id"] for p in pending] == [survey.pk]
        body = {"answers": [{"question": pressure.pk, "value": 5}]}
        assert (
            _call(client, person, "POST", f"/surveys/{survey.pk}/answers", body).status_code == 201
        )
    again = _call(
        client,
        people[0],
        "POST",
        f"/surveys/{survey.pk}/answers",
        {"answers": [{"question": pressure.pk, "value": 1}]},
    )
    assert again.status_code == 409
    results = _call(client, admin_member, "GET", f"/surveys/rounds/{round_.pk}/results").json()
    assert results["group"]["shown"] is False and results["questions"] == []
    for person in people[4:]:
        body = {"answers": [{"question": pressure.pk, "value": 2}]}
        _call(client, person, "POST", f"/surveys/{survey.pk}/answers", body)
    results = _call(client, admin_member, "GET", f"/surveys/rounds/{round_.pk}/results").json()
    assert results["group"]["shown"] is True
    [shown] = [q for q in results["questions"] if q["question_id"] == pressure.pk]
    assert shown["answered"] == 10
    # The group of nine inside ten respondents: one person outside it would be singled out.
    by_group = _call(
        client, admin_member, "GET", f"/surveys/rounds/{round_.pk}/results?group={group.pk}"
    ).json()
    assert by_group["group"]["shown"] is False and by_group["questions"] == []
    assert "single people out" in by_group["group"]["reason"]


def test_bad_answers_are_refused_and_nothing_is_stored(client, organization, admin_member):
    survey_id = _call(client, admin_member, "POST", "/surveys", {"template": "pressure"}).json()[
        "id"
    ]
    _call(client, admin_member, "POST", f"/surveys/{survey_id}/rounds")
    pressure = Question.objects.get(survey_id=survey_id, measure=Measure.PRESSURE)
    [person] = members(organization, 1)
    response = _call(
        client,
        person,
        "POST",
        f"/surveys/{survey_id}/answers",
        {"answers": [{"question": pressure.pk, "value": 9}]},
    )
    assert response.status_code == 422
    assert _call(client, person, "GET", "/surveys/pending").json() != []
    assert _call(client, person, "GET", "/surveys").status_code == 403
