"""Channels that stopped for a member (a dead address), and telling the admins."""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Membership
from chorus.notifications.messages import Channel
from chorus.notifications.models import (
    ChannelStop,
    Delivery,
    DeliveryStatus,
    StopReason,
)

logger = logging.getLogger(__name__)


STOP_REASONS: dict[str, str] = {
    Channel.EMAIL: StopReason.BOUNCED,
    Channel.SLACK: StopReason.REVOKED,
    Channel.PUSH: StopReason.EXPIRED,
}


def stop_reason(channel: str) -> str:
    return STOP_REASONS.get(channel, StopReason.FAILED)


def channel_stop(*, membership: Membership, channel: str, reason: str, detail: str = "") -> None:
    """Stop a channel for a member whose address is dead, and tell the admins (once)."""
    stop, created = ChannelStop.objects.get_or_create(
        organization_id=membership.organization_id,
        membership=membership,
        channel=channel,
        defaults={"reason": reason, "detail": detail[:500]},
    )
    Delivery.objects.filter(
        membership=membership, channel=channel, status=DeliveryStatus.QUEUED
    ).update(status=DeliveryStatus.SKIPPED, error=str(_("The channel stopped for this member.")))
    if created:
        from chorus.notifications.services.notifications import notification_create

        for admin in _admins(membership.organization_id):
            notification_create(
                membership=admin,
                kind="delivery_stopped",
                message=_("%(channel)s stopped for %(member)s: %(reason)s"),
                params={
                    "channel": Channel(channel).label if channel in Channel.values else channel,
                    "member": str(membership.user),
                    "reason": stop.get_reason_display(),
                },
                url=reverse("delivery_log") + f"?channel={channel}",
            )


def channel_stop_clear(*, membership: Membership, channel: str) -> bool:
    """Start a stopped channel again (the member linked it again, or asked)."""
    deleted, _rows = ChannelStop.objects.filter(membership=membership, channel=channel).delete()
    return bool(deleted)


def destination_stopped_tell(delivery: Delivery, error: str) -> None:
    from chorus.notifications.services.notifications import notification_create

    for admin in _admins(delivery.organization_id):
        notification_create(
            membership=admin,
            kind="delivery_stopped",
            message=_("%(channel)s stopped posting to %(destination)s: %(error)s"),
            params={
                "channel": Channel(delivery.channel).label
                if delivery.channel in Channel.values
                else delivery.channel,
                "destination": delivery.destination_label or delivery.destination,
                "error": error[:200],
            },
            url=reverse("delivery_log") + f"?channel={delivery.channel}",
        )


def _admins(organization_id: int) -> list[Membership]:
    return list(
        Membership.objects.filter(
            organization_id=organization_id, is_admin=True, is_active=True
        ).select_related("user")
    )
