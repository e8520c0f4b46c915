"""Reads for reaching members: where a member can be reached, and the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet

from chorus.accounts.models import Membership, Organization
from chorus.notifications.channels import member_channel, organization_channels
from chorus.notifications.messages import MEMBER_CHANNELS, Channel
from chorus.notifications.models import ChannelStop, Delivery, DeliveryStatus


def member_channel_columns() -> list[str]:
    """The channels a member chooses between, those this deployment has."""
    return [
        channel
        for channel in MEMBER_CHANNELS
        if channel == Channel.IN_APP or member_channel(channel) is not None
    ]


@dataclass(frozen=True)
class ChannelReach:
    channel: str
    reachable: bool
    stopped: bool


def member_reach(*, membership: Membership) -> list[ChannelReach]:
    """For each channel: can Chorus reach this member there now, and is it stopped."""
    stopped = set(
        ChannelStop.objects.filter(membership=membership).values_list("channel", flat=True)
    )
    rows = []
    for channel in member_channel_columns():
        if channel == Channel.IN_APP:
            continue
        sender = member_channel(channel)
        reachable = sender is not None and membership.pk in sender.reachable(
            organization=membership.organization, membership_ids=[membership.pk]
        )
        rows.append(ChannelReach(channel, reachable, channel in stopped))
    return rows


def delivery_log(
    *,
    organization: Organization,
    channel: str = "",
    status: str = "",
    category: str = "",
) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(organization=organization)
    if channel:
        deliveries = deliveries.filter(channel=channel)
    if status:
        deliveries = deliveries.filter(status=status)
    if category:
        deliveries = deliveries.filter(category=category)
    return deliveries.select_related("membership__user").order_by("-created_at", "-id")


def delivery_summary(*, organization: Organization, since: datetime) -> dict[str, dict[str, int]]:
    """Deliveries created since a moment, per channel and status."""
    summary: dict[str, dict[str, int]] = {}
    rows = (
        Delivery.objects.filter(organization=organization, created_at__gte=since)
        .values("channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        summary.setdefault(row["channel"], {})[row["status"]] = row["count"]
    return summary


def stopped_channels(*, organization: Organization) -> QuerySet[ChannelStop]:
    return (
        ChannelStop.objects.filter(organization=organization)
        .select_related("membership__user")
        .order_by("-created_at")
    )


def organization_channel_names() -> list[str]:
    return sorted(organization_channels())


STATUS_ORDER = [
    DeliveryStatus.SENT,
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,
]
