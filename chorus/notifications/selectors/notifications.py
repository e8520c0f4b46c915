"""Reads in notifications: always one member's own."""

from __future__ import annotations

from django.db.models import QuerySet

from chorus.accounts.models import Membership
from chorus.notifications.models import Notification


def notification_list(
    *, membership: Membership, unread_only: bool = False
) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(
        organization_id=membership.organization_id, membership=membership
    )
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def internal_url(url: str) -> str:
    """The notification's link if it stays on this site (a path like "/posts/1/"), else "".

    A link written into a notification must never send a member elsewhere: no
    "https://...", no "javascript:", no "//host" or "/\\host" (browsers read both as
    another host), and no whitespace or control characters, which browsers drop.
    """
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if any(character.isspace() or ord(character) < 32 or character == "\\" for character in url):
        return ""
    return url
