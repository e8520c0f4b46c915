"""The Teams page of the administration: admins add, change, remove and test channels; the
webhook's address is checked, stored encrypted and never shown again; other roles and other
organizations get nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.models import Delivery, DeliveryStatus
from chorus.notifications.teams.models import TeamsWebhook
from chorus.notifications.teams.tests.receiver import Receiver, webhook_for

HOST = "prod-12.westeurope.logic.azure.com"
SIGNATURE = "S3cr3tSignatureXYZ"
URL = (
    f"https://{HOST}:443/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke"
    f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIGNATURE}"
)


def add(client: Any, **values: Any) -> Any:
    data = {"name": "Acme: General", "url": URL, "categories": ["announcement", "post_of_the_day"]}
    data.update(values)
    return client.post(reverse("teams_webhook_new"), data)


def test_admins_add_a_channel_and_the_action_is_audited(admin_client, organization):
    response = add(admin_client, categories=["post_of_the_day"], crisis_alerts="on")

    assert response.status_code == 302 and response["Location"] == reverse("teams_webhooks")
    webhook = TeamsWebhook.objects.get(organization=organization)
    assert webhook.name == "Acme: General"
    assert webhook.url == URL
    assert webhook.categories == ["post_of_the_day"]
    assert webhook.crisis_alerts is True
    event = AuditEvent.objects.get(action="teams.webhook_created")
    assert event.target_id == str(webhook.pk)
    assert event.data == {"host": HOST, "categories": ["post_of_the_day"], "crisis_alerts": True}


def test_the_address_is_stored_encrypted_and_never_shown_again(admin_client, organization):
    add(admin_client)
    webhook = TeamsWebhook.objects.get(organization=organization)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT url FROM {TeamsWebhook._meta.db_table} WHERE id = %s", [webhook.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and SIGNATURE not in stored
    for url in (reverse("teams_webhooks"), reverse("teams_webhook_edit", args=[webhook.pk])):
        page = admin_client.get(url).content.decode()
        assert HOST in page
        assert SIGNATURE not in page and "0a1b2c3d4e5f" not in page
    assert SIGNATURE not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_the_page_says_how_to_make_a_webhook_in_teams(admin_client):
    page = admin_client.get(reverse("teams_webhooks")).content.decode()

    assert "Post to a channel when a webhook request is received" in page
    assert "Workflows" in page
    assert "No channel yet" in page


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (URL.replace("https://", "http://"), "https://"),
        ("https://127.0.0.1/hook", "private or local network"),
        ("https://10.1.2.3/hook", "private or local network"),
        ("https://[::1]/hook", "private or local network"),
        ("https://localhost/hook", "private or local network"),
        ("https://teams.internal/hook", "private or local network"),
        ("https://intranet/hook", "not a valid web address"),
        ("javascript:alert(1)", "not accepted"),
        ("", "required"),
    ],
)
def test_addresses_chorus_must_not_post_to_are_refused(
    admin_client, organization, url: str, reason: str
):
    response = add(admin_client, url=url)

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not TeamsWebhook.objects.filter(organization=organization).exists()


def test_a_channel_must_receive_something(admin_client, organization):
    response = add(admin_client, categories=[])

    assert response.status_code == 400
    assert "Choose what this channel receives" in response.content.decode()
    assert add(admin_client, categories=[], crisis_alerts="on").status_code == 302


def test_unknown_categories_are_refused(admin_client, organization):
    response = add(admin_client, categories=["digest"])

    assert response.status_code == 400
    assert not TeamsWebhook.objects.filter(organization=organization).exists()


def test_editing_keeps_the_address_unless_a_new_one_is_given(admin_client, organization):
    webhook = webhook_for(
        organization,
        URL,
        stopped_at=timezone.now(),
        stop_reason="Teams answered 410",
        last_error="Teams answered 410",
    )
    edit = reverse("teams_webhook_edit", args=[webhook.pk])

    response = admin_client.post(
        edit, {"name": "Renamed", "url": "", "categories": ["announcement"]}
    )

    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.name, webhook.url, webhook.categories) == ("Renamed", URL, ["announcement"])
    assert webhook.is_stopped
    new = URL.replace(SIGNATURE, "NewSignature")
    admin_client.post(edit, {"name": "Renamed", "url": new, "categories": ["announcement"]})
    webhook.refresh_from_db()
    assert webhook.url == new
    assert not webhook.is_stopped and webhook.stop_reason == "" and webhook.last_error == ""
    changes = AuditEvent.objects.filter(action="teams.webhook_changed").order_by("id")
    assert [event.data["address_changed"] for event in changes] == [False, True]


def test_a_new_address_is_checked_too(admin_client, organization):
    webhook = webhook_for(organization, URL)

    response = admin_client.post(
        reverse("teams_webhook_edit", args=[webhook.pk]),
        {"name": "Acme", "url": "https://192.168.0.10/hook", "categories": ["announcement"]},
    )

    assert response.status_code == 400
    webhook.refresh_from_db()
    assert webhook.url == URL


def test_removing_a_channel(admin_client, organization):
    webhook = webhook_for(organization, URL)

    response = admin_client.post(reverse("teams_webhook_delete", args=[webhook.pk]), follow=True)

    assert "Removed “Acme: General”" in response.content.decode()
    assert not TeamsWebhook.objects.filter(pk=webhook.pk).exists()
    assert AuditEvent.objects.get(action="teams.webhook_removed").data["host"] == HOST


def test_send_a_test_posts_a_card_now_and_says_so(admin_client, organization, receiver: Receiver):
    webhook = webhook_for(organization, receiver.url)

    response = admin_client.post(reverse("teams_webhook_test", args=[webhook.pk]), follow=True)

    page = response.content.decode()
    assert "The test card was posted in “Acme: General”" in page
    assert len(receiver.cards) == 1 and receiver.problems == []
    delivery = Delivery.objects.get(destination=str(webhook.pk))
    assert delivery.status == DeliveryStatus.SENT and delivery.category == "test"
    event = AuditEvent.objects.get(action="teams.webhook_tested")
    assert event.data["status"] == "sent"
    webhook.refresh_from_db()
    assert webhook.last_success_at is not None


def test_a_test_to_a_deleted_workflow_stops_the_channel_and_says_why(
    admin_client, organization, receiver: Receiver
):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(404)

    response = admin_client.post(reverse("teams_webhook_test", args=[webhook.pk]), follow=True)

    page = response.content.decode()
    assert "The test card was not posted in “Acme: General”" in page
    assert "the workflow was deleted or turned off" in page
    assert "Chorus stopped posting there" in page
    webhook.refresh_from_db()
    assert webhook.is_stopped
    assert "Stopped" in admin_client.get(reverse("teams_webhooks")).content.decode()


def test_a_test_while_teams_is_busy_says_chorus_tries_again(
    admin_client, organization, receiver: Receiver
):
    webhook = webhook_for(organization, receiver.url)
    receiver.answer(503)

    response = admin_client.post(reverse("teams_webhook_test", args=[webhook.pk]), follow=True)

    page = response.content.decode()
    assert "could not be posted in “Acme: General” for now" in page
    assert "tries again in a few minutes" in page
    assert Delivery.objects.get(destination=str(webhook.pk)).status == DeliveryStatus.QUEUED


def test_a_test_to_a_stopped_channel_that_works_again_restarts_it(
    admin_client, organization, receiver: Receiver
):
    webhook = webhook_for(organization, receiver.url, stopped_at=timezone.now(), stop_reason="404")

    response = admin_client.post(reverse("teams_webhook_test", args=[webhook.pk]), follow=True)

    assert "Chorus posts there again" in response.content.decode()
    webhook.refresh_from_db()
    assert not webhook.is_stopped


def routes(webhook: TeamsWebhook) -> list[str]:
    return [
        reverse("teams_webhooks"),
        reverse("teams_webhook_new"),
        reverse("teams_webhook_edit", args=[webhook.pk]),
        reverse("teams_webhook_delete", args=[webhook.pk]),
        reverse("teams_webhook_test", args=[webhook.pk]),
    ]


@pytest.mark.parametrize("role", ["is_curator", "is_approver", "is_trainer", "is_employee"])
def test_only_admins_may_use_the_teams_page(client, organization, receiver: Receiver, role: str):
    member = MembershipFactory(organization=organization, **{role: True})
    webhook = webhook_for(organization, receiver.url)
    client.force_login(member.user)

    for url in routes(webhook):
        assert client.post(url).status_code in (403, 405), url
        assert client.get(url).status_code in (403, 405), url
    assert receiver.cards == []
    assert TeamsWebhook.objects.filter(pk=webhook.pk).exists()


def test_another_organizations_channels_are_404(admin_client, receiver: Receiver):
    foreign = webhook_for(OrganizationFactory(name="Globex", slug="globex"), receiver.url)

    for url in routes(foreign)[2:]:
        assert (
            admin_client.post(url, {"name": "Mine", "categories": ["announcement"]}).status_code
            == 404
        )
    assert admin_client.get(routes(foreign)[2]).status_code == 404
    assert "Acme: General" not in admin_client.get(reverse("teams_webhooks")).content.decode()
    foreign.refresh_from_db()
    assert foreign.name == "Acme: General"
    assert receiver.cards == []


def test_signed_out_visitors_are_sent_to_sign_in(client, organization):
    webhook = webhook_for(organization, URL)

    for url in routes(webhook):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
