"""The admin's network settings page and service."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from chorus.core.models import AuditEvent
from chorus.sharing.models import NetworkSettings
from chorus.sharing.services.settings import network_settings_update


def save(client: Any, **values: Any) -> Any:
    data = {"network": "linkedin", "sharing_enabled": "on", **values}
    return client.post("/manage/networks/", data)


def test_admins_turn_publishing_on_with_app_credentials(admin_client: Any) -> None:
    response = save(
        admin_client,
        publishing_enabled="on",
        client_id="78abc",
        client_secret="s3cret-value",
        daily_cap="3",
    )
    assert response.status_code == 302
    row = NetworkSettings.objects.get(network="linkedin")
    assert (row.publishing_enabled, row.client_id, row.client_secret, row.daily_cap) == (
        True,
        "78abc",
        "s3cret-value",
        3,
    )
    event = AuditEvent.objects.get(action="network_settings.updated")
    assert event.data["secret_changed"] is True
    assert "s3cret-value" not in str(event.data)


def test_the_client_secret_is_never_shown_and_kept_when_left_empty(admin_client: Any) -> None:
    save(admin_client, publishing_enabled="on", client_id="78abc", client_secret="s3cret-value")
    page = admin_client.get("/manage/networks/").content.decode()
    assert "s3cret-value" not in page
    assert "A client secret is saved" in page
    save(admin_client, publishing_enabled="on", client_id="78abc", daily_cap="5")
    row = NetworkSettings.objects.get(network="linkedin")
    assert row.client_secret == "s3cret-value"
    assert row.daily_cap == 5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"publishing_enabled": "on"}, "needs the app&#x27;s client id and secret"),
        ({"daily_cap": "0"}, "greater than or equal to 1"),
        ({"daily_cap": "many"}, "Enter a whole number"),
        ({"network": "facebook", "publishing_enabled": "on"}, "cannot publish to Facebook"),
        ({"network": "myspace"}, "Choose one of the networks listed"),
    ],
)
def test_bad_input_saves_nothing_and_says_why(
    admin_client: Any, values: dict[str, str], message: str
) -> None:
    response = save(admin_client, **values)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not NetworkSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="network_settings.updated").exists()


def test_mastodon_needs_no_app_credentials(organization: Any, admin_member: Any) -> None:
    row = network_settings_update(
        organization=organization,
        actor=admin_member.user,
        network="mastodon",
        sharing_enabled=True,
        publishing_enabled=True,
    )
    assert row.publishing_enabled


def test_publishing_needs_sharing(organization: Any, admin_member: Any) -> None:
    with pytest.raises(ValidationError, match="needs sharing"):
        network_settings_update(
            organization=organization,
            actor=admin_member.user,
            network="mastodon",
            sharing_enabled=False,
            publishing_enabled=True,
        )


def test_employees_cannot_see_or_change_network_settings(employee_client: Any) -> None:
    assert employee_client.get("/manage/networks/").status_code == 403
    assert save(employee_client).status_code == 403
    assert not NetworkSettings.objects.exists()


def test_the_page_gives_the_redirect_url_to_register_with_each_oauth_network(
    admin_client, settings
):
    settings.SITE_URL = "https://chorus.acme.example"
    page = admin_client.get("/manage/networks/").content.decode()
    assert (
        page.count("https://chorus.acme.example/connections/callback/") == 3
    )  # LinkedIn, X, Threads
