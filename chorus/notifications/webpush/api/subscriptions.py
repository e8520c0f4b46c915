"""The push API: the member's own devices (list, add, remove) and the key to subscribe with.

A browser subscribes with `PushManager.subscribe({userVisibleOnly: true,
applicationServerKey})`, the key from `GET /push-subscriptions/key`; the subscription's
JSON (`subscription.toJSON()`) is the body of `POST /push-subscriptions`.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.core.validators import WebURL
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.selectors.subscriptions import (
    subscription_get,
    subscriptions_of,
)
from chorus.notifications.webpush.services import subscriptions as services
from chorus.notifications.webpush.services.keys import vapid_public_key

router = Router(tags=["notifications"])


class PushKeyOut(Schema):
    application_server_key: str = Field(
        description="The deployment's VAPID public key (base64url, an uncompressed P-256 point)"
    )


class PushSubscriptionKeys(Input):
    p256dh: str = Field(max_length=200, description="The browser's P-256 public key, base64url")
    auth: str = Field(max_length=100, description="The browser's 16-byte auth secret, base64url")


class PushSubscriptionIn(Input):
    endpoint: WebURL = Field(description="The push service's https address for this browser")
    keys: PushSubscriptionKeys


class PushSubscriptionOut(Schema):
    id: int
    device: str = Field(description="The browser and system, from the User-Agent that added it")
    push_service: str = Field(description="The push service's host")
    created_at: datetime
    last_success_at: datetime | None
    failures: int = Field(description="Refusals in a row; the device is removed after 10")


def _out(subscription: PushSubscription) -> PushSubscriptionOut:
    return PushSubscriptionOut(
        id=subscription.pk,
        device=subscription.label,
        push_service=subscription.service,
        created_at=subscription.created_at,
        last_success_at=subscription.last_success_at,
        failures=subscription.failures,
    )


@router.get(
    "/push-subscriptions/key",
    response={200: PushKeyOut},
    summary="The key to subscribe to push with",
    description="Any member: the applicationServerKey for PushManager.subscribe().",
)
@api_roles()
def push_key(request: HttpRequest) -> PushKeyOut:
    return PushKeyOut(application_server_key=vapid_public_key())


@router.get(
    "/push-subscriptions",
    response={200: list[PushSubscriptionOut]},
    summary="My devices",
    description="Any member: the devices (browsers) that get their notifications, newest first.",
)
@api_roles()
def push_subscription_list(request: HttpRequest) -> list[PushSubscriptionOut]:
    return [_out(row) for row in subscriptions_of(membership=calling_member(request))]


@router.post(
    "/push-subscriptions",
    response={200: PushSubscriptionOut, 201: PushSubscriptionOut, 422: Error},
    summary="Add a device",
    description=(
        "Any member: a browser's push subscription, as `PushSubscription.toJSON()` gives it. "
        "201 for a new device, 200 when this browser was already there (its keys are "
        "refreshed). 422 with the reason for an endpoint that is not an https address of a "
        "known push service, for keys that are not a browser's, or past 10 devices."
    ),
)
@api_roles()
def push_subscription_add(
    request: HttpRequest, payload: PushSubscriptionIn
) -> Status[PushSubscriptionOut]:
    subscription, created = services.subscription_add(
        membership=calling_member(request),
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(201 if created else 200, _out(subscription))


@router.delete(
    "/push-subscriptions/{subscription_id}",
    response={204: None, 404: Error},
    summary="Remove a device",
    description="Any member, their own devices only: the device gets no more notifications.",
)
@api_roles()
def push_subscription_remove(request: HttpRequest, subscription_id: PathId) -> Status[None]:
    caller = calling_member(request)
    subscription = subscription_get(membership=caller, subscription_id=subscription_id)
    if subscription is None:
        raise Http404
    services.subscription_remove(subscription=subscription, actor=caller.user)
    return Status(204, None)
