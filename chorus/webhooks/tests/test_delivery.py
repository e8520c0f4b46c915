"""Delivery: retried on Standard Webhooks' schedule with the same webhook-id, timeouts
too; an endpoint failing for a day is switched off and the admins told; redelivery,
the test event, secret rotation, private addresses, and the cost of no subscription."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from chorus.core.models import AuditEvent
from chorus.notifications.models import Notification
from chorus.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from chorus.webhooks.services import delivery as sending
from chorus.webhooks.services.endpoints import (
    EndpointFields,
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_send_test,
)
from chorus.webhooks.services.events import subscribed_types, webhook_emit
from chorus.webhooks.tasks import webhooks_deliver_due

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


def emit(organization: Any, capture: Any) -> WebhookDelivery:
    with capture(execute=True):
        webhook_emit(
            organization=organization, event_type="post.published", data={"post": {"id": 1}}
        )
    return WebhookDelivery.objects.get()


def test_a_failing_endpoint_is_retried_on_the_schedule_with_the_same_webhook_id(
    organization, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 503, 500]
    with time_machine.travel(NOW, tick=False) as traveller:
        delivery = emit(organization, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
        assert delivery.next_attempt_at == NOW + timedelta(seconds=5)
        # The answer is kept shortened, as text (the page escapes it).
        assert delivery.response_excerpt.startswith("<b>broken</b>")
        assert len(delivery.response_excerpt) == 500

        traveller.shift(timedelta(seconds=4))
        webhooks_deliver_due.call()
        assert len(receiver.received) == 1, "not due yet"
        traveller.shift(timedelta(seconds=1))
        webhooks_deliver_due.call()
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == NOW + timedelta(seconds=5, minutes=5)

        traveller.shift(timedelta(minutes=5))
        webhooks_deliver_due.call()
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == NOW + timedelta(seconds=5, minutes=35)
        traveller.shift(timedelta(minutes=30))
        webhooks_deliver_due.call()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 4, 200)
    ids = {message.headers["webhook-id"] for message in receiver.received}
    assert ids == {delivery.message_id}
    assert all(message.verified for message in receiver.received)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_a_slow_endpoint_times_out_and_is_tried_again(
    organization, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.delay = 1.0  # WEBHOOK_TIMEOUT is 0.5 s in the tests
    with time_machine.travel(NOW, tick=False) as traveller:
        delivery = emit(organization, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == "pending" and delivery.response_status is None
        assert delivery.error == "The endpoint did not answer in time."
        receiver.delay = 0
        traveller.shift(timedelta(seconds=5))
        webhooks_deliver_due.call()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2


def test_an_endpoint_failing_for_a_day_is_switched_off_and_the_admins_told(
    organization, endpoint, receiver, admin_member, employee, django_capture_on_commit_callbacks
):
    receiver.statuses = [500] * 50
    with time_machine.travel(NOW, tick=False) as traveller:
        delivery = emit(organization, django_capture_on_commit_callbacks)
        for delay in sending.RETRY_DELAYS[:6]:  # 5 s ... 10 h: 17.5 hours of failures
            traveller.shift(delay)
            webhooks_deliver_due.call()
        endpoint.refresh_from_db()
        assert endpoint.enabled and endpoint.consecutive_failures == 7
        traveller.shift(sending.RETRY_DELAYS[6])  # 10 h more: past 24 hours
        webhooks_deliver_due.call()
    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "failures"
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    [told] = Notification.objects.filter(kind="webhook_disabled")
    assert told.membership == admin_member and endpoint.url[:30] in told.message
    assert told.url == f"/manage/webhooks/{endpoint.pk}/"
    assert AuditEvent.objects.filter(action="webhook.endpoint_auto_disabled").count() == 1
    # Nothing more is queued for it.
    assert "post.published" not in subscribed_types(organization.pk)


def test_the_last_attempt_fails_the_delivery(
    organization, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [410] * 20
    with time_machine.travel(NOW, tick=False) as traveller:
        delivery = emit(organization, django_capture_on_commit_callbacks)
        # Another message delivered meanwhile keeps the endpoint on.
        for delay in sending.RETRY_DELAYS:
            traveller.shift(delay)
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            webhooks_deliver_due.call()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == sending.MAX_ATTEMPTS == 8


def test_two_workers_never_send_the_same_attempt(
    organization, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    delivery = emit(organization, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    first = sending.delivery_claim(delivery_id=delivery.pk)
    second = sending.delivery_claim(delivery_id=delivery.pk)
    assert first is not None and second is None


def test_redelivery_sends_the_same_message_again(
    organization, endpoint, receiver, admin_member, django_capture_on_commit_callbacks
):
    delivery = emit(organization, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        sending.delivery_redeliver(delivery=delivery, actor=admin_member.user)
    assert [m.headers["webhook-id"] for m in receiver.received] == [delivery.message_id] * 2
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1


def test_a_test_event_goes_to_that_endpoint_only(
    organization, endpoint, receiver, admin_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = endpoint_send_test(endpoint=endpoint, actor=admin_member.user)
    [message] = receiver.received
    assert message.verified["type"] == "webhook.test"
    assert message.verified["data"]["endpoint_id"] == endpoint.pk
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_after_a_rotation_both_secrets_verify_for_a_day(
    organization, endpoint, receiver, admin_member, django_capture_on_commit_callbacks
):
    old = endpoint.secret
    with time_machine.travel(NOW, tick=False) as traveller:
        rotated = endpoint_rotate_secret(endpoint=endpoint, actor=admin_member.user)
        receiver.secrets = [old, rotated.secret]
        assert rotated.secret != old and rotated.secret.startswith("whsec_")
        emit(organization, django_capture_on_commit_callbacks)
        assert receiver.received[-1].verified_with == [old, rotated.secret]
        WebhookDelivery.objects.all().delete()
        traveller.shift(timedelta(hours=24, seconds=1))
        emit(organization, django_capture_on_commit_callbacks)
        assert receiver.received[-1].verified_with == [rotated.secret]
    stored = WebhookEndpoint.objects.values_list("secret", flat=True).get(pk=endpoint.pk)
    assert stored == rotated.secret  # read through the field: the column holds ciphertext
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        assert "whsec_" not in cursor.fetchone()[0]


def test_private_addresses_are_refused_when_subscribing_and_when_sending(
    organization, admin_member, settings, django_capture_on_commit_callbacks
):
    for url in ("https://10.0.0.8/hook", "https://169.254.169.254/latest", "https://[::1]/x"):
        settings.HTTP_ALLOW_LOOPBACK = False
        with pytest.raises(ValidationError) as refused:
            endpoint_create(
                organization=organization,
                actor=admin_member.user,
                fields=EndpointFields(url=url, description="", event_types=["post.published"]),
            )
        assert "private or local network" in str(refused.value)
    with pytest.raises(ValidationError, match="https://"):
        endpoint_create(
            organization=organization,
            actor=admin_member.user,
            fields=EndpointFields(
                url="http://192.0.2.1/", description="", event_types=["post.published"]
            ),
        )
    assert not WebhookEndpoint.objects.exists()
    # An address that became private after it was saved (a DNS change) is never connected to.
    WebhookEndpoint.objects.create(
        organization=organization,
        url="https://10.0.0.8/hook",
        event_types=["post.published"],
        secret="whsec_" + "A" * 44,
    )
    delivery = emit(organization, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.error == "The address points to a private or local network."
    assert delivery.status == "pending" and delivery.attempts == 1


def test_an_organization_without_endpoints_costs_no_query(
    organization, django_assert_num_queries, django_capture_on_commit_callbacks
):
    subscribed_types(organization.pk)  # the first look is one query, then cached
    with django_assert_num_queries(0), django_capture_on_commit_callbacks(execute=True) as queued:
        webhook_emit(organization=organization, event_type="post.published", data={})
    assert queued == [] and not WebhookDelivery.objects.exists()
