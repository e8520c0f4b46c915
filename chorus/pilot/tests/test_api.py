"""The pilot API: admins start it, see candidates, invite, withdraw, widen, open to all;
members answer their invitation (no reason), volunteer and leave; foreign ids are 404."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chorus.accounts.models import Membership, Organization
from chorus.factories import GroupFactory, OrganizationFactory
from chorus.pilot.models import InvitationStatus, Pilot, PilotInvitation, PilotStatus
from chorus.pilot.tests.conftest import member
from chorus.surveys.models import AttributedAnswer, Kind, Question, Round, Survey

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_an_admin_starts_the_pilot_and_reads_it(
    admin_client: Any, organization: Organization
) -> None:
    assert admin_client.get("/api/v1/pilot").json()["status"] == "not_started"
    response = admin_client.post("/api/v1/pilot/start")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "running" and body["group_id"] is not None
    response = admin_client.put("/api/v1/pilot/note", {"note": "Join us"}, content_type=JSON)
    assert response.json()["note"] == "Join us"


def test_invite_from_the_candidates_and_withdraw(
    admin_client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    admin_client.force_login(maya.user)
    admin_client.post("/api/v1/me/pilot/volunteer")
    admin_client.force_login(admin_member.user)
    candidates = admin_client.get("/api/v1/pilot/candidates").json()
    assert [row["member_id"] for row in candidates] == [maya.pk]
    assert candidates[0]["reasons"] == ["Said they would like to take part"]
    response = admin_client.post(
        "/api/v1/pilot/invitations", {"member_ids": [maya.pk]}, content_type=JSON
    )
    assert response.status_code == 201
    [invitation] = response.json()
    assert invitation["status"] == "pending"
    response = admin_client.post(f"/api/v1/pilot/invitations/{invitation['id']}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    response = admin_client.post(f"/api/v1/pilot/invitations/{invitation['id']}/withdraw")
    assert response.status_code == 422


def test_foreign_members_groups_and_invitations_are_404(admin_client: Any, pilot: Pilot) -> None:
    other = OrganizationFactory.create()
    stranger = member(other)
    response = admin_client.post(
        "/api/v1/pilot/invitations", {"member_ids": [stranger.pk]}, content_type=JSON
    )
    assert response.status_code == 404
    group = GroupFactory.create(organization=other)
    response = admin_client.post(
        "/api/v1/pilot/waves", {"group_ids": [group.pk]}, content_type=JSON
    )
    assert response.status_code == 404
    foreign = PilotInvitation.objects.create(organization=other, membership=stranger)
    assert admin_client.post(f"/api/v1/pilot/invitations/{foreign.pk}/withdraw").status_code == 404
    assert not PilotInvitation.objects.filter(organization=pilot.organization).exists()


def test_a_member_accepts_or_declines_and_no_reason_is_asked(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    from chorus.pilot.services.pilot import pilot_invite

    maya, sam = member(pilot.organization), member(pilot.organization)
    pilot_invite(organization=pilot.organization, actor=admin_member.user, memberships=[maya, sam])
    client.force_login(maya.user)
    mine = client.get("/api/v1/me/pilot").json()
    assert mine["invitation"]["status"] == "pending"
    body = client.post("/api/v1/me/pilot/accept").json()
    assert body["in_pilot"] is True and body["invitation"] is None
    client.force_login(sam.user)
    assert client.post("/api/v1/me/pilot/decline").status_code == 200
    assert client.post("/api/v1/me/pilot/decline").status_code == 404
    statuses = dict(PilotInvitation.objects.values_list("membership_id", "status"))
    assert statuses == {maya.pk: InvitationStatus.ACCEPTED, sam.pk: InvitationStatus.DECLINED}
    client.force_login(maya.user)
    assert client.post("/api/v1/me/pilot/leave").json()["in_pilot"] is False


def test_widen_then_open_to_everyone(admin_client: Any, pilot: Pilot) -> None:
    sales = GroupFactory.create(organization=pilot.organization, name="Sales")
    sales.members.add(member(pilot.organization))
    response = admin_client.post(
        "/api/v1/pilot/waves", {"group_ids": [sales.pk]}, content_type=JSON
    )
    assert response.status_code == 201 and response.json()["invited"] == 1
    assert (
        admin_client.post("/api/v1/pilot/waves", {"group_ids": []}, content_type=JSON).status_code
        == 422
    )
    assert len(admin_client.get("/api/v1/pilot/waves").json()) == 1
    assert admin_client.post("/api/v1/pilot/open").json()["status"] == "graduated"
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.GRADUATED


def test_employees_cannot_use_the_admin_operations(employee_client: Any) -> None:
    assert employee_client.get("/api/v1/pilot").status_code == 403
    assert employee_client.post("/api/v1/pilot/start").status_code == 403


def test_who_said_yes_in_the_survey_is_suggested_with_that_reason(
    admin_client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    organization = pilot.organization
    keen = member(organization)
    survey = Survey.objects.create(
        organization=organization, title="Readiness", created_on=date(2026, 12, 1)
    )
    question = Question.objects.create(
        organization=organization,
        survey=survey,
        kind=Kind.SINGLE,
        text="Would you like to be in the pilot?",
        choices=["Yes", "No"],
        attributed=True,
        purpose_key="pilot",
    )
    round_ = Round.objects.create(
        organization=organization,
        survey=survey,
        number=1,
        opened_on=date(2026, 12, 1),
        closes_at="2026-12-08T12:00:00Z",
    )
    AttributedAnswer.objects.create(
        organization=organization,
        round=round_,
        question=question,
        membership=keen,
        choices=[0],
        answered_on=date(2026, 12, 2),
    )
    candidates = admin_client.get("/api/v1/pilot/candidates").json()
    assert [row["member_id"] for row in candidates] == [keen.pk]
    assert candidates[0]["reasons"] == ["Said they would like to take part"]
    assert candidates[0]["volunteered_on"] == "2026-12-02"
