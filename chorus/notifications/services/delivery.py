"""The delivery engine: who gets what, on which channel, when, and exactly once.

Something to say to many is a `Dispatch` (a digest period, the post of the day, an
announcement, a nudge); a notification that matters is its own key. Either becomes one
`Delivery` row per member and channel the member chose: the rows are the queue and the
log, and a unique constraint per (key, channel, member) means nobody gets the same message
twice, however often a fan-out is retried.

The sender (`deliveries_send_run`) claims due rows in batches, checks quiet hours and the
daily cap at the moment of sending, asks the composer for each member's message and the
channel to send it, and writes the outcome. A worker killed mid-batch leaves its claimed
rows SENDING: after `CLAIM_MINUTES` they become UNCERTAIN (never sent again, shown in the
log), and every row it had not claimed is sent by the next run.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.notifications.channels import (
    member_channel,
    organization_channels,
)
from chorus.notifications.messages import Category, Channel, Message
from chorus.notifications.models import (
    ChannelStop,
    Delivery,
    DeliveryPreference,
    DeliveryStatus,
    Dispatch,
    Notification,
)
from chorus.notifications.preferences import (
    category_of_kind,
    chosen_channels,
)

logger = logging.getLogger(__name__)

Composer = Callable[[Dispatch, Sequence[Membership | None]], list[Message | None]]

ENQUEUE_BATCH = 1000  # members read and enqueued together
# A fan-out that queued no batch for this long belongs to a dead task (a batch takes seconds).
FAN_OUT_STALE_MINUTES = 10

_composers: dict[str, Composer] = {}


def register_composer(name: str, composer: Composer) -> None:
    """Register a function that writes a dispatch's messages (called in AppConfig.ready)."""
    _composers[name] = composer


def composer_for(name: str) -> Composer | None:
    return _composers.get(name)


def dispatch_create(
    *,
    organization: Organization,
    category: str,
    key: str,
    composer: str,
    params: dict[str, Any] | None = None,
    created_by: Any = None,
    channels: Iterable[str] | None = None,
    audience: dict[str, list[int]] | None = None,
) -> Dispatch:
    """The dispatch with this key, created the first time (so a retried job reuses it)."""
    dispatch, _created = Dispatch.objects.get_or_create(
        organization=organization,
        key=key[:200],
        defaults={
            "category": category,
            "composer": composer,
            "params": params or {},
            "created_by": created_by,
            "channels": list(channels or []),
            "audience": audience or {},
        },
    )
    return dispatch


def eligible(membership: Membership, category: str) -> bool:
    """Nothing at all to members who left or were deactivated, except their own data."""
    if category in (Category.OWN_DATA, Category.TEST):
        return True
    return membership.is_active and membership.program_status != ProgramStatus.LEFT


def _plan(
    *,
    organization: Organization,
    memberships: Sequence[Membership],
    category: str,
    restrict: Iterable[str] = (),
    include_in_app: bool = True,
) -> dict[int, list[str]]:
    """For each member, the channels a message of this category goes out on: what they
    chose, within ``restrict``, minus stopped channels and channels that cannot reach them."""
    restricted = set(restrict)
    ids = [membership.pk for membership in memberships]
    preferences = {
        preference.membership_id: preference
        for preference in DeliveryPreference.objects.filter(membership_id__in=ids)
    }
    stopped: dict[int, set[str]] = defaultdict(set)
    for membership_id, channel in ChannelStop.objects.filter(membership_id__in=ids).values_list(
        "membership_id", "channel"
    ):
        stopped[membership_id].add(channel)
    wanted: dict[int, list[str]] = {}
    for membership in memberships:
        if not eligible(membership, category):
            continue
        channels = [
            channel
            for channel in chosen_channels(preferences.get(membership.pk), category)
            if (not restricted or channel in restricted)
            and channel not in stopped[membership.pk]
            and (include_in_app or channel != Channel.IN_APP)
        ]
        if channels:
            wanted[membership.pk] = channels
    by_channel: dict[str, set[int]] = defaultdict(set)
    for membership_id, channels in wanted.items():
        for channel in channels:
            by_channel[channel].add(membership_id)
    reachable: dict[str, set[int]] = {}
    for channel, member_ids in by_channel.items():
        if channel == Channel.IN_APP:
            reachable[channel] = member_ids
            continue
        sender = member_channel(channel)
        reachable[channel] = (
            sender.reachable(organization=organization, membership_ids=member_ids)
            if sender is not None
            else set()
        )
    return {
        membership_id: [channel for channel in channels if membership_id in reachable[channel]]
        for membership_id, channels in wanted.items()
    }


