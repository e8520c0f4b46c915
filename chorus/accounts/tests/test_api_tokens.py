"""Personal API tokens in Settings: create (secret shown once), list, revoke."""

from __future__ import annotations

import re
from typing import Any, cast

from django.urls import reverse

from chorus.accounts.models import ApiToken, Membership, Organization
from chorus.accounts.services import tokens as services
from chorus.accounts.tokens import hash_secret
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory


# The factories are untyped (factory_boy ships no types): name what they make.
def new_member(**fields: Any) -> Membership:
    return cast(Membership, MembershipFactory(**fields))


def new_organization(**fields: Any) -> Organization:
    return cast(Organization, OrganizationFactory(**fields))


HTMX = {"HX-Request": "true"}


def shown_secret(html: str) -> str:
    match = re.search(r'id="new-token-secret">(chorus_[^<]+)<', html)
    assert match, "no secret in the page"
    return match.group(1)


def test_settings_page_lists_my_tokens(employee_client, employee):
    services.api_token_create(membership=employee, name="Reporting script")
    other = new_member(organization=employee.organization)
    services.api_token_create(membership=other, name="Someone else's")
    html = employee_client.get(reverse("settings")).content.decode()
    assert 'id="api-tokens"' in html
    assert "Reporting script" in html
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert "Never" in html


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_hash(employee_client, employee):
    response = employee_client.post(reverse("token_create"), {"name": "Reporting script"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = shown_secret(html)
    assert 'data-copy="#new-token-secret"' in html
    token = ApiToken.objects.get(membership=employee)
    assert token.token_hash == hash_secret(secret)
    assert secret not in {token.name, token.prefix, token.token_hash}
    assert secret.startswith(token.prefix)
    assert AuditEvent.objects.filter(action="api_token.created", target_id=str(token.pk)).exists()
    # Shown once: the settings page afterwards has only the prefix.
    again = employee_client.get(reverse("settings")).content.decode()
    assert secret not in again
    assert f"{token.prefix}…" in again


def test_creating_a_token_with_htmx_answers_the_section_alone(employee_client, employee):
    response = employee_client.post(reverse("token_create"), {"name": "CI"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith("<section")
    assert "<html" not in html
    assert shown_secret(html)


def test_a_token_without_a_name_is_refused(employee_client, employee):
    response = employee_client.post(reverse("token_create"), {"name": "   "}, headers=HTMX)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_too_long_token_name_is_refused(employee_client, employee):
    response = employee_client.post(reverse("token_create"), {"name": "x" * 5000})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_creating_a_token_needs_post(employee_client):
    assert employee_client.get(reverse("token_create")).status_code == 405


def test_revoking_my_token_without_htmx_redirects_to_settings(employee_client, employee):
    token, _ = services.api_token_create(membership=employee, name="Old script")
    response = employee_client.post(reverse("token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("settings")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", target_id=str(token.pk)).exists()
    page = employee_client.get(reverse("settings")).content.decode()
    assert "Revoked" in page


def test_revoking_with_htmx_answers_the_updated_section(employee_client, employee):
    token, _ = services.api_token_create(membership=employee, name="Old script")
    url = reverse("token_revoke", kwargs={"token_id": token.pk})
    html = employee_client.post(url, headers=HTMX).content.decode()
    assert html.lstrip().startswith("<section")
    assert "was revoked" in html
    assert url not in html  # no revoke button left for it


def test_another_members_token_is_404_even_in_my_organization(employee_client, employee):
    colleague = new_member(organization=employee.organization, is_admin=True)
    token, _ = services.api_token_create(membership=colleague, name="Theirs")
    response = employee_client.post(reverse("token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_belongs_to_the_membership_it_was_created_in(client, employee):
    """A person in two organizations gets a token for the one they are acting in."""
    elsewhere = new_member(user=employee.user, organization=new_organization())
    client.force_login(employee.user)
    client.post(reverse("organization_switch"), {"organization": str(elsewhere.organization_id)})
    client.post(reverse("token_create"), {"name": "Elsewhere"})
    token = ApiToken.objects.get()
    assert token.membership == elsewhere
    assert token.organization == elsewhere.organization


def test_signed_out_visitors_cannot_create_tokens(client, db):
    response = client.post(reverse("token_create"), {"name": "x"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
