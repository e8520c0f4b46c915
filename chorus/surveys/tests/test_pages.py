"""The pages: admins create, send and read results; members answer on /surveys/<id>/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.models import Notification
from chorus.surveys.models import Answered, Measure, Question, Round, Survey, Template
from chorus.surveys.services.surveys import survey_create
from chorus.surveys.tests.conftest import group_of, members

pytestmark = pytest.mark.django_db


def _answer(client, person, survey, data):
    client.force_login(person.user)
    return client.post(reverse("surveys_answer", args=[survey.pk]), data)


def test_admin_sends_readiness_and_results_appear_at_the_fifth(
    admin_client, organization, admin_member, django_capture_on_commit_callbacks
):
    response = admin_client.post(reverse("surveys_manage"), {"template": Template.READINESS})
    survey = Survey.objects.get()
    assert response.status_code == 302
    people = members(organization, 5)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("surveys_send", args=[survey.pk]))
    assert response.status_code == 302
    round_ = Round.objects.get(survey=survey)
    assert Notification.objects.filter(membership=people[0], kind="survey").exists()
    confidence = Question.objects.get(survey=survey, measure=Measure.CONFIDENCE)
    pilot = Question.objects.get(survey=survey, purpose_key="pilot")
    results_url = reverse("surveys_results", args=[round_.pk])
    for index, person in enumerate(people):
        page = admin_client.get(results_url)
        assert "Not enough answers yet" in page.content.decode()
        client = admin_client.__class__()
        response = _answer(
            client,
            person,
            survey,
            {f"q{confidence.pk}": "4", f"q{pilot.pk}": "0" if index == 0 else "1"},
        )
        assert response.status_code == 302
    admin_client.force_login(admin_member.user)
    page = admin_client.get(results_url).content.decode()
    assert "Not enough answers yet" not in page
    assert "5 people answered" in page
    # The pilot question is answered by name, shown with its purpose.
    assert "So we can invite you to the pilot" in page and str(people[0]) in page
    csv = b"".join(
        admin_client.get(
            reverse("surveys_results_export", args=[round_.pk]) + "?format=csv"
        ).streaming_content
    )
    assert confidence.text.encode() in csv
    assert pilot.text.encode() not in csv


def test_the_promise_is_shown_before_the_questions(client, organization, admin_member):
    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.READINESS
    )
    from chorus.surveys.services.surveys import round_open

    round_open(survey=survey, actor=admin_member)
    [person] = members(organization, 1)
    client.force_login(person.user)
    page = client.get(reverse("surveys_answer", args=[survey.pk])).content.decode()
    promise = page.index("Your answers are anonymous")
    first_question = page.index(Question.objects.filter(survey=survey).first().text)
    assert promise < first_question
    assert "Not anonymous" in page and "So we can invite you to the pilot" in page


def test_bad_input_keeps_what_was_typed_and_changes_nothing(client, organization, admin_member):
    survey = survey_create(organization=organization, actor=admin_member, template=Template.MOOD)
    from chorus.surveys.services.surveys import round_open

    round_open(survey=survey, actor=admin_member)
    text = Question.objects.get(survey=survey, kind="text")
    [person] = members(organization, 1)
    client.force_login(person.user)
    response = client.post(
        reverse("surveys_answer", args=[survey.pk]), {f"q{text.pk}": "my kept words"}
    )
    assert response.status_code == 400
    assert "my kept words" in response.content.decode()
    assert not Answered.objects.exists()


def test_declining_and_answering_twice(client, organization, admin_member):
    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.PRESSURE
    )
    from chorus.surveys.services.surveys import round_open

    round_open(survey=survey, actor=admin_member)
    [person] = members(organization, 1)
    client.force_login(person.user)
    url = reverse("surveys_answer", args=[survey.pk])
    assert client.post(url, {"decline": "1"}).status_code == 302
    assert client.post(url, {"decline": "1"}).status_code == 400
    assert "You have answered this survey" in client.get(url).content.decode()


def test_another_organizations_survey_is_a_404(client, organization, admin_member):
    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.PRESSURE
    )
    other = MembershipFactory(organization=OrganizationFactory(), is_admin=True)
    client.force_login(other.user)
    assert client.get(reverse("surveys_answer", args=[survey.pk])).status_code == 404
    assert client.get(reverse("surveys_manage_survey", args=[survey.pk])).status_code == 404


def test_a_group_audience_keeps_others_out(client, organization, admin_member):
    inside, outside = members(organization, 2)
    group = group_of(organization, [inside])
    survey = survey_create(organization=organization, actor=admin_member, template=Template.MOOD)
    client.force_login(admin_member.user)
    response = client.post(
        reverse("surveys_manage_survey", args=[survey.pk]),
        {"title": "Mood", "intro": "", "groups": [group.pk], "repeat_weeks": "2", "open_days": "5"},
    )
    assert response.status_code == 302
    client.post(reverse("surveys_send", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.next_round_on is not None
    client.force_login(outside.user)
    assert client.get(reverse("surveys_answer", args=[survey.pk])).status_code == 404
    client.force_login(inside.user)
    assert client.get(reverse("surveys_answer", args=[survey.pk])).status_code == 200


def test_questions_are_frozen_once_sent(admin_client, organization, admin_member):
    survey = survey_create(organization=organization, actor=admin_member, template=Template.CUSTOM)
    url = reverse("surveys_question_add", args=[survey.pk])
    assert (
        admin_client.post(
            url, {"kind": "single", "text": "Pick", "choices": "only one"}
        ).status_code
        == 400
    )
    assert (
        admin_client.post(url, {"kind": "single", "text": "Pick", "choices": "a\nb"}).status_code
        == 302
    )
    assert (
        admin_client.post(url, {"kind": "text", "text": "Who?", "attributed": "on"}).status_code
        == 400
    )
    admin_client.post(reverse("surveys_send", args=[survey.pk]))
    response = admin_client.post(url, {"kind": "text", "text": "Late"})
    assert response.status_code == 400
    assert Question.objects.filter(survey=survey).count() == 1


def test_employees_cannot_see_admin_pages(employee_client, organization, admin_member):
    survey = survey_create(organization=organization, actor=admin_member, template=Template.MOOD)
    assert employee_client.get(reverse("surveys_manage")).status_code == 403
    assert (
        employee_client.get(reverse("surveys_manage_survey", args=[survey.pk])).status_code == 403
    )


def test_questions_move_and_go_before_sending(admin_client, organization, admin_member):
    survey = survey_create(organization=organization, actor=admin_member, template=Template.MOOD)
    first, second, third = Question.objects.filter(survey=survey)
    change = "surveys_question_change"
    assert admin_client.post(reverse(change, args=[third.pk]), {"action": "up"}).status_code == 302
    assert list(Question.objects.filter(survey=survey)) == [first, third, second]
    assert (
        admin_client.post(reverse(change, args=[first.pk]), {"action": "remove"}).status_code == 302
    )
    assert list(Question.objects.filter(survey=survey)) == [third, second]
    assert admin_client.post(reverse(change, args=[second.pk]), {"action": "?"}).status_code == 400


def test_every_question_kind_is_counted_and_an_answer_by_name_needs_a_purpose(
    organization, admin_member
):
    from chorus.surveys.services.answers import Answer, answers_submit
    from chorus.surveys.services.surveys import SurveyError, question_add, round_open

    survey = survey_create(organization=organization, actor=admin_member, template=Template.CUSTOM)
    with pytest.raises(SurveyError):
        question_add(
            survey=survey,
            actor=admin_member,
            kind="single",
            text="Pilot?",
            choices=["Yes", "No"],
            attributed=True,
            purpose=" ",
        )
    asked = {
        kind: question_add(
            survey=survey, actor=admin_member, kind=kind, text=f"Question {kind}", choices=choices
        )
        for kind, choices in (
            ("scale5", ()),
            ("likelihood10", ()),
            ("single", ("Red", "Blue")),
            ("multiple", ("LinkedIn", "X", "Mastodon")),
            ("text", ()),
        )
    }
    named = question_add(
        survey=survey,
        actor=admin_member,
        kind="single",
        text="Pilot?",
        choices=["Yes", "No"],
        attributed=True,
        purpose="So we can invite you",
    )
    round_ = round_open(survey=survey, actor=admin_member)
    for index, person in enumerate(members(organization, 5)):
        answers_submit(
            round=round_,
            membership=person,
            answers={
                asked["scale5"].pk: Answer(value=1 + index),
                asked["likelihood10"].pk: Answer(value=10),
                asked["single"].pk: Answer(value=index % 2),
                asked["multiple"].pk: Answer(choices=(0, 2)),
                asked["text"].pk: Answer(text=f"note {index}"),
                named.pk: Answer(value=0),
            },
        )
    from chorus.surveys.selectors.results import round_results

    results = {
        found.question.kind: found
        for found in round_results(organization=organization, round=round_).questions
    }
    assert named.pk not in [found.question.pk for found in results.values()]
    assert results["scale5"].average == 3.0 and results["scale5"].favourable == 40.0
    assert results["likelihood10"].average == 10.0
    assert results["single"].counts == [("Red", 3), ("Blue", 2)]
    assert results["multiple"].counts == [("LinkedIn", 5), ("X", 0), ("Mastodon", 5)]
    assert results["text"].texts == [f"note {index}" for index in range(5)]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_exports_hold_no_figure_before_the_fifth_answer(
    admin_client, organization, admin_member, format
):
    import io

    import openpyxl  # type: ignore[import-untyped]

    from chorus.surveys.services.surveys import round_open
    from chorus.surveys.tests.conftest import answer_all

    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.PRESSURE
    )
    round_ = round_open(survey=survey, actor=admin_member)
    answer_all(round_, members(organization, 4), pressure=5)
    url = reverse("surveys_results_export", args=[round_.pk]) + f"?format={format}"
    response = admin_client.get(url)
    assert response.status_code == 200
    body = response.content if format == "xlsx" else b"".join(response.streaming_content)
    if format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    else:
        rows = [line.split(",") for line in body.decode("utf-8-sig").strip().splitlines()]
    assert len(rows) == 2
    assert "Too few answers to keep them anonymous." in str(rows[1])
    assert not any(str(cell).isdigit() for cell in rows[1])


def test_a_groups_results_page_says_written_answers_are_listed_for_everyone(
    admin_client, organization, admin_member
):
    from chorus.surveys.services.answers import Answer, answers_submit
    from chorus.surveys.services.surveys import round_open

    survey = survey_create(
        organization=organization, actor=admin_member, template=Template.PRESSURE
    )
    round_ = round_open(survey=survey, actor=admin_member)
    people = members(organization, 10)
    group = group_of(organization, people[:5], "Five")
    pressure = Question.objects.get(survey=survey, measure=Measure.PRESSURE)
    where = Question.objects.get(survey=survey, kind="text")
    for index, person in enumerate(people):
        answers_submit(
            round=round_,
            membership=person,
            answers={pressure.pk: Answer(value=3), where.pk: Answer(text=f"reason {index}")},
        )
    url = reverse("surveys_results", args=[round_.pk])
    grouped = admin_client.get(url, {"group": group.pk}).content.decode()
    assert "5 people in this group wrote an answer" in grouped and "reason 0" not in grouped
    everyone = admin_client.get(url).content.decode()
    assert "reason 0" in everyone and "reason 9" in everyone
