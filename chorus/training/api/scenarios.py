"""The training API: practice scenarios, members' answers, and trainers' reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.content.compliance import policy_for
from chorus.content.models import ComplianceRule
from chorus.training.models import ResponseState, Scenario, ScenarioResponse
from chorus.training.selectors import scenarios as selectors
from chorus.training.services import scenarios as services

router = Router(tags=["training"])


class ScenarioOut(Schema):
    id: int
    title: str
    situation: str = Field(description="Markdown")
    network: str = Field(description="The network answers are checked for (empty: none)")
    course_id: int | None
    state: str = Field(description="The state of the caller's latest answer (empty: none)")


class ScenarioAnswerOut(Schema):
    id: int
    scenario_id: int
    member_id: int
    text: str
    state: ResponseState
    submitted_at: datetime | None
    feedback: str
    reviewed_at: datetime | None


def _answer_out(answer: ScenarioResponse) -> dict[str, Any]:
    return {
        "id": answer.pk,
        "scenario_id": answer.scenario_id,
        "member_id": answer.membership_id,
        "text": answer.text,
        "state": ResponseState(answer.state),
        "submitted_at": answer.submitted_at,
        "feedback": answer.feedback,
        "reviewed_at": answer.reviewed_at,
    }


class ComplianceFindingOut(Schema):
    action: str = Field(description="block or warn")
    message: str


class ScenarioDetailOut(ScenarioOut):
    answers: list[ScenarioAnswerOut] = Field(description="The caller's answers, newest first")


class ScenarioAnswerCheckedOut(ScenarioAnswerOut):
    blocked: bool = Field(description="The organization's rules block this text")
    findings: list[ComplianceFindingOut]


class ScenarioAnswerIn(Input):
    text: str = Field(max_length=services.MAX_ANSWER)


class ScenarioReviewIn(Input):
    decision: Literal["pass", "retry"]
    feedback: str = Field("", max_length=services.MAX_FEEDBACK)


class ScenarioAnswerFilters(Input):
    state: Literal["submitted", "passed", "retry"] = "submitted"


def _scenario_out(scenario: Scenario, state: str) -> ScenarioOut:
    return ScenarioOut(
        id=scenario.pk,
        title=scenario.title,
        situation=scenario.situation,
        network=scenario.network,
        course_id=scenario.course_id,
        state=state,
    )


def _member_scenario(caller: Membership, scenario_id: int) -> Scenario:
    scenario = selectors.scenario_for_member(membership=caller, scenario_id=scenario_id)
    if scenario is None:
        raise Http404("No such scenario.")
    return scenario


def _checked(
    caller: Membership, answer: ScenarioResponse, loaded: dict[str, Any] | None = None
) -> ScenarioAnswerCheckedOut:
    result = services.scenario_check(
        membership=caller, scenario=answer.scenario, text=answer.text, **(loaded or {})
    )
    return ScenarioAnswerCheckedOut(
        **_answer_out(answer),
        blocked=result.blocked,
        findings=[
            ComplianceFindingOut(action=finding.action, message=finding.message)
            for finding in result.findings
        ],
    )


@router.get(
    "/training/scenarios",
    response={200: list[ScenarioOut]},
    summary="My practice scenarios",
    description="Published scenarios aimed at the caller, with the state of their answer.",
)
@api_roles()
def scenario_list(request: HttpRequest) -> list[ScenarioOut]:
    caller = calling_member(request)
    states = selectors.states_of_member(membership=caller)
    return [
        _scenario_out(scenario, states.get(scenario.pk, ""))
        for scenario in selectors.scenarios_for_member(membership=caller)
    ]


@router.get(
    "/training/scenarios/{scenario_id}",
    response={200: ScenarioDetailOut, 404: Error},
    summary="A practice scenario and my answers",
    description="404 for a scenario not aimed at the caller.",
)
@api_roles()
def scenario_detail(request: HttpRequest, scenario_id: PathId) -> ScenarioDetailOut:
    caller = calling_member(request)
    scenario = _member_scenario(caller, scenario_id)
    answers = list(selectors.responses_of_member(membership=caller, scenario=scenario))
    base = _scenario_out(scenario, answers[0].state if answers else "")
    return ScenarioDetailOut(
        **base.model_dump(), answers=[ScenarioAnswerOut(**_answer_out(item)) for item in answers]
    )


@router.put(
    "/training/scenarios/{scenario_id}/draft",
    response={200: ScenarioAnswerCheckedOut, 404: Error, 422: Error},
    summary="Save my draft answer",
    description=(
        "Keeps the text as the caller's draft (a new one after another try was asked) and "
        "returns its compliance verdict. 422 while an answer waits for feedback or passed."
    ),
)
@api_roles()
def scenario_draft(
    request: HttpRequest, scenario_id: PathId, payload: ScenarioAnswerIn
) -> ScenarioAnswerCheckedOut:
    caller = calling_member(request)
    scenario = _member_scenario(caller, scenario_id)
    answer = services.response_save_draft(membership=caller, scenario=scenario, text=payload.text)
    return _checked(caller, answer)


@router.post(
    "/training/scenarios/{scenario_id}/submit",
    response={200: ScenarioAnswerCheckedOut, 404: Error, 422: Error},
    summary="Send my answer for feedback",
    description="422 for an empty answer, or one already waiting or passed.",
)
@api_roles()
def scenario_submit(
    request: HttpRequest, scenario_id: PathId, payload: ScenarioAnswerIn
) -> ScenarioAnswerCheckedOut:
    caller = calling_member(request)
    scenario = _member_scenario(caller, scenario_id)
    answer = services.response_submit(membership=caller, scenario=scenario, text=payload.text)
    return _checked(caller, answer)


@router.get(
    "/training/scenario-responses",
    response={200: list[ScenarioAnswerCheckedOut]},
    summary="Answers to review",
    description=(
        "Trainers: members' answers in a state (waiting for feedback by default), the "
        "oldest first, at most 200, each with its compliance verdict."
    ),
)
@api_roles("trainer")
def scenario_response_list(
    request: HttpRequest, filters: Query[ScenarioAnswerFilters]
) -> list[ScenarioAnswerCheckedOut]:
    caller = calling_member(request)
    found = selectors.responses_for_review(organization=caller.organization, state=filters.state)
    # The rules and policy once for every answer, not once each.
    loaded: dict[str, Any] = {
        "rules": list(ComplianceRule.objects.filter(organization=caller.organization)),
        "policy": policy_for(organization=caller.organization),
    }
    return [_checked(caller, answer, loaded) for answer in found[:200]]


@router.post(
    "/training/scenario-responses/{response_id}/review",
    response={200: ScenarioAnswerCheckedOut, 403: Error, 404: Error, 422: Error},
    summary="Pass an answer or ask for another try",
    description=(
        "The member is told, with the feedback (required for another try). 403 for the "
        "trainer's own answer; 422 when the answer is not waiting for feedback."
    ),
)
@api_roles("trainer")
def scenario_response_review(
    request: HttpRequest, response_id: PathId, payload: ScenarioReviewIn
) -> ScenarioAnswerCheckedOut:
    caller = calling_member(request)
    answer = selectors.response_for_review(
        organization=caller.organization, response_id=response_id
    )
    if answer is None:
        raise Http404("No such answer.")
    reviewed = services.response_review(
        reviewer=caller, response=answer, decision=payload.decision, feedback=payload.feedback
    )
    return _checked(caller, reviewed)
