"""Single sign-on through a real SAML 2.0 identity provider on loopback (pysaml2's IdP):
discovery by email, an AuthnRequest by HTTP-Redirect, a signed answer posted back to the
assertion consumer service, just-in-time membership; and every forged, stale, replayed or
misdirected answer refused with a page in words."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import time_machine
from django.utils import timezone

from chorus.accounts.models import Membership, ProgramStatus, User
from chorus.identity.models import IdentityProvider, SsoDomain
from chorus.identity.saml import sp_entity_id, sp_metadata_xml
from chorus.identity.services.domains import domain_verify
from chorus.identity.services.providers import provider_set_enabled
from chorus.identity.services.saml import saml_provider_save
from chorus.identity.tests.saml_idp import LoopbackSamlIdp, running_idp


@pytest.fixture(autouse=True)
def loopback(settings: Any) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True
    # Chorus's SAML addresses are built on SITE_URL; the test client is "testserver".
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def client(client: Any) -> Any:
    # allauth's SAML views read the Host header, which browsers always send.
    client.defaults["HTTP_HOST"] = "testserver"
    return client


@pytest.fixture
def idp() -> Iterator[LoopbackSamlIdp]:
    yield from running_idp()


@pytest.fixture
def sso(organization: Any, admin_member: Any, idp: LoopbackSamlIdp) -> IdentityProvider:
    provider = saml_provider_save(
        organization=organization,
        actor=admin_member.user,
        name="Acme Entra",
        metadata_url=idp.metadata_url,
    )
    provider_set_enabled(provider=provider, actor=admin_member.user, enabled=True)
    claim = SsoDomain.objects.create(organization=organization, domain="acme.test")
    domain_verify(claim=claim, how="operator")
    # The IdP's admin pastes Chorus's SP metadata (entity id, ACS address).
    idp.trust_service_provider(sp_metadata_xml(provider.provider_id))
    return provider


def idp_answer(
    client: Any, idp: LoopbackSamlIdp, email: str, password: str = "idp-secret"
) -> dict[str, str]:
    """Type the work email at Chorus, follow to the IdP, sign in there: the form the IdP
    sends the browser back with (SAMLResponse, RelayState, and where it posts)."""
    response = client.post("/accounts/login/", {"login": email})
    if response.status_code == 200:
        # A page that moves on to the IdP by itself (the CSP's form-action forbids a
        # redirect off-site after a form).
        found = re.search(
            r'http-equiv="refresh" content="0;\s*url=([^"]+)"', response.content.decode()
        )
        assert found is not None, response.content.decode()[:500]
        location = html.unescape(found.group(1))
    else:
        assert response.status_code == 302, response.content.decode()[:500]
        location = str(response["Location"])
    assert location.startswith(idp.sso_url + "?SAMLRequest="), location
    login_form = httpx.get(location)
    assert login_form.status_code == 200, login_form.text
    key = re.search(r"name='key' value='([^']+)'", login_form.text)
    assert key is not None
    answer = httpx.post(
        idp.base_url + "/login", data={"key": key.group(1), "username": email, "password": password}
    )
    assert answer.status_code == 200, answer.text
    fields = dict(re.findall(r"name='(\w+)' value='([^']*)'", answer.text))
    action = re.search(r"action='([^']+)'", answer.text)
    assert action is not None
    fields["action"] = action.group(1)
    return fields


def post_back(client: Any, answer: dict[str, str]) -> Any:
    """The browser posts the IdP's form to Chorus's ACS and follows to the finish."""
    url = httpx.URL(answer["action"])
    assert url.host == "testserver", answer["action"]
    response = client.post(
        url.raw_path.decode(),
        {"SAMLResponse": answer["SAMLResponse"], "RelayState": answer.get("RelayState", "")},
    )
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])


def signed_in(client: Any) -> bool:
    return bool(client.get("/").status_code == 200)


def refused(client: Any, response: Any) -> str:
    assert response.status_code in (400, 401, 403), response.status_code
    assert not signed_in(client)
    body = str(response.content.decode())
    assert "You could not be signed in" in body
    return body


def test_metadata_from_the_idp_address_configures_the_provider(sso, idp):
    assert sso.idp_entity_id == idp.entity_id
    assert idp.certificate_base64 in sso.metadata_xml


def test_first_saml_sign_in_makes_a_member_who_has_not_joined_the_program(client, sso, idp):
    idp.add_user("jane@acme.test", first_name="Jane", last_name="Doe")
    response = post_back(client, idp_answer(client, idp, "jane@acme.test"))
    assert response.status_code == 302, response.content.decode()[:800]
    assert signed_in(client)
    user = User.objects.get(email="jane@acme.test")
    assert not user.has_usable_password()
    assert user.name == "Jane Doe"
    membership = Membership.objects.get(user=user, organization=sso.organization)
    assert membership.is_active and not membership.is_admin
    assert membership.program_status == ProgramStatus.NOT_JOINED
    # The second time signs the same person in, without a second membership.
    client.post("/accounts/logout/")
    assert not signed_in(client)
    post_back(client, idp_answer(client, idp, "jane@acme.test"))
    assert signed_in(client)
    assert Membership.objects.filter(user=user).count() == 1


def _tamper(answer: dict[str, str], old: str, new: str) -> dict[str, str]:
    document = base64.b64decode(answer["SAMLResponse"]).decode()
    assert old in document
    changed = document.replace(old, new)
    return {**answer, "SAMLResponse": base64.b64encode(changed.encode()).decode()}


def test_a_tampered_assertion_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    answer = idp_answer(client, idp, "jane@acme.test")
    # Jane edits the signed answer to become the admin: the signatures no longer match.
    forged = _tamper(answer, ">jane@acme.test<", ">boss@acme.test<")
    refused(client, post_back(client, forged))
    assert not User.objects.filter(email__in=["jane@acme.test", "boss@acme.test"]).exists()


def test_an_answer_for_another_service_provider_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    other = "https://other-app.example/saml"
    # The IdP also serves another application, whose answer is posted to Chorus.
    idp.trust_service_provider(
        sp_metadata_xml(sso.provider_id).replace(
            f'entityID="{sp_entity_id(sso.provider_id)}"', f'entityID="{other}"'
        )
    )
    idp.next_response.audience = other
    refused(client, post_back(client, idp_answer(client, idp, "jane@acme.test")))
    assert not User.objects.filter(email="jane@acme.test").exists()


def test_an_answer_from_another_issuer_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    idp.next_response.issuer = "https://impostor.example/idp"
    refused(client, post_back(client, idp_answer(client, idp, "jane@acme.test")))
    assert not User.objects.filter(email="jane@acme.test").exists()


def test_an_expired_assertion_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    answer = idp_answer(client, idp, "jane@acme.test")
    # The browser posts the answer an hour later (the IdP gave it five minutes).
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=1), tick=False):
        refused(client, post_back(client, answer))
    assert not User.objects.filter(email="jane@acme.test").exists()


def test_a_replayed_assertion_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    answer = idp_answer(client, idp, "jane@acme.test")
    post_back(client, answer)
    assert signed_in(client)
    client.post("/accounts/logout/")
    # The same answer posted again, by this browser or one that captured it.
    body = refused(client, post_back(client, answer))
    assert "already used" in body


def test_a_replayed_assertion_is_refused_in_another_browser(client, sso, idp, django_user_model):
    from django.test import Client

    idp.add_user("jane@acme.test")
    answer = idp_answer(client, idp, "jane@acme.test")
    post_back(client, answer)
    thief = Client(HTTP_HOST="testserver")
    body = refused(thief, post_back(thief, answer))
    assert "already used" in body


def test_a_replay_is_refused_by_every_process_until_the_assertion_expires(client, sso, idp):
    from django.core.cache import cache

    from chorus.identity.models import SamlAssertionSeen
    from chorus.identity.tasks import saml_assertions_prune

    idp.add_user("jane@acme.test")
    answer = idp_answer(client, idp, "jane@acme.test")
    post_back(client, answer)
    client.post("/accounts/logout/")
    # What was used is in the database every web process shares, not in one's memory.
    cache.clear()
    assert "already used" in refused(client, post_back(client, answer))
    seen = SamlAssertionSeen.objects.get()
    saml_assertions_prune.call()
    assert SamlAssertionSeen.objects.filter(pk=seen.pk).exists()  # not expired yet
    with time_machine.travel(seen.expires_at + timezone.timedelta(seconds=1), tick=False):
        saml_assertions_prune.call()
    assert not SamlAssertionSeen.objects.exists()


def test_an_answer_nobody_asked_for_is_refused(client, sso, idp):
    idp.add_user("jane@acme.test")
    answer = idp_answer(client, idp, "jane@acme.test")
    # Posted in a browser that never started this sign-in (no AuthnRequest stashed).
    from django.test import Client

    stranger = Client(HTTP_HOST="testserver")
    response = post_back(stranger, answer)
    assert response.status_code in (400, 403)
    assert not signed_in(stranger)


def test_an_email_outside_the_verified_domains_is_refused(client, sso, idp):
    # The IdP signs an answer for an address at a domain the organization never verified.
    idp.add_user("jane@acme.test").email = "eve@elsewhere.test"
    body = refused(client, post_back(client, idp_answer(client, idp, "jane@acme.test")))
    assert "elsewhere.test" in body or "domain" in body
    assert not User.objects.filter(email="eve@elsewhere.test").exists()
