"""The admin's webhook pages and API: subscribe (the secret shown once), refusals in
words, the log with redelivery, the test button; other organizations' ids are 404 and
other roles are refused."""

from __future__ import annotations

from typing import Any

import pytest

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.webhooks.models import WebhookDelivery, WebhookEndpoint
from chorus.webhooks.services.endpoints import EndpointFields, endpoint_create

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_an_admin_subscribes_an_endpoint_and_sees_the_secret_once(
    admin_client: Any, receiver: Any
) -> None:
    response = admin_client.post(
        "/manage/webhooks/new/",
        {
            "url": receiver.url,
            "description": "CRM",
            "event_types": ["post.published", "reward.requested"],
        },
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["post.published", "reward.requested"]
    assert endpoint.secret in response.content.decode()
    page = admin_client.get(f"/manage/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in page
    assert "CRM" in admin_client.get("/manage/webhooks/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "https://10.1.2.3/x", "event_types": ["post.published"]}, "private or local"),
        ({"url": "javascript:alert(1)", "event_types": ["post.published"]}, "are not accepted"),
        ({"url": "https://127.0.0.1/x", "event_types": []}, "Choose at least one event"),
        ({"url": "https://127.0.0.1/x", "event_types": ["nope"]}, "Unknown event type"),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(
    admin_client: Any, settings: Any, fields: dict[str, Any], message: str
) -> None:
    if "10.1.2.3" in fields["url"]:
        settings.HTTP_ALLOW_LOOPBACK = False
    response = admin_client.post("/manage/webhooks/new/", fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_test_button_and_the_log_with_redelivery(
    admin_client: Any, endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/manage/webhooks/{endpoint.pk}/test/")
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "webhook.test" and delivery.response_status == 500
    page = admin_client.get(f"/manage/webhooks/{endpoint.pk}/").content.decode()
    assert "&lt;b&gt;broken&lt;/b&gt;" in page and "<b>broken</b>" not in page
    assert "The endpoint answered 500." in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/manage/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.response_status == 200
    assert {m.headers["webhook-id"] for m in receiver.received} == {delivery.message_id}
    assert "Delivered" in admin_client.get(f"/manage/webhooks/{endpoint.pk}/").content.decode()


def test_switch_off_rotate_edit_and_delete(admin_client: Any, endpoint: Any, receiver: Any) -> None:
    admin_client.post(f"/manage/webhooks/{endpoint.pk}/enabled/", {"enabled": "off"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "admin"
    old = endpoint.secret
    response = admin_client.post(f"/manage/webhooks/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    admin_client.post(
        f"/manage/webhooks/{endpoint.pk}/edit/",
        {"url": receiver.url, "description": "ERP", "event_types": ["share.created"]},
    )
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.event_types) == ("ERP", ["share.created"])
    admin_client.post(f"/manage/webhooks/{endpoint.pk}/delete/")
    assert not WebhookEndpoint.objects.exists()


def test_another_organizations_endpoint_is_404_and_members_are_refused(
    client: Any, admin_client: Any, organization: Any, admin_member: Any, receiver: Any
) -> None:
    other: Any = OrganizationFactory(name="Globex", slug="globex")
    theirs = endpoint_create(
        organization=other,
        actor=admin_member.user,
        fields=EndpointFields(url=receiver.url, description="", event_types=["post.published"]),
    )
    assert admin_client.get(f"/manage/webhooks/{theirs.pk}/").status_code == 404
    assert admin_client.post(f"/manage/webhooks/{theirs.pk}/test/").status_code == 404
    assert admin_client.get(f"/api/v1/webhooks/{theirs.pk}").status_code == 404
    assert admin_client.delete(f"/api/v1/webhooks/{theirs.pk}").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    employee = MembershipFactory(organization=organization)
    client.force_login(employee.user)
    assert client.get("/manage/webhooks/").status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 403


def test_the_api_subscribes_lists_tests_and_redelivers(
    admin_client: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = admin_client.post(
        "/api/v1/webhooks",
        {"url": receiver.url, "description": "CRM", "event_types": ["share.created"]},
        content_type=JSON,
    )
    assert response.status_code == 201
    made = response.json()
    assert made["secret"].startswith("whsec_") and made["enabled"] is True
    receiver.secrets.append(made["secret"])
    listed = admin_client.get("/api/v1/webhooks").json()
    assert [e["id"] for e in listed] == [made["id"]] and "secret" not in listed[0]
    refused = admin_client.post(
        "/api/v1/webhooks",
        {"url": "https://192.168.1.1/", "event_types": ["share.created"]},
        content_type=JSON,
    )
    assert refused.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        tested = admin_client.post(f"/api/v1/webhooks/{made['id']}/test")
    assert tested.status_code == 202
    log = admin_client.get(f"/api/v1/webhooks/{made['id']}/deliveries").json()
    assert log[0]["status"] == "delivered" and log[0]["event_type"] == "webhook.test"
    assert receiver.received[0].verified["type"] == "webhook.test"
    with django_capture_on_commit_callbacks(execute=True):
        again = admin_client.post(
            f"/api/v1/webhooks/{made['id']}/deliveries/{log[0]['id']}/redeliver"
        )
    assert again.status_code == 202 and len(receiver.received) == 2
