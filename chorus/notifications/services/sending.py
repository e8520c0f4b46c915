"""Sending what is queued: claimed in batches, checked against quiet hours and the daily
cap when it goes, written by its composer, handed to its channel, its outcome recorded.
A worker killed mid-batch leaves its claimed rows SENDING: after `CLAIM_MINUTES` they
become UNCERTAIN (never sent again, shown in the log)."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Membership, Organization
from chorus.accounts.selectors.branding import organization_logo_url
from chorus.notifications.channels import (
    Outcome,
    OutcomeStatus,
    Outgoing,
    member_channel,
    organization_channels,
)
from chorus.notifications.messages import Category, Channel, Message
from chorus.notifications.models import (
    Delivery,
    DeliveryPreference,
    DeliveryStatus,
    Notification,
)
from chorus.notifications.preferences import (
    category_of_kind,
    local_day_start,
    quiet_until,
)
from chorus.notifications.services.delivery import (
    composer_for,
    dispatch_fan_outs_resume,
    eligible,
    send_soon,
)
from chorus.notifications.services.preferences import unsubscribe_url
from chorus.notifications.services.stops import (
    channel_stop,
    destination_stopped_tell,
    stop_reason,
)

logger = logging.getLogger(__name__)


BATCH = 200  # deliveries claimed and sent together
CLAIM_MINUTES = 10  # a claim older than this belongs to a dead worker
MAX_ATTEMPTS = 7
# Minutes to wait after each failed attempt: about a day in all.
BACKOFF_MINUTES = (1, 5, 30, 120, 360, 720)
# Categories sent whatever the quiet hours and the daily cap (a test the admin asked for,
# what concerns the member's own data).
UNCAPPED = frozenset({Category.TEST, Category.OWN_DATA})


def deliveries_send_run(*, organization_id: int, budget_seconds: float = 240.0) -> int:
    """Send the organization's due deliveries, batch after batch, for about ``budget``
    seconds; returns how many were handled. Runs inside the organization's scope."""
    started = timezone.now()
    handled = 0
    organization = Organization.objects.get(pk=organization_id)
    while (timezone.now() - started).total_seconds() < budget_seconds:
        batch = _claim(organization_id=organization_id)
        if not batch:
            break
        send_batch(organization=organization, batch=batch)
        handled += len(batch)
    else:
        send_soon(organization_id)
    return handled


