"""Practice scenarios: trainers write them and review answers; members answer them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chorus.accounts.services import tokens as account_services
from chorus.core.models import AuditEvent
from chorus.factories import (
    ComplianceRuleFactory,
    GroupFactory,
    MembershipFactory,
    OrganizationFactory,
)
from chorus.notifications.models import Notification
from chorus.training.models import ResponseState, Scenario, ScenarioResponse, ScenarioState
from chorus.training.selectors.scenarios import passed_scenarios, scenarios_for_member
from chorus.training.services import scenarios as services


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    org: Any = OrganizationFactory(name="Acme", slug="acme")
    trainer: Any = MembershipFactory(organization=org, is_trainer=True, user__email="tia@acme.test")
    other_trainer: Any = MembershipFactory(
        organization=org, is_trainer=True, user__email="tom@acme.test"
    )
    emma: Any = MembershipFactory(organization=org, user__email="emma@acme.test")
    sam: Any = MembershipFactory(organization=org, user__email="sam@acme.test")
    sales: Any = GroupFactory(organization=org, name="Sales")
    sales.members.add(sam)
    scenario = services.scenario_create(
        membership=trainer,
        title="An angry customer on X",
        situation="A customer writes: **your product broke**. Answer them.",
        network="x",
        state=ScenarioState.PUBLISHED,
    )
    sales_only = services.scenario_create(
        membership=trainer,
        title="A journalist asks",
        situation="What do you say?",
        state=ScenarioState.PUBLISHED,
        target_all=False,
        groups=[sales],
    )
    draft = services.scenario_create(
        membership=trainer, title="Unfinished", situation="Not yet.", state=ScenarioState.DRAFT
    )
    foreign_org: Any = OrganizationFactory(name="Globex", slug="globex")
    foreign_trainer: Any = MembershipFactory(organization=foreign_org, is_trainer=True)
    foreign = services.scenario_create(
        membership=foreign_trainer,
        title="Elsewhere",
        situation="Elsewhere.",
        state=ScenarioState.PUBLISHED,
    )
    return SimpleNamespace(**locals())


def login(client: Any, membership: Any) -> Any:
    client.force_login(membership.user)
    return client


# Writing scenarios ------------------------------------------------------------------------


def test_only_trainers_and_admins_write_scenarios(world):
    with pytest.raises(PermissionDenied):
        services.scenario_create(membership=world.emma, title="No", situation="No")
    admin = MembershipFactory(organization=world.org, is_admin=True)
    made = services.scenario_create(membership=admin, title="Yes", situation="Yes")
    assert made.organization_id == world.org.pk
    assert AuditEvent.objects.filter(action="training.scenario_created", target_id=made.pk).exists()


def test_bad_scenario_input_is_refused_in_words_and_changes_nothing(world):
    before = Scenario.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.scenario_create(
            membership=world.trainer,
            title=" ",
            situation="",
            network="myspace",
            target_all=False,
            groups=[],
        )
    assert set(refused.value.message_dict) == {"title", "situation", "network", "target_groups"}
    foreign_group = GroupFactory(organization=world.foreign_org)
    with pytest.raises(ValidationError):
        services.scenario_create(
            membership=world.trainer,
            title="T",
            situation="S",
            target_all=False,
            groups=[foreign_group],
        )
    assert Scenario.objects.count() == before


def test_trainer_pages_create_and_edit_a_scenario(client, world):
    login(client, world.trainer)
    assert client.get("/manage/training/scenarios/").status_code == 200
    response = client.post(
        "/manage/training/scenarios/new/",
        {
            "title": "A hostile comment",
            "situation": "Someone writes *you are all liars*.",
            "network": "mastodon",
            "target": "groups",
            "target_groups": [world.sales.pk],
            "state": "published",
        },
    )
    assert response.status_code == 302
    made = Scenario.objects.get(title="A hostile comment")
    assert (made.network, made.target_all, list(made.target_groups.all())) == (
        "mastodon",
        False,
        [world.sales],
    )
    page = client.get(f"/manage/training/scenarios/{made.pk}/").content.decode()
    assert "<em>you are all liars</em>" in page
    refused = client.post(
        f"/manage/training/scenarios/{made.pk}/",
        {"title": "", "situation": "Kept", "network": "", "target": "all", "state": "draft"},
    )
    assert refused.status_code == 400
    made.refresh_from_db()
    assert made.title == "A hostile comment"


def test_members_cannot_open_trainer_pages(client, world):
    login(client, world.emma)
    assert client.get("/manage/training/scenarios/").status_code == 403
    assert client.get("/manage/training/scenarios/reviews/").status_code == 403


def test_foreign_scenarios_are_404(client, world):
    login(client, world.trainer)
    assert client.get(f"/manage/training/scenarios/{world.foreign.pk}/").status_code == 404
    assert client.get(f"/learning/practice/{world.foreign.pk}/").status_code == 404


# Members ---------------------------------------------------------------------------------


def test_members_see_published_scenarios_aimed_at_them(client, world):
    assert set(scenarios_for_member(membership=world.emma)) == {world.scenario}
    assert set(scenarios_for_member(membership=world.sam)) == {world.scenario, world.sales_only}
    page = login(client, world.emma).get("/learning/practice/").content.decode()
    assert "An angry customer on X" in page
    assert "A journalist asks" not in page and "Unfinished" not in page
    assert client.get(f"/learning/practice/{world.sales_only.pk}/").status_code == 404
    assert client.get(f"/learning/practice/{world.draft.pk}/").status_code == 404


def test_the_answer_is_checked_by_the_organizations_rules_as_it_is_typed(client, world):
    ComplianceRuleFactory(organization=world.org, value="guaranteed")
    login(client, world.emma)
    url = f"/learning/practice/{world.scenario.pk}/check/"
    blocked = client.post(url, {"text": "Your refund is guaranteed tomorrow"})
    assert blocked.status_code == 200
    assert "Blocked." in blocked.content.decode()
    clear = client.post(url, {"text": "Sorry to hear that, we will help."})
    assert "No rule is broken." in clear.content.decode()
    too_long = client.post(url, {"text": "word " * 100})
    assert "Too long for X" in too_long.content.decode()
    assert (
        client.post(f"/learning/practice/{world.sales_only.pk}/check/", {"text": "x"}).status_code
        == 404
    )


def test_draft_submit_retry_and_pass(client, world):
    login(client, world.emma)
    url = f"/learning/practice/{world.scenario.pk}/"
    assert client.post(url, {"text": "First thoughts", "action": "save"}).status_code == 302
    assert "First thoughts" in client.get(url).content.decode()
    # An empty answer is refused, and nothing is sent.
    refused = client.post(url, {"text": "  ", "action": "submit"})
    assert refused.status_code == 400
    assert ScenarioResponse.objects.get(membership=world.emma).state == ResponseState.DRAFT
    assert (
        client.post(url, {"text": "Sorry, we will fix it", "action": "submit"}).status_code == 302
    )
    first = ScenarioResponse.objects.get(membership=world.emma)
    assert (first.state, first.text) == (ResponseState.SUBMITTED, "Sorry, we will fix it")
    # Waiting: it cannot change.
    assert client.post(url, {"text": "Changed", "action": "save"}).status_code == 400
    first.refresh_from_db()
    assert first.text == "Sorry, we will fix it"

    login(client, world.trainer)
    queue = client.get("/manage/training/scenarios/reviews/").content.decode()
    assert f"/manage/training/scenarios/reviews/{first.pk}/" in queue
    review_url = f"/manage/training/scenarios/reviews/{first.pk}/"
    page = client.get(review_url).content.decode()
    assert "Sorry, we will fix it" in page and "Allowed." in page
    no_feedback = client.post(review_url, {"decision": "retry", "feedback": ""})
    assert no_feedback.status_code == 400
    assert (
        client.post(review_url, {"decision": "retry", "feedback": "Apologise by name."}).status_code
        == 302
    )
    first.refresh_from_db()
    assert (first.state, first.reviewed_by) == (ResponseState.RETRY, world.trainer.user)
    note = Notification.objects.get(membership=world.emma)
    assert "Another try" in note.message and "Apologise by name." in note.message
    assert note.url == url
    assert AuditEvent.objects.filter(action="training.scenario_retry").count() == 1

    login(client, world.emma)
    page = client.get(url).content.decode()
    assert "Apologise by name." in page
    assert client.post(url, {"text": "Sorry Ana, we fix it", "action": "submit"}).status_code == 302
    answers = list(ScenarioResponse.objects.filter(membership=world.emma))
    assert [answer.state for answer in answers] == [ResponseState.SUBMITTED, ResponseState.RETRY]
    second = answers[0]
    assert passed_scenarios(world.emma) == set()
    # The trainer reads the new answer beside the earlier one and its feedback.
    login(client, world.other_trainer)
    page = client.get(f"/manage/training/scenarios/reviews/{second.pk}/").content.decode()
    assert "Sorry Ana, we fix it" in page
    assert "Earlier answers" in page and "Apologise by name." in page

    reviewed = services.response_review(
        reviewer=world.other_trainer, response=second, decision="pass", feedback="Good."
    )
    assert reviewed.state == ResponseState.PASSED
    assert passed_scenarios(world.emma) == {world.scenario.pk}
    assert Notification.objects.filter(membership=world.emma).count() == 2
    with pytest.raises(ValidationError):
        services.response_review(
            reviewer=world.trainer, response=second, decision="retry", feedback="Again"
        )


def test_a_trainer_cannot_review_their_own_answer(world):
    answer = services.response_submit(
        membership=world.trainer, scenario=world.scenario, text="Mine"
    )
    with pytest.raises(PermissionDenied):
        services.response_review(
            reviewer=world.trainer, response=answer, decision="pass", feedback=""
        )
    answer.refresh_from_db()
    assert answer.state == ResponseState.SUBMITTED


def test_members_cannot_see_or_review_others_answers(client, world):
    answer = services.response_submit(membership=world.sam, scenario=world.scenario, text="Sam's")
    draft = services.response_save_draft(
        membership=world.emma, scenario=world.scenario, text="Emma's secret draft"
    )
    login(client, world.emma)
    assert client.get(f"/manage/training/scenarios/reviews/{answer.pk}/").status_code == 403
    assert "Sam's" not in client.get(f"/learning/practice/{world.scenario.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        services.response_review(reviewer=world.emma, response=answer, decision="pass", feedback="")
    # A draft is not in the trainers' queue.
    login(client, world.trainer)
    assert client.get(f"/manage/training/scenarios/reviews/{draft.pk}/").status_code == 404
    foreign_answer = services.response_submit(
        membership=world.foreign_trainer, scenario=world.foreign, text="x"
    )
    assert client.get(f"/manage/training/scenarios/reviews/{foreign_answer.pk}/").status_code == 404


def test_members_cannot_answer_scenarios_not_aimed_at_them(world):
    with pytest.raises(PermissionDenied):
        services.response_save_draft(membership=world.emma, scenario=world.sales_only, text="x")
    with pytest.raises(PermissionDenied):
        services.response_submit(membership=world.emma, scenario=world.foreign, text="x")
    assert not ScenarioResponse.objects.filter(membership=world.emma).exists()


# API -------------------------------------------------------------------------------------


@pytest.fixture
def tokens(world) -> SimpleNamespace:
    def header(membership: Any) -> dict[str, str]:
        _, secret = account_services.api_token_create(membership=membership, name="test")
        return {"Authorization": f"Bearer {secret}"}

    return SimpleNamespace(emma=header(world.emma), trainer=header(world.trainer))


def test_api_answer_flow(client, world, tokens):
    ComplianceRuleFactory(organization=world.org, value="guaranteed")
    listed = client.get("/api/v1/training/scenarios", headers=tokens.emma).json()
    assert [item["id"] for item in listed] == [world.scenario.pk]
    assert listed[0]["state"] == ""
    base = f"/api/v1/training/scenarios/{world.scenario.pk}"
    saved = client.put(
        f"{base}/draft",
        {"text": "It is guaranteed"},
        content_type="application/json",
        headers=tokens.emma,
    )
    assert saved.status_code == 200
    assert saved.json()["blocked"] is True and saved.json()["state"] == "draft"
    sent = client.post(
        f"{base}/submit",
        {"text": "We will help"},
        content_type="application/json",
        headers=tokens.emma,
    )
    assert sent.status_code == 200 and sent.json()["state"] == "submitted"
    again = client.post(
        f"{base}/submit", {"text": "Again"}, content_type="application/json", headers=tokens.emma
    )
    assert again.status_code == 422
    detail = client.get(base, headers=tokens.emma).json()
    assert [answer["text"] for answer in detail["answers"]] == ["We will help"]

    # Members cannot list or review answers.
    assert client.get("/api/v1/training/scenario-responses", headers=tokens.emma).status_code == 403
    queue = client.get(
        "/api/v1/training/scenario-responses?state=submitted", headers=tokens.trainer
    )
    assert [item["id"] for item in queue.json()] == [sent.json()["id"]]
    review_url = f"/api/v1/training/scenario-responses/{sent.json()['id']}/review"
    bad = client.post(
        review_url,
        {"decision": "retry", "feedback": ""},
        content_type="application/json",
        headers=tokens.trainer,
    )
    assert bad.status_code == 422
    passed = client.post(
        review_url,
        {"decision": "pass", "feedback": "Well done"},
        content_type="application/json",
        headers=tokens.trainer,
    )
    assert passed.status_code == 200 and passed.json()["state"] == "passed"
    assert Notification.objects.filter(membership=world.emma, kind="scenario_reviewed").exists()


def test_api_foreign_and_untargeted_ids_are_404(client, world, tokens):
    for scenario in (world.foreign, world.sales_only, world.draft):
        assert (
            client.get(f"/api/v1/training/scenarios/{scenario.pk}", headers=tokens.emma).status_code
            == 404
        )
        assert (
            client.put(
                f"/api/v1/training/scenarios/{scenario.pk}/draft",
                {"text": "x"},
                content_type="application/json",
                headers=tokens.emma,
            ).status_code
            == 404
        )
    foreign_answer = services.response_submit(
        membership=world.foreign_trainer, scenario=world.foreign, text="x"
    )
    response = client.post(
        f"/api/v1/training/scenario-responses/{foreign_answer.pk}/review",
        {"decision": "pass", "feedback": ""},
        content_type="application/json",
        headers=tokens.trainer,
    )
    assert response.status_code == 404


def test_a_refused_answer_keeps_what_was_typed(client, world):
    login(client, world.emma)
    url = f"/learning/practice/{world.scenario.pk}/"
    typed = "Dear customer " + "x" * services.MAX_ANSWER
    refused = client.post(url, {"text": typed, "action": "submit"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "at most" in page and typed in page
    assert not ScenarioResponse.objects.filter(membership=world.emma).exists()


def test_the_situation_is_rendered_from_markdown_without_raw_html(client, world):
    world.scenario.situation = "**Broken** <script>alert(1)</script>"
    world.scenario.save(update_fields=["situation"])
    page = login(client, world.emma).get(f"/learning/practice/{world.scenario.pk}/")
    html = page.content.decode()
    assert "<strong>Broken</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_the_review_list_checks_answers_in_a_flat_number_of_queries(client, world, tokens):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/api/v1/training/scenario-responses"
    services.response_submit(membership=world.emma, scenario=world.scenario, text="One")
    client.get(url, headers=tokens.trainer)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url, headers=tokens.trainer).json()) == 1
    for member in (world.sam, world.other_trainer):
        services.response_submit(membership=member, scenario=world.scenario, text="More")
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(url, headers=tokens.trainer).json()) == 3
    assert len(three) == len(one)


def test_the_trainers_list_counts_answers_waiting_for_them_not_their_own(client, world):
    services.response_submit(membership=world.emma, scenario=world.scenario, text="Emma's")
    services.response_submit(membership=world.trainer, scenario=world.scenario, text="Mine")
    page = login(client, world.trainer).get("/manage/training/scenarios/").content.decode()
    assert "Review answers (1 waiting)" in page
    page = login(client, world.other_trainer).get("/manage/training/scenarios/").content.decode()
    assert "Review answers (2 waiting)" in page
