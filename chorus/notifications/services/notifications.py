"""The one place that tells a member something in the app."""

from __future__ import annotations

from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.notifications.models import Notification


def notification_create(
    *, membership: Membership, kind: str, message: str, url: str = ""
) -> Notification:
    return Notification.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        kind=kind,
        message=message[:500],
        url=url[:500],
    )


def notifications_mark_read(*, membership: Membership, ids: list[int] | None = None) -> int:
    """Mark the member's notifications read (all of them, or those ids). Returns how many."""
    unread = Notification.objects.filter(membership=membership, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
