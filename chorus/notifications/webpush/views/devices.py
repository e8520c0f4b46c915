"""A member's devices: allowing notifications on this one, the list, a test, removing.

The page's script (static/pwa/devices.js) asks the browser for permission, subscribes it
with the deployment's VAPID public key and POSTs the subscription here as JSON, with the
CSRF token; the list and its buttons are plain forms.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.notifications.webpush.models import PushSubscription
from chorus.notifications.webpush.selectors.subscriptions import (
    subscription_get,
    subscriptions_of,
)
from chorus.notifications.webpush.services import subscriptions as services
from chorus.notifications.webpush.services.keys import vapid_public_key

# A subscription's JSON is a few hundred bytes; anything much larger is not one.
MAX_BODY = 8 * 1024


@require_GET
@member_required
def push_devices(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "notifications_webpush/devices.html",
        {
            "subscriptions": list(subscriptions_of(membership=request.membership)),
            "vapid_public_key": vapid_public_key(),
            "max_devices": services.MAX_DEVICES,
            "nav_current": "settings",
        },
    )


def _subscription_fields(body: bytes) -> tuple[str, str, str]:
    """endpoint, p256dh and auth from PushSubscription.toJSON(); ValueError if not that."""
    if len(body) > MAX_BODY:
        raise ValueError
    data: Any = json.loads(body)
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, dict):
        raise ValueError
    fields = (data.get("endpoint"), keys.get("p256dh"), keys.get("auth"))
    if not all(isinstance(field, str) and field for field in fields):
        raise ValueError
    return fields  # type: ignore[return-value]


@require_POST
@member_required
def push_device_subscribe(request: MemberRequest) -> HttpResponse:
    try:
        endpoint, p256dh, auth = _subscription_fields(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(
            {"detail": _("This is not a push subscription a browser would send.")}, status=400
        )
    try:
        subscription, created = services.subscription_add(
            membership=request.membership,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as error:
        return JsonResponse({"detail": " ".join(error.messages)}, status=400)
    if created:
        messages.success(
            request,
            _("Notifications are on for %(device)s.") % {"device": subscription.label},
        )
    return JsonResponse(
        {"id": subscription.pk, "label": subscription.label}, status=201 if created else 200
    )


def _own(request: MemberRequest, subscription_id: int) -> PushSubscription:
    found = subscription_get(membership=request.membership, subscription_id=subscription_id)
    if found is None:
        raise Http404
    return found


@require_POST
@member_required
def push_device_remove(request: MemberRequest, subscription_id: int) -> HttpResponse:
    subscription = _own(request, subscription_id)
    services.subscription_remove(subscription=subscription, actor=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        _("%(device)s no longer gets notifications.") % {"device": subscription.label},
    )
    return redirect("push_devices")


@require_POST
@member_required
def push_device_test(request: MemberRequest, subscription_id: int) -> HttpResponse:
    subscription = _own(request, subscription_id)
    try:
        outcome = services.subscription_send_test(subscription=subscription)
    except services.TooSoon:
        messages.info(request, _("A test is on its way: wait a few seconds before the next."))
        return redirect("push_devices")
    if outcome.status == "sent":
        messages.success(
            request,
            _("Sent: the test should appear on %(device)s in a moment.")
            % {"device": subscription.label},
        )
    elif outcome.stop or not PushSubscription.objects.filter(pk=subscription.pk).exists():
        messages.error(
            request,
            _(
                "%(device)s no longer accepts notifications, so it was removed. Allow "
                "notifications on it again to get them there."
            )
            % {"device": subscription.label},
        )
    else:
        messages.error(
            request,
            _("The test could not be sent: %(reason)s") % {"reason": outcome.error},
        )
    return redirect("push_devices")
