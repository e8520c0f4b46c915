from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from chorus.accounts.models import ProgramConsent, ProgramStatus
from chorus.accounts.services import organization as organization_services
from chorus.actions.members import member_join_program
from chorus.core.models import AuditEvent


def test_member_joins_the_program_with_the_terms_version_they_saw(employee_client, employee):
    version = employee.organization.program_terms_version
    response = employee_client.post(reverse("program"), {"terms_version": version, "agree": "on"})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.JOINED
    consent = ProgramConsent.objects.get(membership=employee)
    assert consent.action == "joined"
    assert consent.terms_version == version
    assert consent.terms_text == employee.organization.program_terms
    assert AuditEvent.objects.filter(action="program.joined", target_id=str(employee.pk)).exists()


def test_joining_without_ticking_the_box_changes_nothing(employee_client, employee):
    response = employee_client.post(
        reverse("program"), {"terms_version": employee.organization.program_terms_version}
    )
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.NOT_JOINED
    assert not ProgramConsent.objects.exists()


def test_joining_against_outdated_terms_is_refused(employee_client, employee):
    organization = employee.organization
    organization_services.organization_update_terms(
        organization=organization, actor=employee.user, terms="New terms"
    )
    employee_client.post(reverse("program"), {"terms_version": 1, "agree": "on"})
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.NOT_JOINED


def test_nobody_can_opt_in_someone_else(admin_member, employee):
    with pytest.raises(PermissionDenied):
        member_join_program(
            membership=employee,
            actor=admin_member.user,
            terms_version=employee.organization.program_terms_version,
        )
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.NOT_JOINED


def test_member_leaves_and_it_is_recorded(employee_client, employee):
    member_join_program(membership=employee, actor=employee.user, terms_version=1)
    response = employee_client.post(reverse("program_leave"))
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.LEFT
    assert not employee.is_advocate
    assert [c.action for c in ProgramConsent.objects.filter(membership=employee)] == [
        "left",
        "joined",
    ]
    assert AuditEvent.objects.filter(action="program.left").count() == 1


def test_a_member_may_say_why_they_leave_and_need_not(employee_client, employee):
    member_join_program(membership=employee, actor=employee.user, terms_version=1)
    page = employee_client.get(reverse("program")).content.decode()
    assert "I felt pressured to share" in page and "rather not say" in page
    employee_client.post(reverse("program_leave"), {"reason": "pressured"})
    left = ProgramConsent.objects.filter(membership=employee, action="left").get()
    assert left.reason == "pressured"
    member_join_program(membership=employee, actor=employee.user, terms_version=1)
    employee_client.post(reverse("program_leave"))
    assert ProgramConsent.objects.filter(membership=employee, action="left").first().reason == ""


def test_a_reason_that_is_not_offered_changes_nothing(employee_client, employee):
    member_join_program(membership=employee, actor=employee.user, terms_version=1)
    response = employee_client.post(reverse("program_leave"), {"reason": "bored"}, follow=True)
    assert "Choose one of the reasons listed, or none." in response.content.decode()
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.JOINED
    assert not ProgramConsent.objects.filter(membership=employee, action="left").exists()


def test_leave_requires_post(employee_client):
    assert employee_client.get(reverse("program_leave")).status_code == 405
