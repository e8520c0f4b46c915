"""Sending a message to a member's devices, and keeping the devices' books.

One message to one member goes to each of their subscriptions. The member counts as
reached when one device took it: retrying the others would show it twice on the first.
A subscription the push service says is gone (404, 410) is deleted at once; one refused
MAX_FAILURES times in a row is deleted too (its keys no longer match, say). When the last
device of a member goes that way, the answer is a failure with `stop`: the delivery engine
then stops the channel for them and tells the admins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.utils import timezone

from chorus.notifications.channels import Outcome
from chorus.notifications.messages import Category, Message
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.services.keys import vapid_identity
from chorus.notifications.webpush.transport import (
    MAX_PLAINTEXT,
    PushAnswer,
    Result,
    Target,
    Vapid,
    client,
    push,
)

MAX_FAILURES = 10
TITLE_CHARACTERS = 120
BODY_CHARACTERS = 240


@dataclass(frozen=True)
class Delivery:
    """How long a push service keeps a message for a device that is off (TTL, seconds), how
    urgent it is (RFC 8030 §5.3: very-low, low, normal, high) and whether a newer message
    of the kind replaces one not yet delivered (Topic)."""

    ttl: int
    urgency: str = "normal"
    replaces: bool = False


DAY = 24 * 3600
DELIVERY: dict[str, Delivery] = {
    Category.DIGEST: Delivery(ttl=DAY, urgency="low", replaces=True),
    Category.POST_OF_THE_DAY: Delivery(ttl=12 * 3600, replaces=True),
    Category.NUDGE: Delivery(ttl=3 * DAY, urgency="low", replaces=True),
    Category.CARE: Delivery(ttl=4 * 3600, urgency="high"),
    Category.TEST: Delivery(ttl=3600, urgency="high"),
}
DEFAULT_DELIVERY = Delivery(ttl=DAY)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def payload(message: Message) -> bytes:
    """What the service worker reads (`push` event): title, body, the page a tap opens, the
    kind of message (the notification's tag). At most MAX_PLAINTEXT bytes."""
    data = {
        "title": _short(message.subject, TITLE_CHARACTERS),
        "body": _short(message.intro, BODY_CHARACTERS),
        "url": message.url or settings.SITE_URL + "/",
        "tag": message.category,
    }
    encoded = json.dumps(data, ensure_ascii=False).encode()
    if len(encoded) > MAX_PLAINTEXT:
        # Only a very long address can do this: the home page is better than nothing.
        data["url"] = settings.SITE_URL + "/"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def _target(subscription: PushSubscription) -> Target:
    return Target(
        endpoint=subscription.endpoint, p256dh=subscription.p256dh, auth=subscription.auth
    )


def _book(subscription: PushSubscription, answer: PushAnswer) -> bool:
    """Record the answer on the subscription; True when the subscription is gone now."""
    rows = PushSubscription.objects.filter(pk=subscription.pk)
    if answer.result == Result.SENT:
        rows.update(last_success_at=timezone.now(), failures=0)
        return False
    if answer.result == Result.EXPIRED:
        rows.delete()
        return True
    if answer.result in (Result.FAILED, Result.REFUSED):
        rows.update(failures=F("failures") + 1)
        if subscription.failures + 1 >= MAX_FAILURES:
            rows.delete()
            return True
    return False


def _send_one(
    http: httpx.Client,
    vapid: Vapid,
    subscriptions: Sequence[PushSubscription],
    message: Message,
) -> Outcome:
    if not subscriptions:
        return Outcome.failed("The member has no device to notify any more.")
    body = payload(message)
    delivery = DELIVERY.get(message.category, DEFAULT_DELIVERY)
    answers: list[PushAnswer] = []
    gone = 0
    for subscription in subscriptions:
        answer = push(
            http,
            target=_target(subscription),
            payload=body,
            vapid=vapid,
            ttl=delivery.ttl,
            urgency=delivery.urgency,
            topic=message.category if delivery.replaces else "",
        )
        answers.append(answer)
        gone += _book(subscription, answer)
    sent = [answer for answer in answers if answer.result == Result.SENT]
    if sent:
        return Outcome.sent(remote_id=sent[0].location)
    errors = "; ".join(dict.fromkeys(answer.error for answer in answers if answer.error))
    if gone == len(subscriptions):
        return Outcome.failed(errors or "The subscription expired.", stop=True)
    retries = [answer for answer in answers if answer.result == Result.RETRY]
    if retries:
        waits = [answer.retry_after for answer in retries if answer.retry_after]
        return Outcome.retry(errors, retry_after=max(waits) if waits else None)
    return Outcome.failed(errors)


def push_to(*, subscriptions: Sequence[PushSubscription], message: Message) -> Outcome:
    """Send one message to these subscriptions (one member's devices, or one of them)."""
    try:
        vapid = vapid_identity()
    except ImproperlyConfigured as error:
        return Outcome.retry(str(error))
    with client() as http:
        return _send_one(http, vapid, subscriptions, message)


def push_batch(
    *, subscriptions_of: dict[int, list[PushSubscription]], batch: Sequence[tuple[int, Message]]
) -> list[Outcome]:
    """One outcome per (membership id, message), in order, over one HTTP client."""
    try:
        vapid = vapid_identity()
    except ImproperlyConfigured as error:
        return [Outcome.retry(str(error))] * len(batch)
    with client() as http:
        return [
            _send_one(http, vapid, subscriptions_of.get(membership_id, []), message)
            for membership_id, message in batch
        ]
