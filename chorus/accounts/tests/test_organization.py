from __future__ import annotations

from django.urls import reverse

from chorus.accounts.models import ProgramConsent
from chorus.actions.members import member_join_program
from chorus.core.models import AuditEvent

URL = reverse("organization_settings")


def test_page_shows_name_terms_and_version(admin_client, organization):
    body = admin_client.get(URL).content.decode()
    assert "Acme" in body
    assert "version 1" in body
    assert "keep their consent to the version they saw" in body


def test_admin_renames_the_organization(admin_client, organization):
    response = admin_client.post(URL, {"section": "name", "org-name": "  Acme   Corp "})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Acme Corp"
    event = AuditEvent.objects.get(action="organization.renamed")
    assert event.data == {"before": "Acme", "after": "Acme Corp"}


def test_empty_or_very_long_name_is_refused(admin_client, organization):
    assert admin_client.post(URL, {"section": "name", "org-name": "   "}).status_code == 400
    assert admin_client.post(URL, {"section": "name", "org-name": "N" * 5000}).status_code == 400
    organization.refresh_from_db()
    assert organization.name == "Acme"
    assert not AuditEvent.objects.exists()


def test_name_with_html_is_escaped(admin_client, organization):
    admin_client.post(URL, {"section": "name", "org-name": "<i>Acme</i>"})
    body = admin_client.get(URL).content.decode()
    assert "<i>Acme</i>" not in body
    assert "&lt;i&gt;Acme&lt;/i&gt;" in body


def test_new_terms_bump_the_version_and_keep_old_consents(admin_client, organization, employee):
    member_join_program(membership=employee, actor=employee.user, terms_version=1)
    old_terms = organization.program_terms
    response = admin_client.post(URL, {"section": "terms", "terms-program_terms": "New rules."})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.program_terms, organization.program_terms_version) == ("New rules.", 2)
    consent = ProgramConsent.objects.get(membership=employee)
    assert (consent.terms_version, consent.terms_text) == (1, old_terms)
    employee.refresh_from_db()
    assert employee.program_status == "joined"
    assert AuditEvent.objects.filter(action="organization.terms_changed").exists()


def test_unchanged_terms_keep_the_version(admin_client, organization):
    admin_client.post(URL, {"section": "terms", "terms-program_terms": organization.program_terms})
    organization.refresh_from_db()
    assert organization.program_terms_version == 1


def test_empty_terms_are_refused(admin_client, organization):
    response = admin_client.post(URL, {"section": "terms", "terms-program_terms": "  "})
    assert response.status_code == 400
    organization.refresh_from_db()
    assert organization.program_terms_version == 1


def test_unknown_section_changes_nothing(admin_client, organization):
    response = admin_client.post(URL, {"section": "zzz", "org-name": "Other"})
    assert response.status_code == 400
    organization.refresh_from_db()
    assert organization.name == "Acme"


def test_employee_is_refused_organization_settings(employee_client, organization):
    assert employee_client.get(URL).status_code == 403
    response = employee_client.post(URL, {"section": "name", "org-name": "Hacked"})
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name == "Acme"