def _claim(*, organization_id: int) -> list[Delivery]:
    """Take up to BATCH due deliveries for this sender alone (a conditional UPDATE: two
    workers never claim the same row)."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(
            organization_id=organization_id,
            status=DeliveryStatus.QUEUED,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return []
    claim = uuid.uuid4().hex
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, claim=claim, claimed_at=now
    )
    return list(
        Delivery.objects.filter(claim=claim, status=DeliveryStatus.SENDING)
        .select_related("membership__user", "dispatch", "notification")
        .order_by("pk")
    )


def send_batch(*, organization: Organization, batch: list[Delivery]) -> None:
    now = timezone.now()
    member_ids = {delivery.membership_id for delivery in batch if delivery.membership_id}
    preferences = {
        preference.membership_id: preference
        for preference in DeliveryPreference.objects.filter(membership_id__in=member_ids)
    }
    sent_today = _sent_today(member_ids=member_ids, preferences=preferences, now=now)
    ready: list[Delivery] = []
    for delivery in batch:
        membership = delivery.membership
        if membership is None:
            ready.append(delivery)
            continue
        if not eligible(membership, delivery.category):
            _finish(delivery, DeliveryStatus.SKIPPED, _("The member is no longer in the program."))
            continue
        if delivery.category in UNCAPPED or delivery.channel == Channel.IN_APP:
            # The app's own list interrupts nobody: quiet hours and the daily limit are
            # about what reaches a member outside it (the settings page says so).
            ready.append(delivery)
            continue
        preference = preferences.get(membership.pk)
        later = quiet_until(preference, now)
        if later is not None:
            _requeue(delivery, later, attempt=False)
            continue
        cap = preference.daily_cap if preference is not None else DeliveryPreference().daily_cap
        if sent_today[membership.pk] >= cap:
            _finish(delivery, DeliveryStatus.SKIPPED, _("The member's daily limit was reached."))
            continue
        sent_today[membership.pk] += 1
        ready.append(delivery)
    messages = _compose(organization=organization, deliveries=ready)
    by_channel: dict[str, list[tuple[Delivery, Message]]] = defaultdict(list)
    for delivery in ready:
        message = messages.get(delivery.pk)
        if message is None:
            _finish(delivery, DeliveryStatus.SKIPPED, _("Nothing to say to this member."))
            continue
        by_channel[delivery.channel].append((delivery, message))
    for channel, items in by_channel.items():
        _send_channel(organization=organization, channel=channel, items=items)


def _sent_today(
    *,
    member_ids: set[int],
    preferences: dict[int, DeliveryPreference],
    now: datetime,
) -> defaultdict[int, int]:
    """Messages each member got since the start of their day, outside the app."""
    counts: defaultdict[int, int] = defaultdict(int)
    if not member_ids:
        return counts
    earliest = now - timedelta(hours=38)
    rows = (
        Delivery.objects.filter(
            membership_id__in=member_ids,
            status=DeliveryStatus.SENT,
            sent_at__gte=earliest,
        )
        .exclude(channel=Channel.IN_APP)
        .exclude(category__in=UNCAPPED)
        .values_list("membership_id", "sent_at")
    )
    for membership_id, sent_at in rows:
        if sent_at is not None and sent_at >= local_day_start(preferences.get(membership_id), now):
            counts[membership_id] += 1
    return counts


def _compose(*, organization: Organization, deliveries: list[Delivery]) -> dict[int, Message]:
    """Each delivery's message, in its recipient's language, with its unsubscribe link."""
    messages: dict[int, Message] = {}
    look = _look(organization)
    by_dispatch: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        if delivery.dispatch_id is not None:
            by_dispatch[delivery.dispatch_id].append(delivery)
        elif delivery.notification is not None and delivery.membership is not None:
            messages[delivery.pk] = _personal(
                _notification_message(delivery.notification, delivery.membership, look),
                delivery,
            )
    for items in by_dispatch.values():
        dispatch = items[0].dispatch
        assert dispatch is not None
        composer = composer_for(dispatch.composer)
        if composer is None:
            logger.error("No composer %r for dispatch %s", dispatch.composer, dispatch.pk)
            continue
        try:
            written = composer(dispatch, [delivery.membership for delivery in items])
        except Exception:
            logger.exception("Composer %r failed for dispatch %s", dispatch.composer, dispatch.pk)
            written = [None] * len(items)
        for delivery, message in zip(items, written, strict=True):
            if message is not None:
                message = _dressed(message, look)
                messages[delivery.pk] = (
                    _personal(message, delivery) if delivery.membership is not None else message
                )
    return messages


def _look(organization: Organization) -> dict[str, str]:
    return {
        "organization_name": organization.name,
        "logo_url": organization_logo_url(organization=organization) or "",
        "accent_color": organization.accent_color or "",
    }


def _dressed(message: Message, look: dict[str, str]) -> Message:
    from dataclasses import replace

    return replace(
        message,
        organization_name=message.organization_name or look["organization_name"],
        logo_url=message.logo_url or look["logo_url"],
        accent_color=message.accent_color or look["accent_color"],
    )


def _personal(message: Message, delivery: Delivery) -> Message:
    from dataclasses import replace

    assert delivery.membership is not None
    # A test the admin asked for is not a list anyone subscribed to: nothing to stop.
    link = (
        ""
        if delivery.category == Category.TEST
        else unsubscribe_url(
            membership=delivery.membership, category=delivery.category, channel=delivery.channel
        )
    )
    return replace(
        message,
        unsubscribe_url=link,
        preferences_url=settings.SITE_URL + reverse("notification_preferences"),
    )


def _notification_message(
    notification: Notification, membership: Membership, look: dict[str, str]
) -> Message:
    language = membership.user.language or settings.LANGUAGE_CODE
    url = notification.url
    if url.startswith("/"):
        url = settings.SITE_URL + url
    with translation.override(language):
        return Message(
            category=category_of_kind(notification.kind),
            subject=notification.message[:150],
            intro=notification.message,
            url=url or settings.SITE_URL + reverse("notifications"),
            language=language,
            organization_name=look["organization_name"],
            logo_url=look["logo_url"],
            accent_color=look["accent_color"],
        )


# Messages handed to a channel together: what a killed worker leaves uncertain at most.
HAND_CHUNK = 25


def _send_channel(
    *, organization: Organization, channel: str, items: list[tuple[Delivery, Message]]
) -> None:
    personal = [(delivery, message) for delivery, message in items if delivery.membership_id]
    shared = [(delivery, message) for delivery, message in items if not delivery.membership_id]
    for start in range(0, len(personal), HAND_CHUNK):
        chunk = personal[start : start + HAND_CHUNK]
        _hand([delivery for delivery, _message in chunk])
        outcomes = _send_members(organization=organization, channel=channel, chunk=chunk)
        _record_all(chunk, outcomes)
    for delivery, message in shared:
        _hand([delivery])
        destination_channel = organization_channels().get(channel)
        if destination_channel is None:
            outcome = Outcome.failed(f"No channel {channel} in this deployment.")
        else:
            try:
                outcome = destination_channel.post(
                    organization=organization,
                    destination_id=delivery.destination,
                    message=message,
                )
            except Exception as error:
                logger.exception("Channel %s failed a post", channel)
                outcome = Outcome.retry(f"{type(error).__name__}")
        _record_all([(delivery, message)], [outcome])


def _hand(deliveries: list[Delivery]) -> None:
    now = timezone.now()
    Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(handed_at=now)
    for delivery in deliveries:
        delivery.handed_at = now


def _send_members(
    *, organization: Organization, channel: str, chunk: list[tuple[Delivery, Message]]
) -> list[Outcome]:
    if channel == Channel.IN_APP:
        return _in_app_send(chunk)
    sender = member_channel(channel)
    if sender is None:
        return [Outcome.failed(f"No channel {channel} in this deployment.")] * len(chunk)
    try:
        return sender.send(
            organization=organization,
            batch=[
                Outgoing(
                    delivery_id=delivery.pk,
                    key=f"{delivery.key}:{delivery.channel}:{delivery.pk}",
                    membership=delivery.membership,  # type: ignore[arg-type]
                    message=message,
                )
                for delivery, message in chunk
            ],
        )
    except Exception as error:
        logger.exception("Channel %s failed a whole batch", channel)
        return [Outcome.retry(f"{type(error).__name__}")] * len(chunk)


def _record_all(items: list[tuple[Delivery, Message]], outcomes: list[Outcome]) -> None:
    """Write the outcomes: what was sent in two UPDATEs (its fixed fields, then the subject
    and remote id of each), the rest one by one (rare)."""
    now = timezone.now()
    sent: list[Delivery] = []
    for (delivery, message), outcome in zip(items, outcomes, strict=True):
        if outcome.status == OutcomeStatus.SENT:
            delivery.subject = message.subject[:300]
            delivery.remote_id = outcome.remote_id[:200]
            delivery.attempts += 1
            delivery.sent_at = now
            delivery.status = DeliveryStatus.SENT
            delivery.error = delivery.claim = ""
            sent.append(delivery)
        else:
            _record(delivery, message, outcome)
    if sent:
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in sent]).update(
            status=DeliveryStatus.SENT, sent_at=now, error="", claim="", attempts=F("attempts") + 1
        )
        Delivery.objects.bulk_update(sent, ["subject", "remote_id"])


def _in_app_send(items: list[tuple[Delivery, Message]]) -> list[Outcome]:
    """The app's own channel: a notification in the member's list."""
    created = Notification.objects.bulk_create(
        [
            Notification(
                organization_id=delivery.organization_id,
                membership=delivery.membership,
                kind=delivery.category,
                message=message.subject[:500],
                url=_relative(message.url)[:500],
            )
            for delivery, message in items
        ]
    )
    return [Outcome.sent(str(notification.pk)) for notification in created]


def _relative(url: str) -> str:
    if url.startswith(settings.SITE_URL + "/"):
        return url[len(settings.SITE_URL) :]
    return url


def _record(delivery: Delivery, message: Message, outcome: Outcome) -> None:
    delivery.subject = message.subject[:300]
    delivery.attempts += 1
    if outcome.status == OutcomeStatus.SENT:
        delivery.remote_id = outcome.remote_id[:200]
        delivery.sent_at = timezone.now()
        _finish(delivery, DeliveryStatus.SENT, "")
        return
    if outcome.status == OutcomeStatus.RETRY and delivery.attempts < MAX_ATTEMPTS:
        wait = timedelta(minutes=BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1])
        if outcome.retry_after:
            wait = max(wait, timedelta(seconds=min(outcome.retry_after, 86400)))
        delivery.error = outcome.error[:500]
        _requeue(delivery, timezone.now() + wait, attempt=True)
        return
    _finish(delivery, DeliveryStatus.FAILED, outcome.error or _("It kept failing."))
    if outcome.stop:
        if delivery.membership is not None:
            channel_stop(
                membership=delivery.membership,
                channel=delivery.channel,
                reason=stop_reason(delivery.channel),
                detail=outcome.error,
            )
        else:
            destination_stopped_tell(delivery, outcome.error)


def _finish(delivery: Delivery, status: str, error: Any) -> None:
    delivery.status = status
    delivery.error = str(error)[:500]
    delivery.claim = ""
    delivery.save(
        update_fields=["status", "error", "claim", "attempts", "sent_at", "remote_id", "subject"]
    )


def _requeue(delivery: Delivery, when: datetime, *, attempt: bool) -> None:
    delivery.status = DeliveryStatus.QUEUED
    delivery.next_attempt_at = when
    delivery.claim = ""
    fields = ["status", "next_attempt_at", "claim", "subject"]
    if attempt:
        fields += ["attempts", "error"]
    delivery.save(update_fields=fields)


def deliveries_recover() -> dict[str, int]:
    """Every minute: claims of dead workers are settled (rows never handed to a channel are
    queued again; rows handed over may have gone and become UNCERTAIN, never sent twice),
    fan-outs whose task died start again where they stopped, and every organization with
    due deliveries gets a sender. Runs across organizations."""
    stale = timezone.now() - timedelta(minutes=CLAIM_MINUTES)
    dead = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
    requeued = dead.filter(handed_at__isnull=True).update(
        status=DeliveryStatus.QUEUED, claim="", claimed_at=None
    )
    uncertain = dead.filter(handed_at__isnull=False).update(
        status=DeliveryStatus.UNCERTAIN,
        claim="",
        error=str(_("The sender stopped while sending; not sent again.")),
    )
    organization_ids = list(
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for organization_id in organization_ids:
        send_soon(organization_id)
    resumed = dispatch_fan_outs_resume()
    return {
        "uncertain": uncertain,
        "requeued": requeued,
        "organizations": len(organization_ids),
        "fan_outs_resumed": resumed,
    }