def dispatch_enqueue(*, dispatch: Dispatch, membership_ids: Iterable[int]) -> int:
    """Queue the dispatch for these members on the channels each chose; returns how many
    deliveries are new. Safe to repeat: a member already queued is not queued again."""
    organization = dispatch.organization
    ids = list(membership_ids)
    created = 0
    for start in range(0, len(ids), ENQUEUE_BATCH):
        memberships = list(
            Membership.objects.filter(
                organization=organization, pk__in=ids[start : start + ENQUEUE_BATCH]
            )
        )
        plan = _plan(
            organization=organization,
            memberships=memberships,
            category=dispatch.category,
            restrict=dispatch.channels,
        )
        rows = [
            Delivery(
                organization=organization,
                dispatch=dispatch,
                membership_id=membership_id,
                channel=channel,
                category=dispatch.category,
                key=dispatch.key,
            )
            for membership_id, channels in plan.items()
            for channel in channels
        ]
        created += _insert(rows)
    if created:
        send_soon(organization.pk)
    return created


def dispatch_enqueue_organization_channels(*, dispatch: Dispatch) -> int:
    """Queue the dispatch for every organization channel (Slack channels, Teams webhooks)
    that takes its category."""
    organization = dispatch.organization
    rows = []
    for name, channel in organization_channels().items():
        if dispatch.channels and name not in dispatch.channels:
            continue
        for destination in channel.destinations(
            organization=organization, category=dispatch.category
        ):
            rows.append(
                Delivery(
                    organization=organization,
                    dispatch=dispatch,
                    destination=destination.id,
                    destination_label=destination.label[:200],
                    channel=name,
                    category=dispatch.category,
                    key=dispatch.key,
                )
            )
    created = _insert(rows)
    if created:
        send_soon(organization.pk)
    return created


def dispatch_audience_ids(*, dispatch: Dispatch, after: int, limit: int) -> list[int]:
    """The next members of the dispatch's audience in id order, after ``after``."""
    members = Membership.objects.filter(
        organization_id=dispatch.organization_id, is_active=True, pk__gt=after
    )
    audience = dispatch.audience or {}
    if audience.get("memberships"):
        members = members.filter(pk__in=audience["memberships"])
    else:
        members = members.filter(program_status=ProgramStatus.JOINED)
        if audience.get("groups"):
            members = members.filter(groups__in=audience["groups"]).distinct()
    return list(members.order_by("pk").values_list("pk", flat=True)[:limit])


def dispatch_fan_out_run(*, dispatch_id: int) -> int:
    """Queue the dispatch for its whole audience, a batch at a time, remembering where it
    stopped (a task killed midway resumes after the last member it queued)."""
    # Claimed by one fan-out at a time (a conditional UPDATE): another that runs meanwhile,
    # such as one started again by recovery while this one still beats, leaves at once.
    now = timezone.now()
    claimed = (
        Dispatch.objects.filter(pk=dispatch_id, fanned_out_at__isnull=True)
        .filter(
            Q(fan_out_heartbeat_at__isnull=True)
            | Q(fan_out_heartbeat_at__lt=now - timedelta(minutes=FAN_OUT_STALE_MINUTES))
        )
        .update(fan_out_heartbeat_at=now)
    )
    dispatch = Dispatch.objects.select_related("organization").filter(pk=dispatch_id).first()
    if not claimed or dispatch is None:
        return 0
    if dispatch.cursor == 0:
        dispatch_enqueue_organization_channels(dispatch=dispatch)
    total = 0
    while True:
        ids = dispatch_audience_ids(dispatch=dispatch, after=dispatch.cursor, limit=ENQUEUE_BATCH)
        if not ids:
            break
        with transaction.atomic():
            total += dispatch_enqueue(dispatch=dispatch, membership_ids=ids)
            dispatch.cursor = ids[-1]
            dispatch.fan_out_heartbeat_at = timezone.now()
            dispatch.save(update_fields=["cursor", "fan_out_heartbeat_at"])
    dispatch.fanned_out_at = timezone.now()
    dispatch.fan_out_heartbeat_at = None
    dispatch.save(update_fields=["fanned_out_at", "fan_out_heartbeat_at"])
    return total


def dispatch_fan_outs_resume() -> int:
    """Start again the fan-outs whose task died midway (no batch for FAN_OUT_STALE_MINUTES);
    each resumes after the last member it queued. Returns how many. Runs across organizations.
    Dispatches queued member by member (digests, nudges, tests) never started a fan-out and
    are left alone."""
    stale = timezone.now() - timedelta(minutes=FAN_OUT_STALE_MINUTES)
    ids = list(
        Dispatch.objects.filter(
            fanned_out_at__isnull=True, fan_out_heartbeat_at__lt=stale
        ).values_list("pk", flat=True)
    )
    from chorus.notifications.tasks import dispatch_fan_out as fan_out_task

    for dispatch_id in ids:
        fan_out_task.enqueue(dispatch_id=dispatch_id)
    return len(ids)


