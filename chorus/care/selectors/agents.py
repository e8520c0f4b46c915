"""Reading who answers customers: a member's own care profile and what stands between
them and the inbox, and the team an admin oversees."""

from __future__ import annotations

from dataclasses import dataclass

from chorus.accounts.models import Membership, Organization
from chorus.care.models import CareAgent
from chorus.care.services.routing import agent_at_work, care_gates, memberships_cleared, open_loads


def agent_of(*, membership: Membership) -> CareAgent | None:
    """The member's care profile, or None before they ever opted in."""
    return (
        CareAgent.objects.filter(organization_id=membership.organization_id, membership=membership)
        .prefetch_related("tags")
        .first()
    )


def agent_get(*, organization: Organization, agent_id: int) -> CareAgent:
    """The organization's agent (CareAgent.DoesNotExist for another's)."""
    return CareAgent.objects.select_related("membership__user").get(
        organization_id=organization.pk, pk=agent_id
    )


def agent_cleared(*, agent: CareAgent) -> bool:
    """Whether routing counts the agent as cleared (gates met, or the admin's flag)."""
    return agent.membership_id in memberships_cleared(
        organization_id=agent.organization_id, agents=[agent]
    )


@dataclass
class TeamRow:
    agent: CareAgent
    load: int
    at_work: bool
    # Holds the care certification (None: the organization has no care gate).
    certified: bool | None


def care_team(*, organization: Organization) -> list[TeamRow]:
    """Every member who opted in (or once did), with load, hours and clearance, in a
    fixed number of queries."""
    agents = list(
        CareAgent.objects.filter(organization_id=organization.pk)
        .select_related("membership__user")
        .prefetch_related("tags")
        .order_by("-opted_in", "membership__user__name", "membership__user__email")
    )
    ids = [agent.membership_id for agent in agents]
    loads = open_loads(organization_id=organization.pk, membership_ids=ids)
    gated = bool(care_gates(organization.pk))
    certified: set[int] = set()
    if gated:
        certified = memberships_cleared(organization_id=organization.pk, agents=agents)
    return [
        TeamRow(
            agent=agent,
            load=loads.get(agent.membership_id, 0),
            at_work=agent_at_work(agent),
            certified=(agent.membership_id in certified) if gated else None,
        )
        for agent in agents
    ]
