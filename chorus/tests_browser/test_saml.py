"""SAML single sign-on in a real browser on a desktop: an employee types her work email,
signs in at the company's SAML identity provider (pysaml2's IdP on loopback), the IdP's
signed answer is posted back, and she lands in Chorus as a member who has not joined the
program. The admin's SAML section passes axe and fits a phone and a desktop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from chorus.accounts.models import Membership, ProgramStatus
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.identity.models import SsoDomain
from chorus.identity.saml import sp_metadata_xml
from chorus.identity.services.domains import domain_verify
from chorus.identity.services.providers import provider_set_enabled
from chorus.identity.services.saml import saml_provider_save
from chorus.identity.tests.saml_idp import LoopbackSamlIdp, running_idp
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(settings: Any, live_server: Any) -> Iterator[LoopbackSamlIdp]:
    settings.HTTP_ALLOW_LOOPBACK = True
    # Chorus's entity id and reply address are built on SITE_URL.
    settings.SITE_URL = live_server.url
    yield from running_idp()


def test_an_employee_signs_in_through_the_saml_identity_provider(page: Any, idp: Any) -> None:
    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    admin: Any = MembershipFactory(organization=acme, is_admin=True, user__email="ada@acme.test")
    provider = saml_provider_save(
        organization=acme, actor=admin.user, name="Acme Entra", metadata_url=idp.metadata_url
    )
    provider_set_enabled(provider=provider, actor=admin.user, enabled=True)
    domain_verify(claim=SsoDomain.objects.create(organization=acme, domain="acme.test"))
    idp.trust_service_provider(sp_metadata_xml(provider.provider_id))
    idp.add_user("nina@acme.test", password="nina-at-the-idp", first_name="Nina", last_name="Berg")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Work email").fill("nina@acme.test")
    go = page.get_by_role("button", name="Continue with Acme Entra")
    go.wait_for()
    go.click()

    # At the identity provider, then its signed answer is posted back to Chorus.
    page.wait_for_url(re.compile(re.escape(idp.sso_url) + r"\?SAMLRequest=.*"))
    page.get_by_label("Username").fill("nina@acme.test")
    page.get_by_label("Password").fill("nina-at-the-idp")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"^http://(localhost|127\.0\.0\.1):\d+/$"))
    membership = Membership.objects.get(organization=acme, user__email="nina@acme.test")
    assert membership.is_active and membership.program_status == ProgramStatus.NOT_JOINED
    assert membership.user.name == "Nina Berg"

    # The admin's SAML section, on a desktop and on a phone.
    page.context.clear_cookies()
    sign_in(page, "ada@acme.test")
    page.goto("/manage/sso/")
    page.get_by_role("heading", name="SAML 2.0", level=2).wait_for()
    assert (
        page.get_by_label("Entity ID (audience)")
        .input_value()
        .endswith(f"/accounts/saml/{provider.provider_id}/metadata/")
    )
    assert _problems(page, "/manage/sso/", 1280) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/manage/sso/")
    assert _problems(page, "/manage/sso/", 390) == []
