"""Single sign-on through a real OpenID Connect provider on loopback (Authlib's server):
discovery by email, the provider, back to Chorus, just-in-time membership; and every
forged or stale answer refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.db import connection

from chorus.accounts.models import Membership, ProgramStatus, User
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.identity.models import IdentityProvider, SsoDomain
from chorus.identity.services.domains import domain_verify
from chorus.identity.services.providers import oidc_provider_save, provider_set_enabled
from chorus.identity.tests.oidc_provider import LoopbackOidcProvider, running_provider

CLIENT_ID = "chorus-acme"
CLIENT_SECRET = "s3cret-from-the-idp"


@pytest.fixture(autouse=True)
def loopback(settings: Any) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True


@pytest.fixture
def idp() -> Iterator[LoopbackOidcProvider]:
    yield from running_provider()


@pytest.fixture
def sso(organization: Any, admin_member: Any, idp: LoopbackOidcProvider) -> IdentityProvider:
    idp.add_client(CLIENT_ID, CLIENT_SECRET)
    provider = oidc_provider_save(
        organization=organization,
        actor=admin_member.user,
        name="Acme Okta",
        issuer=idp.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    provider_set_enabled(provider=provider, actor=admin_member.user, enabled=True)
    claim = SsoDomain.objects.create(organization=organization, domain="acme.test")
    domain_verify(claim=claim, how="operator")
    return provider


def idp_url(response: Any) -> str:
    """Where Chorus sends the browser: a page that moves on by itself (a redirect would
    break the CSP's form-action 'self')."""
    assert response.status_code == 200, response.content.decode()[:500]
    match = re.search(r'id="sso-authorize-link" href="([^"]+)"', response.content.decode())
    assert match, response.content.decode()[:2000]
    return html.unescape(match.group(1))


def start(client: Any, email: str) -> str:
    """The sign-in page with the work email only: Chorus sends the browser to the IdP."""
    return idp_url(client.post("/accounts/login/", {"login": email}))


def come_back(client: Any, redirect_back: str) -> Any:
    url = httpx.URL(redirect_back)
    assert url.host == "testserver", redirect_back
    return client.get(url.raw_path.decode())


def sso_sign_in(client: Any, idp: LoopbackOidcProvider, email: str, as_email: str = "") -> Any:
    location = start(client, email)
    assert location.startswith(idp.issuer + "/authorize?"), location
    return come_back(client, idp.sign_in(location, as_email or email))


def signed_in(client: Any) -> bool:
    return bool(client.get("/").status_code == 200)


def test_first_sso_sign_in_makes_a_member_who_has_not_joined_the_program(client, sso, idp):
    idp.add_user("jane@acme.test", given_name="Jane", family_name="Doe")
    response = sso_sign_in(client, idp, "jane@acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in(client)
    assert idp.last_login_hint == "jane@acme.test"
    user = User.objects.get(email="jane@acme.test")
    assert not user.has_usable_password()
    assert user.name == "Jane Doe"
    membership = Membership.objects.get(user=user, organization=sso.organization)
    assert membership.is_active and membership.is_employee and not membership.is_admin
    assert membership.program_status == ProgramStatus.NOT_JOINED
    assert AuditEvent.objects.filter(
        organization=sso.organization, action="sso.member_joined", actor=user
    ).exists()
    # The second time signs the same person in, without a second membership.
    client.post("/accounts/logout/")
    assert not signed_in(client)
    assert sso_sign_in(client, idp, "jane@acme.test").status_code == 302
    assert signed_in(client)
    assert Membership.objects.filter(user=user).count() == 1


def test_an_existing_member_signs_in_by_sso_into_their_membership(client, sso, idp, employee):
    idp.add_user(employee.user.email)
    assert sso_sign_in(client, idp, employee.user.email).status_code == 302
    assert signed_in(client)
    assert Membership.objects.filter(user=employee.user).count() == 1
    employee.refresh_from_db()
    assert employee.program_status == ProgramStatus.NOT_JOINED


def refused(client: Any, response: Any) -> str:
    body: str = response.content.decode()
    assert response.status_code in (400, 401, 403), response.status_code
    assert not signed_in(client)
    return body


@pytest.mark.parametrize("misbehaviour", ["rogue_key", "audience", "issuer", "expired"])
def test_forged_or_stale_id_tokens_are_refused(client, sso, idp, misbehaviour):
    idp.add_user("jane@acme.test")
    idp.misbehave.add(misbehaviour)
    body = refused(client, sso_sign_in(client, idp, "jane@acme.test"))
    assert "could not be accepted" in body
    assert not User.objects.filter(email="jane@acme.test").exists()
    assert idp.token_requests == 1  # the provider did answer; Chorus refused its answer


def test_an_id_token_with_an_old_nonce_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    assert sso_sign_in(client, idp, "jane@acme.test").status_code == 302
    client.post("/accounts/logout/")
    # The provider answers the next sign-in with the previous sign-in's nonce (a replayed
    # ID token): correctly signed, for the right client, and still refused.
    idp.misbehave.add("old_nonce")
    body = refused(client, sso_sign_in(client, idp, "jane@acme.test"))
    assert "does not belong to this sign-in" in body


def test_a_replayed_authorization_code_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    location = start(client, "jane@acme.test")
    back = idp.sign_in(location, "jane@acme.test")
    assert come_back(client, back).status_code == 302
    client.post("/accounts/logout/")
    # The same answer again: its state was used up.
    refused(client, come_back(client, back))
    # The same code with a fresh state of this browser: the provider refuses the used code.
    fresh = start(client, "jane@acme.test")
    state = httpx.URL(fresh).params["state"]
    code = httpx.URL(back).params["code"]
    url = httpx.URL(back).copy_with(params={"code": code, "state": state})
    refused(client, come_back(client, str(url)))


def test_an_email_outside_the_verified_domains_is_refused_in_words(client, sso, idp):
    idp.add_user("mallory@elsewhere.test")
    response = sso_sign_in(client, idp, "jane@acme.test", as_email="mallory@elsewhere.test")
    body = refused(client, response)
    assert response.status_code == 403
    assert "not at one of Acme" in body
    assert not User.objects.filter(email="mallory@elsewhere.test").exists()


def test_a_deactivated_membership_cannot_sign_in_by_sso(client, sso, idp, employee):
    employee.is_active = False
    employee.save()
    idp.add_user(employee.user.email)
    response = sso_sign_in(client, idp, employee.user.email)
    assert response.status_code == 403
    assert "deactivated" in refused(client, response)


def test_a_disabled_provider_sends_nobody_to_it(client, sso, idp, admin_member, employee):
    provider_set_enabled(provider=sso, actor=admin_member.user, enabled=False)
    response = client.post("/accounts/login/", {"login": employee.user.email})
    assert response.status_code == 200
    assert "Enter your password" in response.content.decode()
    assert client.get(f"/accounts/oidc/{sso.provider_id}/login/").status_code == 404


def test_discovery_tells_the_page_where_an_email_signs_in(client, sso):
    answer = client.get("/sign-in/sso/", {"email": "someone@ACME.test"}).json()
    assert answer["sso"] is True and answer["provider"] == "Acme Okta"
    assert answer["required"] is False
    assert client.get("/sign-in/sso/", {"email": "someone@other.test"}).json() == {"sso": False}
    assert client.get("/sign-in/sso/", {"email": "@@"}).json() == {"sso": False}


def test_the_continue_button_goes_to_the_provider_with_the_hint(client, sso, idp):
    url = idp_url(client.post("/sign-in/sso/continue/", {"login": "jane@acme.test"}))
    assert url.startswith(idp.issuer + "/authorize?")
    assert "login_hint=jane%40acme.test" in url
    assert "nonce=" in url


def test_the_secret_is_encrypted_at_rest(sso):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM identity_identityprovider WHERE id = %s", [sso.pk]
        )
        stored = cursor.fetchone()[0]
    assert CLIENT_SECRET not in stored
    assert IdentityProvider.objects.get(pk=sso.pk).client_secret == CLIENT_SECRET


def test_another_organizations_provider_cannot_be_used_for_this_one(client, sso, idp):
    globex = OrganizationFactory(name="Globex", slug="globex")
    MembershipFactory(organization=globex, user__email="gina@globex.test")
    idp.add_user("gina@globex.test")
    # Acme's IdP vouches for a Globex address: not Acme's domain, refused.
    response = sso_sign_in(client, idp, "jane@acme.test", as_email="gina@globex.test")
    assert response.status_code == 403
    assert not Membership.objects.filter(
        organization=sso.organization, user__email="gina@globex.test"
    ).exists()
