"""The trainer role: granted and revoked like every role (audited), offered when inviting,
read from a CSV import, listed by the API, and shown on the members pages."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.models import Invitation, MemberImport, Membership, ProgramStatus
from chorus.accounts.services import tokens as token_services
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory
from chorus.training.models import ResponseState, Scenario, ScenarioResponse, ScenarioState


def make_member(**fields: Any) -> Membership:
    # The factories are untyped (factory_boy ships no types): name what they make.
    return cast(Membership, MembershipFactory(**fields))


@pytest.fixture
def admin_secret(admin_member: Membership) -> str:
    return token_services.api_token_create(membership=admin_member, name="admin script")[1]


def call(client: Any, method: str, path: str, secret: str, body: Any = None) -> Any:
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


# Who holds it ------------------------------------------------------------------------


def test_trainers_and_admins_pass_the_trainer_check_and_others_do_not(organization):
    trainer = make_member(organization=organization, is_trainer=True)
    admin = make_member(organization=organization, is_admin=True)
    curator = make_member(organization=organization, is_curator=True)
    employee = make_member(organization=organization)
    assert trainer.roles == ["employee", "trainer"]
    assert trainer.has_role("trainer") and admin.has_role("trainer")
    assert not curator.has_role("trainer") and not employee.has_role("trainer")
    trainer.is_active = False
    assert not trainer.has_role("trainer")


# The member's page -------------------------------------------------------------------


def test_the_member_page_offers_the_trainer_role_with_what_it_does(admin_client, employee):
    page = admin_client.get(reverse("member_detail", args=[employee.pk])).content.decode()
    assert 'value="trainer"' in page
    assert "Trainer" in page
    assert "trainers write courses, quizzes and practice scenarios" in page


def test_an_admin_grants_the_trainer_role_and_it_is_audited(admin_client, admin_member, employee):
    response = admin_client.post(
        reverse("member_roles", args=[employee.pk]), {"roles": ["employee", "trainer"]}
    )
    assert response.status_code in (200, 302)
    employee.refresh_from_db()
    assert employee.is_trainer
    assert employee.roles == ["employee", "trainer"]
    event = AuditEvent.objects.get(action="member.roles_changed", target_id=str(employee.pk))
    assert event.actor == admin_member.user
    assert event.data == {"before": ["employee"], "after": ["employee", "trainer"]}


def test_an_admin_revokes_the_trainer_role_and_it_is_audited(admin_client, organization):
    trainer = make_member(organization=organization, is_trainer=True)
    admin_client.post(reverse("member_roles", args=[trainer.pk]), {"roles": ["employee"]})
    trainer.refresh_from_db()
    assert not trainer.is_trainer
    event = AuditEvent.objects.get(action="member.roles_changed", target_id=str(trainer.pk))
    assert event.data == {"before": ["employee", "trainer"], "after": ["employee"]}


def test_a_trainer_cannot_change_roles(client, organization):
    trainer = make_member(organization=organization, is_trainer=True)
    other = make_member(organization=organization)
    client.force_login(trainer.user)
    response = client.post(reverse("member_roles", args=[other.pk]), {"roles": ["trainer"]})
    assert response.status_code == 403
    other.refresh_from_db()
    assert not other.is_trainer
    assert not AuditEvent.objects.filter(action="member.roles_changed").exists()


def test_the_members_list_shows_and_filters_trainers(admin_client, organization):
    make_member(organization=organization, is_trainer=True, user__name="Tess Trainer")
    make_member(organization=organization, user__name="Eve Employee")
    response = admin_client.get(reverse("members"), {"role": "trainer"})
    names = [member.user.name for member in response.context["page"].object_list]
    assert names == ["Tess Trainer"]
    assert ">trainer</li>" in response.content.decode()


# Invitations and imports -------------------------------------------------------------


def test_an_invitation_can_make_a_trainer(
    admin_client, client, organization, django_capture_on_commit_callbacks
):
    page = admin_client.get(reverse("invitations")).content.decode()
    assert 'value="trainer"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("invitations"), {"email": "tess@example.test", "roles": ["trainer"]}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.roles == ["trainer"]
    assert "trainer" in admin_client.get(reverse("invitations")).content.decode()


def test_a_csv_import_reads_the_trainer_role(admin_client):
    csv = "email,name,role\ntess@example.test,Tess Trainer,employee;Trainer\n"
    response = admin_client.post(
        reverse("member_import_upload"),
        {"file": SimpleUploadedFile("people.csv", csv.encode(), "text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    member_import = MemberImport.objects.get()
    preview = admin_client.get(response["Location"]).content.decode()
    assert "employee, trainer" in preview
    admin_client.post(reverse("member_import_confirm", args=[member_import.pk]))
    assert Invitation.objects.get(email="tess@example.test").roles == ["employee", "trainer"]


# The API -----------------------------------------------------------------------------


def test_the_api_grants_the_trainer_role_and_lists_it(client, admin_secret, employee):
    response = call(
        client, "PATCH", f"/members/{employee.pk}", admin_secret, {"roles": ["employee", "trainer"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["employee", "trainer"]
    employee.refresh_from_db()
    assert employee.is_trainer
    assert AuditEvent.objects.filter(
        action="member.roles_changed", target_id=str(employee.pk)
    ).exists()
    listed = call(client, "GET", "/members?role=trainer", admin_secret).json()["items"]
    assert [item["id"] for item in listed] == [employee.pk]


def test_the_api_takes_every_role_at_once(client, admin_secret, employee):
    every = ["employee", "curator", "approver", "trainer", "admin"]
    response = call(client, "PATCH", f"/members/{employee.pk}", admin_secret, {"roles": every})
    assert response.status_code == 200, response.content
    assert response.json()["roles"] == every


def test_the_api_invites_a_trainer(client, admin_secret, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = call(
            client,
            "POST",
            "/invitations",
            admin_secret,
            {"email": "tess@example.test", "roles": ["employee", "trainer"]},
        )
    assert response.status_code == 201, response.content
    assert response.json()["roles"] == ["employee", "trainer"]


def test_the_openapi_document_names_the_trainer_role(client, db):
    document = client.get("/api/v1/openapi.json").json()
    patch = document["components"]["schemas"]["MemberPatch"]["properties"]["roles"]
    assert "trainer" in json.dumps(patch)


# The shell ---------------------------------------------------------------------------


def shell(client: Any, member: Membership, page: str = "home") -> tuple[dict[str, Any], Any]:
    """The member's navigation sections by title, and the page's response."""
    client.force_login(member.user)
    response = client.get(reverse(page))
    assert response.status_code == 200
    return {str(section.title): section for section in response.context["nav_sections"]}, response


def test_every_member_finds_their_learning_in_the_program_or_not(client, organization):
    for member in (
        make_member(organization=organization),
        make_member(organization=organization, program_status=ProgramStatus.JOINED),
    ):
        sections, response = shell(client, member)
        assert "learning" in [item.url_name for item in sections["You"].items]
        assert f'href="{reverse("learning")}"' in response.content.decode()


def test_the_training_section_is_for_trainers_and_admins_only(client, organization):
    trainer = make_member(organization=organization, is_trainer=True)
    sections, response = shell(client, trainer)
    training = sections["Training"]
    assert [item.url_name for item in training.items] == [
        "training_courses",
        "training_scenarios",
        "training_scenario_reviews",
        "training_certifications",
        "training_sessions",
        "training_policy",
        "training_reports",
    ]
    assert training.open  # a trainer's own work
    assert [str(tab.label) for tab in response.context["nav_tabs"]] == [
        "Home",
        "Courses",
        "Alerts",
    ]
    admin = make_member(organization=organization, is_admin=True)
    sections, _response = shell(client, admin)
    assert "Training" in sections
    assert not sections["Training"].open  # an admin's own work is administration
    for others in (
        make_member(organization=organization),
        make_member(organization=organization, is_curator=True, is_approver=True),
        make_member(organization=organization, program_status=ProgramStatus.JOINED),
    ):
        sections, response = shell(client, others)
        assert "Training" not in sections
        assert reverse("training_courses") not in response.content.decode()
        assert client.get(reverse("training_courses")).status_code == 403


def test_the_training_section_opens_on_the_page_it_stands_for(client, admin_member):
    sections, response = shell(client, admin_member, "training_scenario_reviews")
    assert sections["Training"].open and sections["Training"].current
    assert 'aria-current="page"' in response.content.decode()


# The trainer's home ------------------------------------------------------------------


def answer(member: Membership, scenario: Scenario, state: str = ResponseState.SUBMITTED) -> Any:
    return ScenarioResponse.objects.create(
        organization=member.organization,
        scenario=scenario,
        membership=member,
        text="Thanks for telling us, we are on it.",
        state=state,
        submitted_at=timezone.now(),
    )


def published_scenario(organization: Any, title: str) -> Scenario:
    return Scenario.objects.create(
        organization=organization,
        title=title,
        situation="A customer complains on X.",
        state=ScenarioState.PUBLISHED,
    )


def test_a_trainer_s_home_shows_the_practice_answers_waiting_for_feedback(client, organization):
    trainer = make_member(organization=organization, is_trainer=True)
    scenario = published_scenario(organization, "An angry customer on X")
    waiting = answer(make_member(organization=organization, user__name="Maya Member"), scenario)
    answer(make_member(organization=organization), scenario, ResponseState.PASSED)
    answer(make_member(organization=organization), scenario, ResponseState.DRAFT)
    answer(trainer, scenario)  # their own: another trainer reviews it
    elsewhere = make_member(is_trainer=True)
    answer(
        make_member(organization=elsewhere.organization),
        published_scenario(elsewhere.organization, "Foreign scenario"),
    )
    client.force_login(trainer.user)
    response = client.get(reverse("home"))
    home = response.context["home"]
    card = next(section for section in home.sections if section.name == "practice_reviews")
    assert card.data.count == 1
    assert card.data.first == [waiting]
    page = response.content.decode()
    assert reverse("training_scenario_review", args=[waiting.pk]) in page
    assert "An answer waits for your feedback" in page
    assert "Foreign scenario" not in page


def test_a_trainer_with_nothing_to_review_is_told_in_one_line(client, organization):
    trainer = make_member(organization=organization, is_trainer=True)
    client.force_login(trainer.user)
    response = client.get(reverse("home"))
    assert "practice_reviews" not in [section.name for section in response.context["home"].sections]
    assert "No practice answer is waiting for your feedback." in response.content.decode()
