"""Webhooks on a phone (390 px): the admin adds an endpoint (a real receiver on loopback),
copies the secret shown once, sends a test event and sees it delivered in the log. Every
page fits the screen and passes axe."""

from __future__ import annotations

from typing import Any

import pytest

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.tests_browser.test_journeys import sign_in
from chorus.tests_browser.test_reach_pages import PHONE, _problems
from chorus.webhooks.models import WebhookEndpoint
from chorus.webhooks.tests.conftest import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_an_endpoint_and_sees_a_test_event_delivered(
    page: Any, settings: Any
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True
    acme: Any = OrganizationFactory.create(name="Acme", slug="acme")
    MembershipFactory.create(organization=acme, is_admin=True, user__email="ada@acme.test")
    problems: list[str] = []
    page.set_viewport_size({"width": PHONE, "height": 844})
    with Receiver() as receiver:
        sign_in(page, "ada@acme.test")
        page.goto("/manage/webhooks/")
        problems += _problems(page, "webhooks (none)", PHONE)
        page.get_by_role("link", name="Add an endpoint").click()
        problems += _problems(page, "add an endpoint", PHONE)
        page.get_by_label("Address").fill(receiver.url)
        page.get_by_label("Description (optional)").fill("Our CRM")
        page.get_by_label("A post was published to the feed").check()
        page.get_by_label("A member asked for a reward").check()
        page.get_by_role("button", name="Subscribe").click()
        page.get_by_text("Copy the signing secret now.").wait_for()
        secret = page.locator("#webhook-secret").inner_text().strip()
        assert secret.startswith("whsec_")
        assert WebhookEndpoint.objects.get().secret == secret
        receiver.secrets.append(secret)
        problems += _problems(page, "endpoint with its secret", PHONE)

        page.get_by_role("button", name="Send a test event").click()
        page.get_by_text("A test event is on its way").wait_for()
        log = page.locator("#webhook-log")
        log.get_by_text("Delivered").wait_for()
        assert log.get_by_text("A test event").is_visible()
        assert page.get_by_text("Copy the signing secret now.").count() == 0
        problems += _problems(page, "endpoint with its log", PHONE)
        [message] = receiver.received
        assert message.verified is not None and message.verified["type"] == "webhook.test"

        page.goto("/manage/webhooks/")
        assert page.get_by_text("Our CRM").is_visible()
        problems += _problems(page, "webhooks (one)", PHONE)
    assert problems == []
