"""The Teams page in a browser, on a phone and a desktop: an admin adds a channel, sends a
test that a webhook on loopback receives, and every page fits the screen and passes axe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.teams.models import TeamsWebhook
from chorus.notifications.teams.tests.receiver import Receiver, running_receiver, webhook_for
from chorus.tests_browser.test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280
ADDRESS = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f/triggers/manual/"
    "paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=S3cr3t"
)


# A form sent with mistakes is answered 400 (with the form and its errors), which the
# browser reports on the console; anything else there still fails the test.
FORM_REFUSED = "the server responded with a status of 400"


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    from django.core.cache import cache

    cache.clear()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    errors: list[str] = []
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and FORM_REFUSED not in message.text
            else None
        ),
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.HTTP_ALLOW_LOOPBACK = True
    with running_receiver() as found:
        yield found


@pytest.fixture
def acme() -> Any:
    organization = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(
        organization=organization,
        is_admin=True,
        user__email="ada@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    return organization


def test_an_admin_adds_a_channel_and_sends_a_test(page: Any, acme: Any, receiver: Receiver):
    sign_in(page, "ada@acme.test")
    page.goto("/manage/teams/new/")
    page.get_by_label("Channel").fill("Acme: Announcements")
    page.get_by_label("Webhook address").fill(ADDRESS.replace("https://", "http://"))
    page.get_by_role("button", name="Add channel").click()
    page.get_by_text("starts with https://").wait_for()

    page.get_by_label("Webhook address").fill(ADDRESS)
    page.get_by_role("button", name="Add channel").click()
    page.get_by_text("Added “Acme: Announcements”").wait_for()
    assert "S3cr3t" not in page.content()
    assert page.get_by_text("prod-12.westeurope.logic.azure.com").count() == 1

    # The stored address is the loopback receiver's, as if the workflow lived here.
    webhook = TeamsWebhook.objects.get(organization=acme)
    webhook.url = receiver.url
    webhook.save(update_fields=["url"])
    page.get_by_role("button", name="Send a test").click()
    page.get_by_text("The test card was posted in “Acme: Announcements”").wait_for()
    assert len(receiver.cards) == 1 and receiver.problems == []


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_teams_page_fits_and_passes_axe(page: Any, acme: Any, width: int) -> None:
    from chorus.tests_browser.test_phone_layouts import AXE, serious_axe_violations

    stopped = webhook_for(
        acme,
        ADDRESS,
        name="Communications team (private) for crisis alerts and everything urgent",
        categories=[],
        crisis_alerts=True,
        stopped_at=timezone.now(),
        stop_reason=(
            "Teams answered 404: the workflow was deleted or turned off, or its address "
            "changed. Create it again and give Chorus its new address."
        ),
    )
    webhook_for(acme, ADDRESS, name="General", last_success_at=timezone.now())
    pages = [
        "/manage/teams/",
        "/manage/teams/new/",
        f"/manage/teams/{stopped.pk}/",
    ]
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "ada@acme.test")
    problems = []
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        wide = int(page.evaluate("document.documentElement.scrollWidth"))
        if wide > width:
            problems.append(f"{path}: {wide} px wide")
        if AXE.exists():
            problems += [f"{path}: {finding}" for finding in serious_axe_violations(page)]
    # A form with its errors shown.
    page.goto("/manage/teams/new/")
    page.get_by_role("button", name="Add channel").click()
    page.get_by_text("This field is required.").first.wait_for()
    if AXE.exists():
        problems += [f"form errors: {finding}" for finding in serious_axe_violations(page)]
    assert problems == []
