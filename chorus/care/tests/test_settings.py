"""Care settings: admins set targets per priority (open conversations move with them),
warnings, claims, escalation (email, a webhook checked by the one URL validator, its
Standard Webhooks secret shown once) and the trusted certification; bad input is refused
with messages and nothing is saved."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from chorus.care.models import CareSettings, ConversationStatus
from chorus.care.services.settings import care_settings_update, care_webhook_secret_rotate
from chorus.care.services.targets import care_settings_for
from chorus.core.models import AuditEvent
from chorus.factories import ConversationFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import Certification

NOW = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)
URL = "/care/settings/"


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "warn_minutes": "15",
        "claim_minutes": "30",
        "escalation_email": "",
        "escalation_webhook_url": "",
        "trusted_certification": "",
        "first_response_minutes_urgent": "30",
        "first_response_minutes_high": "60",
        "first_response_minutes_normal": "240",
        "first_response_minutes_low": "1440",
        "resolution_minutes_urgent": "240",
        "resolution_minutes_high": "480",
        "resolution_minutes_normal": "1440",
        "resolution_minutes_low": "4320",
    }
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_page_shows_the_default_targets(admin_client: Any) -> None:
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert 'name="first_response_minutes_urgent"' in response.content.decode()
    assert 'value="1440"' in response.content.decode()


def test_only_admins_open_the_settings(client: Any, organization: Any) -> None:
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    assert client.get(URL).status_code == 403


def test_changing_a_target_moves_the_open_conversations_in_bulk(
    admin_client: Any, organization: Any, django_assert_max_num_queries: Any
) -> None:
    opened = NOW - timedelta(minutes=10)
    running: Any = ConversationFactory(
        organization=organization, priority="urgent", opened_at=opened
    )
    high: Any = ConversationFactory(organization=organization, priority="high", opened_at=opened)
    closed: Any = ConversationFactory(
        organization=organization,
        priority="urgent",
        opened_at=opened,
        status=ConversationStatus.CLOSED,
        resolved_at=NOW,
    )
    foreign: Any = ConversationFactory(priority="urgent", opened_at=opened)
    response = admin_client.post(
        URL, form_data(first_response_minutes_urgent="45", resolution_minutes_urgent="300")
    )
    assert response.status_code == 302
    running.refresh_from_db()
    high.refresh_from_db()
    closed.refresh_from_db()
    foreign.refresh_from_db()
    assert running.first_response_due == opened + timedelta(minutes=45)
    assert running.resolution_due == opened + timedelta(minutes=300)
    assert high.first_response_due == opened + timedelta(minutes=60)
    assert closed.first_response_due is None
    assert foreign.first_response_due is None
    found = CareSettings.objects.get(organization=organization)
    assert found.first_response_minutes["urgent"] == 45
    event = AuditEvent.objects.get(organization=organization, action="care.settings_updated")
    assert event.data["conversations_moved"] == 2


def test_bad_numbers_are_refused_with_messages_and_nothing_is_saved(
    admin_client: Any, organization: Any
) -> None:
    response = admin_client.post(
        URL,
        form_data(
            first_response_minutes_high="0",
            resolution_minutes_low="99999999",
            warn_minutes="-5",
            first_response_minutes_normal="500",
            resolution_minutes_normal="400",
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Enter a whole number of minutes from 1 to 525,600." in page
    assert "the resolution target cannot come before the first response target" in page
    # What the admin typed stays in the form.
    assert 'value="99999999"' in page
    found = care_settings_for(organization=organization)
    assert found.first_response_minutes["high"] == 60
    assert found.warn_minutes == 15
    assert not AuditEvent.objects.filter(action="care.settings_updated").exists()


def test_a_webhook_that_is_not_a_web_address_is_refused(
    admin_client: Any, organization: Any
) -> None:
    response = admin_client.post(
        URL,
        form_data(escalation_webhook_url="javascript:alert(1)", escalation_email="not an email"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "addresses are not accepted" in page
    assert "Enter an email address" in page
    found = care_settings_for(organization=organization)
    assert found.escalation_webhook_url == ""
    assert found.escalation_webhook_secret == ""


def test_a_new_webhook_gets_a_standard_webhooks_secret_shown_once(
    admin_client: Any, organization: Any
) -> None:
    response = admin_client.post(
        URL,
        form_data(
            escalation_webhook_url="https://support.example.com/hooks/chorus",
            escalation_email="support@example.com",
        ),
    )
    assert response.status_code == 200
    found = care_settings_for(organization=organization)
    secret = str(found.escalation_webhook_secret)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret in response.content.decode()
    # Shown once: the page read again does not show it.
    assert secret not in admin_client.get(URL).content.decode()
    # Saving again keeps the secret.
    admin_client.post(
        URL, form_data(escalation_webhook_url="https://support.example.com/hooks/chorus")
    )
    found.refresh_from_db()
    assert found.escalation_webhook_secret == secret


def test_rotating_the_secret_replaces_it_and_is_audited(
    admin_client: Any, organization: Any, admin_member: Any
) -> None:
    change = care_settings_update(
        organization=organization,
        actor=admin_member.user,
        escalation_webhook_url="https://support.example.com/hooks",
    )
    response = admin_client.post(reverse("care_settings_secret_rotate"))
    assert response.status_code == 200
    found = care_settings_for(organization=organization)
    assert found.escalation_webhook_secret != change.new_secret
    assert str(found.escalation_webhook_secret) in response.content.decode()
    assert AuditEvent.objects.filter(action="care.webhook_secret_rotated").count() == 1
    assert care_webhook_secret_rotate(organization=organization, actor=None).startswith("whsec_")


def test_the_trusted_certification_is_one_of_the_organization(
    admin_client: Any, organization: Any
) -> None:
    own = Certification.objects.create(organization=organization, name="Care certified")
    elsewhere: Any = OrganizationFactory()
    other = Certification.objects.create(organization=elsewhere, name="Theirs")
    response = admin_client.post(URL, form_data(trusted_certification=str(other.pk)))
    assert response.status_code == 400
    assert care_settings_for(organization=organization).trusted_certification is None
    response = admin_client.post(URL, form_data(trusted_certification=str(own.pk)))
    assert response.status_code == 302
    assert care_settings_for(organization=organization).trusted_certification == own


def test_the_api_reads_and_changes_the_settings(
    admin_client: Any, organization: Any, client: Any
) -> None:
    answer = admin_client.get("/api/v1/care/settings")
    assert answer.status_code == 200
    assert answer.json()["first_response_minutes"]["urgent"] == 30
    assert answer.json()["escalation_webhook_has_secret"] is False
    answer = admin_client.patch(
        "/api/v1/care/settings",
        {"first_response_minutes": {"urgent": 20}, "warn_minutes": 10},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["first_response_minutes"]["urgent"] == 20
    assert answer.json()["warn_minutes"] == 10
    refused = admin_client.patch(
        "/api/v1/care/settings",
        {"escalation_webhook_url": "ftp://example.com/x"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    refused = admin_client.patch(
        "/api/v1/care/settings",
        {"resolution_minutes": {"urgent": 0}},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "525,600" in refused.json()["detail"]
    assert care_settings_for(organization=organization).resolution_minutes["urgent"] == 240
    answer = admin_client.patch(
        "/api/v1/care/settings",
        {"escalation_webhook_url": "https://support.example.com/in"},
        content_type="application/json",
    )
    assert answer.json()["new_webhook_secret"].startswith("whsec_")
    answer = admin_client.post("/api/v1/care/settings/webhook-secret")
    assert answer.status_code == 200
    assert answer.json()["new_webhook_secret"].startswith("whsec_")


def test_the_api_settings_are_for_admins(client: Any, organization: Any) -> None:
    approver = MembershipFactory(organization=organization, is_approver=True)
    client.force_login(approver.user)
    assert client.get("/api/v1/care/settings").status_code == 403
