"""The care API: the inbox and a conversation for care members, claiming (422 names the
holder), triage, my profile and the team."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

from django.test import Client

from chorus import factories
from chorus.accounts.models import ProgramStatus
from chorus.accounts.services import tokens as account_services
from chorus.care.models import CareAgent, ConversationStatus

ConversationFactory: Any = factories.ConversationFactory
MembershipFactory: Any = factories.MembershipFactory
CareAgentFactory: Any = factories.CareAgentFactory


def call(client: Client, method: str, path: str, member: Any, body: Any = None) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def agent(organization: Any, name: str) -> Any:
    membership = MembershipFactory(
        organization=organization, program_status=ProgramStatus.JOINED, user__name=name
    )
    return CareAgentFactory(membership=membership).membership


def test_the_inbox_and_a_conversation_for_care_members(
    client: Client, organization: Any, employee: Any
) -> None:
    maya = agent(organization, "Maya")
    conversation = ConversationFactory(organization=organization, subject="Parcel")
    ConversationFactory(organization=organization, status=ConversationStatus.CLOSED)
    assert call(client, "GET", "/care/inbox", employee).status_code == 403
    listed = call(client, "GET", "/care/inbox?limit=1", maya).json()
    assert [item["id"] for item in listed["items"]] == [conversation.pk]
    assert listed["after"] is None
    detail = call(client, "GET", f"/care/conversations/{conversation.pk}", maya).json()
    assert detail["subject"] == "Parcel"
    assert detail["messages"] == []
    foreign = ConversationFactory()
    assert call(client, "GET", f"/care/conversations/{foreign.pk}", maya).status_code == 404


def test_claims_and_triage_through_the_api(client: Client, organization: Any) -> None:
    maya = agent(organization, "Maya")
    noah = agent(organization, "Noah")
    conversation = ConversationFactory(organization=organization)
    base = f"/care/conversations/{conversation.pk}"
    assert call(client, "POST", base + "/claim", maya, {}).json()["claimed_by_id"] == maya.pk
    refused = call(client, "POST", base + "/claim", noah, {})
    assert refused.status_code == 422
    assert "Maya is answering this since" in refused.json()["detail"]
    assert (
        call(client, "POST", base + "/priority", maya, {"priority": "urgent"}).json()["priority"]
        == "urgent"
    )
    assert call(client, "POST", base + "/notes", maya, {"text": "Called"}).status_code == 201
    assert call(client, "POST", base + "/assign", maya, {"assignee_id": noah.pk}).status_code == 403
    released = call(client, "POST", base + "/release", maya, {"unassign": True}).json()
    assert released["assignee_id"] is None
    assert released["status"] == "new"


def test_my_profile_and_the_team(
    client: Client, organization: Any, employee: Any, admin_member: Any
) -> None:
    body = {
        "opted_in": True,
        "on_duty": True,
        "timezone": "Europe/Berlin",
        "languages": ["de"],
        "work_start": "07:30",
        "work_end": "15:30",
    }
    saved = call(client, "PUT", "/care/me", employee, body).json()
    assert saved["opted_in"] and saved["on_duty"]
    assert saved["languages"] == ["de"]
    # Wall-clock hours in the agent's own time zone, without an offset.
    assert (saved["work_start"], saved["work_end"]) == ("07:30", "15:30")
    agent = CareAgent.objects.get(membership=employee)
    assert (agent.work_start, agent.work_end) == (time(7, 30), time(15, 30))
    with_offset = call(client, "PUT", "/care/me", employee, {**body, "work_start": "07:30+01:00"})
    assert with_offset.status_code == 422
    wrong = call(client, "PUT", "/care/me", employee, {**body, "timezone": "Mars/Base"})
    assert wrong.status_code == 422
    assert CareAgent.objects.get(membership=employee).timezone == "Europe/Berlin"
    assert call(client, "GET", "/care/team", employee).status_code == 403
    team = call(client, "GET", "/care/team", admin_member).json()
    assert [row["membership_id"] for row in team] == [employee.pk]
    call(client, "PUT", "/care/me", employee, {"opted_in": False})
    assert not CareAgent.objects.get(membership=employee).opted_in
