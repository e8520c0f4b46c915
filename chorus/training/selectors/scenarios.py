"""Reads of practice scenarios and the answers members write to them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from chorus.accounts.models import Membership, Organization
from chorus.training.models import ResponseState, Scenario, ScenarioResponse, ScenarioState


def scenarios_for_trainers(*, organization: Organization) -> QuerySet[Scenario]:
    """Every scenario of the organization, for the trainers who write them."""
    return (
        Scenario.objects.filter(organization=organization)
        .select_related("course")
        .prefetch_related("target_groups")
    )


def scenario_of_organization(*, organization: Organization, scenario_id: int) -> Scenario | None:
    return scenarios_for_trainers(organization=organization).filter(pk=scenario_id).first()


def scenarios_for_member(*, membership: Membership) -> QuerySet[Scenario]:
    """The published scenarios aimed at the member: everyone's, or one of their groups'."""
    targeted = Scenario.objects.filter(
        organization_id=membership.organization_id, state=ScenarioState.PUBLISHED
    ).filter(Q(target_all=True) | Q(target_groups__members=membership))
    return (
        Scenario.objects.filter(pk__in=targeted.values("pk"))
        .select_related("course")
        .order_by("title", "id")
    )


def scenario_for_member(*, membership: Membership, scenario_id: int) -> Scenario | None:
    return scenarios_for_member(membership=membership).filter(pk=scenario_id).first()


def is_targeted(*, membership: Membership, scenario: Scenario) -> bool:
    return scenarios_for_member(membership=membership).filter(pk=scenario.pk).exists()


def responses_of_member(
    *, membership: Membership, scenario: Scenario
) -> QuerySet[ScenarioResponse]:
    """The member's answers to the scenario, newest first (the first is the current one)."""
    return ScenarioResponse.objects.filter(
        organization_id=membership.organization_id, membership=membership, scenario=scenario
    ).select_related("reviewed_by")


def current_response(*, membership: Membership, scenario: Scenario) -> ScenarioResponse | None:
    return responses_of_member(membership=membership, scenario=scenario).first()


def states_of_member(*, membership: Membership) -> dict[int, str]:
    """The state of the member's latest answer to each scenario they answered."""
    states: dict[int, str] = {}
    rows = (
        ScenarioResponse.objects.filter(
            organization_id=membership.organization_id, membership=membership
        )
        .order_by("scenario_id", "-created_at", "-id")
        .values_list("scenario_id", "state")
    )
    for scenario_id, state in rows:
        states.setdefault(scenario_id, state)
    return states


def passed_scenarios(membership: Membership) -> set[int]:
    """The ids of the scenarios the member passed (for certification)."""
    return set(
        ScenarioResponse.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            state=ResponseState.PASSED,
        ).values_list("scenario_id", flat=True)
    )


def responses_for_review(
    *, organization: Organization, state: str = ResponseState.SUBMITTED
) -> QuerySet[ScenarioResponse]:
    """Answers in a state (by default, waiting for feedback), the oldest waiting first."""
    found = ScenarioResponse.objects.filter(organization=organization).exclude(
        state=ResponseState.DRAFT
    )
    if state:
        found = found.filter(state=state)
    return found.select_related("scenario", "membership__user", "reviewed_by").order_by(
        "submitted_at", "id"
    )


def response_for_review(*, organization: Organization, response_id: int) -> ScenarioResponse | None:
    """A submitted (or reviewed) answer of the organization; drafts stay private."""
    return responses_for_review(organization=organization, state="").filter(pk=response_id).first()
