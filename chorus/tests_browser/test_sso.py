"""Single sign-on in a real browser on a 390 px phone: a new employee types her work
email, signs in at the company's identity provider (a real OpenID Connect provider on
loopback), and lands in Chorus as a member who has not joined the program. The sign-in
page and the admin's Single sign-on page pass axe and fit the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.identity.models import SsoDomain
from chorus.identity.services.domains import domain_verify
from chorus.identity.services.providers import oidc_provider_save, provider_set_enabled
from chorus.identity.tests.oidc_provider import LoopbackOidcProvider, running_provider
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(settings: Any) -> Iterator[LoopbackOidcProvider]:
    settings.HTTP_ALLOW_LOOPBACK = True
    yield from running_provider()


def test_a_new_employee_signs_in_with_her_company_account(page: Any, idp: Any) -> None:
    acme: Organization = OrganizationFactory.create(name="Acme", slug="acme")
    admin: Membership = MembershipFactory.create(
        organization=acme, is_admin=True, user__email="ada@acme.test"
    )
    idp.add_client("chorus", "s3cret")
    provider = oidc_provider_save(
        organization=acme,
        actor=admin.user,
        name="Acme Okta",
        issuer=idp.issuer,
        client_id="chorus",
        client_secret="s3cret",
    )
    provider_set_enabled(provider=provider, actor=admin.user, enabled=True)
    domain_verify(claim=SsoDomain.objects.create(organization=acme, domain="acme.test"))
    idp.add_user("nina@acme.test", password="nina-at-the-idp", given_name="Nina")

    page.goto("/accounts/login/")
    assert _problems(page, "/accounts/login/", 390) == []
    page.get_by_label("Work email").fill("nina@acme.test")
    go = page.get_by_role("button", name="Continue with Acme Okta")
    go.wait_for()
    go.click()

    # At the identity provider: the email came along as the login hint.
    page.wait_for_url(re.compile(re.escape(idp.issuer) + r"/authorize\?.*"))
    assert page.get_by_label("Email").input_value() == "nina@acme.test"
    page.get_by_label("Password").fill("nina-at-the-idp")
    page.get_by_role("button", name="Sign in at the IdP").click()

    page.wait_for_url(re.compile(r"^http://(localhost|127\.0\.0\.1):\d+/$"))
    membership = Membership.objects.get(organization=acme, user__email="nina@acme.test")
    assert membership.is_active and membership.program_status == ProgramStatus.NOT_JOINED
    assert page.locator(".tabbar").is_visible()

    # The admin's page, on the phone and on a desktop.
    page.context.clear_cookies()
    sign_in(page, "ada@acme.test")
    page.goto("/manage/sso/")
    page.get_by_role("heading", name="Single sign-on", level=1).wait_for()
    assert _problems(page, "/manage/sso/", 390) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/manage/sso/")
    assert _problems(page, "/manage/sso/", 1280) == []