def dispatch_fan_out(*, dispatch: Dispatch) -> None:
    """Start the fan-out in the background once the dispatch is committed."""
    from chorus.notifications.tasks import dispatch_fan_out as fan_out_task

    dispatch_id = dispatch.pk
    transaction.on_commit(lambda: fan_out_task.enqueue(dispatch_id=dispatch_id))


def notifications_deliver(*, notifications: Sequence[Notification]) -> int:
    """Queue new in-app notifications on the other channels their members chose for the
    notification's category. Called by `notification_create`; in-app is the notification."""
    if not notifications:
        return 0
    member_ids = {notification.membership_id for notification in notifications}
    preferences = {
        preference.membership_id: preference
        for preference in DeliveryPreference.objects.filter(membership_id__in=member_ids)
    }
    by_category: dict[str, list[Notification]] = defaultdict(list)
    for notification in notifications:
        by_category[category_of_kind(notification.kind)].append(notification)
    rows: list[Delivery] = []
    hidden: list[int] = []
    for category, items in by_category.items():
        elsewhere = {
            item.membership_id
            for item in items
            if set(chosen_channels(preferences.get(item.membership_id), category))
            - {Channel.IN_APP}
        }
        plan = (
            _plan(
                organization=Organization.objects.get(pk=notifications[0].organization_id),
                memberships=list(Membership.objects.filter(pk__in=elsewhere)),
                category=category,
            )
            if elsewhere
            else {}
        )
        for notification in items:
            if Channel.IN_APP not in chosen_channels(
                preferences.get(notification.membership_id), category
            ):
                hidden.append(notification.pk)
            rows.extend(
                Delivery(
                    organization_id=notification.organization_id,
                    notification=notification,
                    membership_id=notification.membership_id,
                    channel=channel,
                    category=category,
                    key=f"notification:{notification.pk}",
                    subject=notification.message[:300],
                )
                for channel in plan.get(notification.membership_id, [])
                if channel != Channel.IN_APP
            )
    if hidden:
        # The member turned this category off in the app: it stays in their list, read.
        Notification.objects.filter(pk__in=hidden).update(read_at=timezone.now())
    created = _insert(rows)
    if created:
        send_soon(notifications[0].organization_id)
    return created


def _insert(rows: list[Delivery]) -> int:
    if not rows:
        return 0
    before = Delivery.objects.filter(
        organization_id=rows[0].organization_id, key__in={row.key for row in rows}
    ).count()
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    after = Delivery.objects.filter(
        organization_id=rows[0].organization_id, key__in={row.key for row in rows}
    ).count()
    return after - before


def send_soon(organization_id: int) -> None:
    from chorus.notifications.tasks import deliveries_send

    transaction.on_commit(lambda: deliveries_send.enqueue(organization_id=organization_id))


def send_test(
    *,
    organization: Organization,
    channel: str,
    requested_by: Membership,
    destination_id: str | None = None,
) -> Delivery:
    """Send a test message now on one channel (to the admin, or to one destination), and
    return its delivery with the outcome. Tests ignore quiet hours, caps and preferences."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    dispatch = dispatch_create(
        organization=organization,
        category=Category.TEST,
        key=f"test:{channel}:{requested_by.pk}:{stamp}",
        composer="test",
        params={"requested_by": str(requested_by.user)},
        created_by=requested_by.user,
        channels=[channel],
    )
    delivery = Delivery.objects.create(
        organization=organization,
        dispatch=dispatch,
        membership=None if destination_id else requested_by,
        destination=destination_id or "",
        channel=channel,
        category=Category.TEST,
        key=dispatch.key,
        status=DeliveryStatus.SENDING,
        claim=uuid.uuid4().hex,
        claimed_at=timezone.now(),
    )
    delivery = Delivery.objects.select_related("membership__user", "dispatch", "notification").get(
        pk=delivery.pk
    )
    from chorus.notifications.services.sending import send_batch

    send_batch(organization=organization, batch=[delivery])
    delivery.refresh_from_db()
    return delivery


def _test_composer(
    dispatch: Dispatch, recipients: Sequence[Membership | None]
) -> list[Message | None]:
    messages: list[Message | None] = []
    for recipient in recipients:
        language = (
            recipient.user.language if recipient is not None else ""
        ) or settings.LANGUAGE_CODE
        with translation.override(language):
            messages.append(
                Message(
                    category=Category.TEST,
                    subject=str(_("A test from Chorus")),
                    intro=str(
                        _(
                            "%(name)s sent this test to check that Chorus reaches this "
                            "channel. Nothing else to do."
                        )
                    )
                    % {"name": dispatch.params.get("requested_by", "")},
                    url=settings.SITE_URL + "/",
                    language=language,
                )
            )
    return messages


register_composer("test", _test_composer)
