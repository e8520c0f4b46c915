"""The SCIM page in a browser, at 390 and 1280 px: an admin creates a token (shown once), an
identity provider uses it over HTTP against the live server, the admin sees its requests.
Every state fits the screen and passes axe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import PHONE, _problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_connects_an_identity_provider_and_sees_its_requests(
    page: Any, live_server: Any
) -> None:
    acme: Any = OrganizationFactory.create(name="Acme", slug="acme")
    MembershipFactory.create(organization=acme, is_admin=True, user__email="ada@acme.test")
    problems: list[str] = []
    page.set_viewport_size({"width": PHONE, "height": 844})
    sign_in(page, "ada@acme.test")
    page.goto("/manage/provisioning/")
    assert page.get_by_text("No SCIM token yet.").is_visible()
    problems += _problems(page, "provisioning (no token)", PHONE)
    page.get_by_label("Token name").fill("Okta")
    page.get_by_role("button", name="Create token").click()
    page.get_by_text("Copy your new token").wait_for()
    secret = page.locator("#new-scim-secret").inner_text().strip()
    base_url = page.locator("#scim-base-url").inner_text().strip()
    assert base_url == f"{live_server.url}/scim/v2/"
    problems += _problems(page, "provisioning (new token)", PHONE)

    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "isaac.brock@acme.com",
        "emails": [{"primary": True, "value": "isaac.brock@acme.com", "type": "work"}],
        "active": True,
    }
    response = httpx.post(
        base_url + "Users",
        json=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"},
        timeout=10,
    )
    assert response.status_code == 201

    page.goto("/manage/provisioning/")
    assert page.get_by_text("POST /scim/v2/Users").is_visible()
    assert page.locator("#new-scim-secret").count() == 0
    problems += _problems(page, "provisioning (a request)", PHONE)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/manage/provisioning/")
    problems += _problems(page, "provisioning (desktop)", 1280)
    assert problems == []
