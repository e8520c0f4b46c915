"""Web Push as a member channel: a member is reachable once they allowed one device."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import ClassVar

from chorus.accounts.models import Organization
from chorus.notifications.channels import Outcome, Outgoing
from chorus.notifications.messages import Channel
from chorus.notifications.webpush.selectors.subscriptions import (
    subscribed_members,
    subscriptions_by_member,
)
from chorus.notifications.webpush.services.sending import push_batch


class WebPushChannel:
    name: ClassVar[str] = Channel.PUSH

    def reachable(self, *, organization: Organization, membership_ids: Collection[int]) -> set[int]:
        return subscribed_members(organization=organization, membership_ids=membership_ids)

    def send(self, *, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
        """Each message to each of its member's devices (see services/sending.py for what
        counts as sent, retried or stopped); never raises for a failed message."""
        if not batch:
            return []
        devices = subscriptions_by_member(
            organization=organization,
            membership_ids={outgoing.membership.pk for outgoing in batch},
        )
        return push_batch(
            subscriptions_of=devices,
            batch=[(outgoing.membership.pk, outgoing.message) for outgoing in batch],
        )
