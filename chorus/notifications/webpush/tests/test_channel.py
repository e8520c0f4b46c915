"""Web Push through a real push service on loopback: what a device receives (decrypted with
its own keys), how the service's answers are taken, and addresses Chorus never posts to."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.channels import OutcomeStatus, Outgoing, member_channel
from chorus.notifications.messages import Category, Channel, Message
from chorus.notifications.webpush.channel import WebPushChannel
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.services.keys import vapid_public_key
from chorus.notifications.webpush.services.subscriptions import subscription_add
from chorus.notifications.webpush.tests.pushservice import Browser, PushService

pytestmark = pytest.mark.django_db

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def subscribe(membership: Any, browser: Browser) -> PushSubscription:
    subscription, _created = subscription_add(
        membership=membership,
        endpoint=browser.endpoint,
        p256dh=browser.p256dh,
        auth=browser.auth,
        user_agent=PHONE_UA,
    )
    return subscription


def message(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "category": Category.POST_OF_THE_DAY,
        "subject": "The post of the day: Acme opens in Lisbon",
        "intro": "Our new office opens on Monday. Share it in your own words.",
        "url": "http://testserver/posts/7/share/",
    }
    fields.update(overrides)
    return Message(**fields)


def send(membership: Any, *messages: Message) -> list[Any]:
    return WebPushChannel().send(
        organization=membership.organization,
        batch=[
            Outgoing(delivery_id=index, key=f"k{index}", membership=membership, message=m)
            for index, m in enumerate(messages, 1)
        ],
    )


def test_the_channel_is_registered_for_push():
    assert isinstance(member_channel(Channel.PUSH), WebPushChannel)


def test_the_device_decrypts_the_message_and_the_push_is_signed_for_its_service(
    employee, push_service: PushService
):
    browser = push_service.browser()
    subscription = subscribe(employee, browser)

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.SENT
    assert outcome.remote_id == f"{push_service.origin}/message/1"
    assert push_service.problems == []
    [push] = push_service.received
    assert push.payload == {
        "title": "The post of the day: Acme opens in Lisbon",
        "body": "Our new office opens on Monday. Share it in your own words.",
        "url": "http://testserver/posts/7/share/",
        "tag": "post_of_the_day",
    }
    # Signed by the deployment's key, the one browsers subscribe with, for this service.
    assert push.vapid_key == vapid_public_key()
    assert push.claims["aud"] == push_service.origin
    assert push.claims["sub"].startswith("mailto:")
    assert push.headers["ttl"] == str(12 * 3600)
    assert push.headers["urgency"] == "normal"
    # A newer post of the day replaces one the phone has not fetched yet.
    assert push.headers["topic"] == "post_of_the_day"
    assert push.headers["content-type"] == "application/octet-stream"
    subscription.refresh_from_db()
    assert subscription.last_success_at is not None
    assert subscription.failures == 0


def test_each_of_a_members_devices_gets_the_message(employee, push_service: PushService):
    phone, laptop = push_service.browser(), push_service.browser()
    subscribe(employee, phone)
    subscribe(employee, laptop)

    [outcome] = send(employee, message(category=Category.SHARES, subject="Your share failed"))

    assert outcome.status == OutcomeStatus.SENT
    assert push_service.problems == []
    assert {push.path for push in push_service.received} == set(push_service.browsers)
    assert {push.payload["title"] for push in push_service.received} == {"Your share failed"}
    # Only the kinds a newer message makes stale replace an undelivered one.
    assert all("topic" not in push.headers for push in push_service.received)


def test_a_long_intro_is_cut_short_and_an_empty_address_opens_the_home_page(
    employee, push_service: PushService, settings
):
    subscribe(employee, push_service.browser())

    send(employee, message(intro="word " * 400, url=""))

    [push] = push_service.received
    assert len(push.payload["body"]) <= 240
    assert push.payload["body"].endswith("…")
    assert push.payload["url"] == settings.SITE_URL + "/"


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_deleted_and_the_channel_stops_for_its_member(
    employee, push_service: PushService, status
):
    subscription = subscribe(employee, push_service.browser())
    push_service.answer(status, b"push subscription has unsubscribed or expired.")

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.FAILED
    assert outcome.stop is True
    assert f"answered {status}" in outcome.error
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_an_expired_device_among_others_is_deleted_and_the_member_is_still_reached(
    employee, push_service: PushService
):
    gone = subscribe(employee, push_service.browser())
    kept = subscribe(employee, push_service.browser())
    push_service.answer(410)  # the oldest device is sent to first

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.SENT
    assert list(PushSubscription.objects.filter(membership=employee)) == [kept]
    assert not PushSubscription.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [(429, {"Retry_After": "120"}, 120), (503, {}, None), (500, {"Retry_After": "5"}, 5)],
)
def test_temporary_refusals_are_retried_honouring_retry_after(
    employee, push_service: PushService, status, headers, retry_after
):
    subscription = subscribe(employee, push_service.browser())
    push_service.answer(status, b"slow down", **headers)

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.RETRY
    assert outcome.retry_after == retry_after
    subscription.refresh_from_db()
    assert subscription.failures == 0


def test_a_push_service_that_cannot_be_reached_is_retried(employee, push_service: PushService):
    subscription = subscribe(employee, push_service.browser())
    # Nobody listens on this port any more.
    PushSubscription.objects.filter(pk=subscription.pk).update(
        endpoint="http://127.0.0.1:9/push/nobody"
    )

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.RETRY
    assert "could not be reached" in outcome.error


@pytest.mark.parametrize("status", [400, 413, 403])
def test_a_refused_message_fails_without_stopping_the_channel(
    employee, push_service: PushService, status
):
    subscription = subscribe(employee, push_service.browser())
    push_service.answer(status, b'{"reason": "bad request"}')

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.FAILED
    assert outcome.stop is False
    assert '{"reason": "bad request"}' in outcome.error
    subscription.refresh_from_db()
    assert subscription.failures == 1


def test_a_device_refused_ten_times_in_a_row_is_removed(employee, push_service: PushService):
    subscription = subscribe(employee, push_service.browser())
    PushSubscription.objects.filter(pk=subscription.pk).update(failures=9)
    push_service.answer(400)

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.FAILED
    assert outcome.stop is True
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_one_outcome_per_message_in_order(employee, push_service: PushService):
    other: Any = MembershipFactory(organization=employee.organization)
    subscribe(employee, push_service.browser())
    push_service.answer(201)
    push_service.answer(410)  # the second message goes to the other member's only device
    subscribe(other, push_service.browser())

    outcomes = WebPushChannel().send(
        organization=employee.organization,
        batch=[
            Outgoing(delivery_id=1, key="a", membership=employee, message=message()),
            Outgoing(delivery_id=2, key="b", membership=other, message=message()),
        ],
    )

    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.SENT, OutcomeStatus.FAILED]
    assert outcomes[1].stop is True


def test_a_member_without_devices_any_more_is_not_stopped(employee):
    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.FAILED
    assert outcome.stop is False


def test_reachable_members_are_those_with_a_device_in_this_organization(push_service):
    acme, globex = OrganizationFactory(), OrganizationFactory()
    subscribed = MembershipFactory(organization=acme)
    without = MembershipFactory(organization=acme)
    elsewhere = MembershipFactory(organization=globex)
    subscribe(subscribed, push_service.browser())
    subscribe(elsewhere, push_service.browser())
    channel = WebPushChannel()

    assert channel.reachable(
        organization=acme, membership_ids=[subscribed.pk, without.pk, elsewhere.pk]
    ) == {subscribed.pk}
    # Many ids at once: one query for the organization's subscribers, intersected.
    many = [subscribed.pk, elsewhere.pk, *range(10_000_000, 10_001_000)]
    assert channel.reachable(organization=acme, membership_ids=many) == {subscribed.pk}
    assert channel.reachable(organization=acme, membership_ids=[]) == set()


def test_a_message_never_goes_to_another_organizations_devices(push_service: PushService):
    acme: Any = OrganizationFactory()
    globex: Any = OrganizationFactory()
    member: Any = MembershipFactory(organization=acme)
    subscribe(member, push_service.browser())

    # The same membership named in another organization's batch reaches nobody.
    [outcome] = WebPushChannel().send(
        organization=globex,
        batch=[Outgoing(delivery_id=1, key="a", membership=member, message=message())],
    )

    assert outcome.status == OutcomeStatus.FAILED
    assert push_service.received == []


# Addresses Chorus never posts to -----------------------------------------------------


def test_a_private_endpoint_is_refused_when_loopback_is_not_allowed(employee, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    browser = Browser(endpoint="http://127.0.0.1:8765/push/abc")

    with pytest.raises(ValidationError):
        subscribe(employee, browser)
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://10.0.0.7/push/abc",
        "https://192.168.1.1/push/abc",
        "https://[::1]/push/abc",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/push/abc",
        "https://push.localhost/abc",
        "https://intranet/push/abc",
        "http://fcm.googleapis.com/fcm/send/abc",
        "https://push.evil.example/abc",
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "javascript:alert(1)",
        "https://user:secret@fcm.googleapis.com/fcm/send/abc",
        "https://xn--zz.fcm.googleapis.com/fcm/send/abc",
        "",
    ],
)
def test_endpoints_that_are_not_a_known_push_service_on_https_are_refused(employee, endpoint):
    with pytest.raises(ValidationError):
        subscribe(employee, Browser(endpoint=endpoint))


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAAB",
        "https://web.push.apple.com/QGZhYmNk",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAA",
    ],
)
def test_the_big_push_services_are_accepted(employee, endpoint, settings):
    settings.HTTP_ALLOW_LOOPBACK = False
    subscription = subscribe(employee, Browser(endpoint=endpoint))

    assert subscription.endpoint == endpoint
    assert subscription.label == "Chrome Mobile on Android"


def test_any_public_host_is_accepted_when_the_deployment_says_so(employee, settings):
    settings.WEBPUSH_SERVICES = ["*"]

    assert subscribe(employee, Browser(endpoint="https://push.example.org/x")).pk
    with pytest.raises(ValidationError):
        subscribe(employee, Browser(endpoint="https://10.0.0.7/x"))


def test_an_endpoint_that_turned_private_is_not_posted_to(employee, push_service, settings):
    """Loopback is allowed when the browser subscribes, then not any more (as in production):
    the SSRF-safe client refuses to connect, and nothing reaches the address."""
    subscription = subscribe(employee, push_service.browser())
    settings.HTTP_ALLOW_LOOPBACK = False

    [outcome] = send(employee, message())

    assert outcome.status == OutcomeStatus.FAILED
    assert "private or local network" in outcome.error
    assert push_service.received == []
    subscription.refresh_from_db()
    assert subscription.failures == 1


@pytest.mark.parametrize(
    ("p256dh", "auth"),
    [
        ("not base64 at all!", "AAAAAAAAAAAAAAAAAAAAAA"),
        # A point of the right length that is not on the curve.
        ("BA" + "A" * 85, "AAAAAAAAAAAAAAAAAAAAAA"),
        (None, "short"),
    ],
)
def test_keys_that_are_not_a_browsers_are_refused(employee, push_service, p256dh, auth):
    browser = push_service.browser()
    with pytest.raises(ValidationError):
        subscription_add(
            membership=employee,
            endpoint=browser.endpoint,
            p256dh=p256dh or browser.p256dh,
            auth=auth,
        )
