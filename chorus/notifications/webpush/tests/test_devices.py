"""A member's devices page and the push API: subscribing with CSRF, the list, a test that a
real push service on loopback delivers, removing; nobody else's devices, ever."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.services.keys import vapid_public_key
from chorus.notifications.webpush.services.subscriptions import MAX_DEVICES, subscription_add
from chorus.notifications.webpush.tests.pushservice import Browser, PushService

pytestmark = pytest.mark.django_db

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _no_test_sent_a_moment_ago() -> None:
    cache.clear()


def post_subscription(client: Client, browser: Browser, **headers: str) -> Any:
    return client.post(
        "/me/devices/subscribe/",
        data=json.dumps(browser.subscription_json()),
        content_type="application/json",
        headers={"User-Agent": IPHONE_UA, **headers},
    )


def test_the_page_hands_the_script_the_key_and_the_addresses(employee_client):
    response = employee_client.get("/me/devices/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-vapid-key="{vapid_public_key()}"' in html
    assert 'data-subscribe-url="/me/devices/subscribe/"' in html
    assert 'data-service-worker="/sw.js"' in html
    assert "pwa/devices.js" in html
    assert "No device gets notifications from Chorus yet." in html


def test_a_browser_subscribes_with_the_csrf_token_and_is_listed(
    employee, push_service: PushService
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    page = client.get("/me/devices/").content.decode()
    token = re.search(r'data-csrf="([^"]+)"', page)
    assert token is not None
    browser = push_service.browser()

    response = post_subscription(client, browser, X_CSRFToken=token.group(1))

    assert response.status_code == 201
    subscription = PushSubscription.objects.get(membership=employee)
    assert response.json() == {"id": subscription.pk, "label": "Mobile Safari on iOS"}
    assert subscription.endpoint == browser.endpoint
    assert subscription.auth == browser.auth
    assert subscription.service == "127.0.0.1"
    listed = client.get("/me/devices/").content.decode()
    assert "Mobile Safari on iOS" in listed
    assert subscription.endpoint_digest in listed
    # The address itself, a capability, is not in the page.
    assert browser.endpoint not in listed
    assert AuditEvent.objects.filter(action="push.device_added", actor=employee.user).exists()
    # The same browser again refreshes the row instead of adding one.
    again = post_subscription(client, browser, X_CSRFToken=token.group(1))
    assert again.status_code == 200
    assert PushSubscription.objects.filter(membership=employee).count() == 1


def test_subscribing_without_the_csrf_token_is_refused(employee, push_service: PushService):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)

    response = post_subscription(client, push_service.browser())

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_the_api_refuses_a_session_without_the_csrf_token(employee, push_service: PushService):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)

    response = client.post(
        "/api/v1/push-subscriptions",
        data=json.dumps(push_service.browser().subscription_json()),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "[]",
        '{"endpoint": "https://fcm.googleapis.com/fcm/send/x"}',
        '{"endpoint": 7, "keys": {"p256dh": "x", "auth": "y"}}',
        json.dumps({"endpoint": "x" * 9000, "keys": {}}),
    ],
)
def test_what_is_not_a_subscription_is_a_400_with_a_reason(employee_client, body):
    response = employee_client.post(
        "/me/devices/subscribe/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_private_address_is_refused_with_the_reason(employee_client, settings):
    settings.HTTP_ALLOW_LOOPBACK = False

    response = post_subscription(
        employee_client, Browser(endpoint="http://127.0.0.1:8765/push/abc")
    )

    assert response.status_code == 400
    assert "https://" in response.json()["detail"]
    assert not PushSubscription.objects.exists()


def test_a_member_has_at_most_ten_devices(employee, employee_client, push_service: PushService):
    for _index in range(MAX_DEVICES):
        subscription_add(
            membership=employee,
            endpoint=push_service.browser().endpoint,
            p256dh=Browser().p256dh,
            auth=Browser().auth,
        )

    response = post_subscription(employee_client, push_service.browser())

    assert response.status_code == 400
    assert "remove one first" in response.json()["detail"]
    assert PushSubscription.objects.filter(membership=employee).count() == MAX_DEVICES


def test_a_browser_belongs_to_whoever_subscribed_it_last(employee, push_service: PushService):
    colleague: Any = MembershipFactory(organization=employee.organization)
    shared = push_service.browser()
    for member in (employee, colleague):
        subscription_add(
            membership=member, endpoint=shared.endpoint, p256dh=shared.p256dh, auth=shared.auth
        )

    assert list(PushSubscription.objects.values_list("membership", flat=True)) == [colleague.pk]


def test_the_same_person_keeps_the_browser_in_each_of_their_organizations(
    employee, push_service: PushService
):
    other: Any = MembershipFactory(organization=OrganizationFactory(), user=employee.user)
    browser = push_service.browser()
    for member in (employee, other):
        subscription_add(
            membership=member, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
        )

    assert PushSubscription.objects.filter(membership__user=employee.user).count() == 2


def test_a_test_reaches_the_device_in_its_owners_language(
    employee, employee_client, push_service: PushService
):
    employee.user.language = "de"
    employee.user.save()
    browser = push_service.browser()
    subscription, _ = subscription_add(
        membership=employee, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )

    response = employee_client.post(f"/me/devices/{subscription.pk}/test/", follow=True)

    assert response.status_code == 200
    assert push_service.problems == []
    [push] = push_service.received
    assert push.payload["tag"] == "test"
    assert push.payload["url"].endswith("/me/devices/")
    assert push.headers["urgency"] == "high"
    with translation.override("de"):
        assert push.payload["title"] == gettext("Notifications work on this device")
        said = gettext("Sent: the test should appear on %(device)s in a moment.")
    assert said % {"device": subscription.label} in response.content.decode()
    # A second test right away waits: nobody floods their own phone by accident.
    employee_client.post(f"/me/devices/{subscription.pk}/test/")
    assert len(push_service.received) == 1


def test_a_test_to_an_expired_device_removes_it_and_says_so(
    employee, employee_client, push_service: PushService
):
    browser = push_service.browser()
    subscription, _ = subscription_add(
        membership=employee, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )
    push_service.answer(410)

    response = employee_client.post(f"/me/devices/{subscription.pk}/test/", follow=True)

    assert "no longer accepts notifications" in response.content.decode()
    assert not PushSubscription.objects.exists()


def test_removing_a_device_stops_it_and_is_audited(
    employee, employee_client, push_service: PushService
):
    browser = push_service.browser()
    subscription, _ = subscription_add(
        membership=employee, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )

    response = employee_client.post(f"/me/devices/{subscription.pk}/remove/")

    assert response.status_code == 302
    assert not PushSubscription.objects.exists()
    assert AuditEvent.objects.filter(action="push.device_removed").count() == 1


def test_nobody_else_can_see_test_or_remove_a_members_devices(
    employee, client, push_service: PushService
):
    browser = push_service.browser()
    subscription, _ = subscription_add(
        membership=employee, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )
    colleague: Any = MembershipFactory(organization=employee.organization, is_admin=True)
    stranger: Any = MembershipFactory(organization=OrganizationFactory(), is_admin=True)
    for someone in (colleague, stranger):
        client.force_login(someone.user)
        assert client.post(f"/me/devices/{subscription.pk}/test/").status_code == 404
        assert client.post(f"/me/devices/{subscription.pk}/remove/").status_code == 404
        assert "Mobile Safari" not in client.get("/me/devices/").content.decode()
        assert client.delete(f"/api/v1/push-subscriptions/{subscription.pk}").status_code == 404
        assert client.get("/api/v1/push-subscriptions").json() == []
    assert push_service.received == []
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/me/devices/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# The API ----------------------------------------------------------------------------


def test_the_api_lists_adds_and_removes_the_callers_devices(
    employee, employee_client, push_service: PushService
):
    browser = push_service.browser()

    key = employee_client.get("/api/v1/push-subscriptions/key")
    added = employee_client.post(
        "/api/v1/push-subscriptions",
        data=json.dumps(browser.subscription_json()),
        content_type="application/json",
        headers={"User-Agent": IPHONE_UA},
    )
    again = employee_client.post(
        "/api/v1/push-subscriptions",
        data=json.dumps(browser.subscription_json()),
        content_type="application/json",
    )
    listed = employee_client.get("/api/v1/push-subscriptions")

    assert key.json() == {"application_server_key": vapid_public_key()}
    assert added.status_code == 201
    assert again.status_code == 200
    device = added.json()
    assert device["device"] == "Mobile Safari on iOS"
    assert device["push_service"] == "127.0.0.1"
    assert device["last_success_at"] is None
    assert listed.json() == [again.json()]
    assert "endpoint" not in device
    removed = employee_client.delete(f"/api/v1/push-subscriptions/{device['id']}")
    assert removed.status_code == 204
    assert employee_client.get("/api/v1/push-subscriptions").json() == []


def test_the_api_says_why_an_endpoint_is_refused(employee_client, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    browser = Browser(endpoint="https://10.1.2.3/push/x")

    response = employee_client.post(
        "/api/v1/push-subscriptions",
        data=json.dumps(browser.subscription_json()),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "private or local network" in str(response.json()["detail"])


def test_a_new_device_starts_notifications_that_had_stopped(employee, push_service: PushService):
    from chorus.notifications.models import ChannelStop, StopReason

    ChannelStop.objects.create(
        organization=employee.organization,
        membership=employee,
        channel="push",
        reason=StopReason.EXPIRED,
    )
    browser = push_service.browser()

    subscription_add(
        membership=employee, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )

    assert not ChannelStop.objects.filter(membership=employee).exists()
