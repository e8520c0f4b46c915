"""The one place that tells a member something in the app."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise

from chorus.accounts.models import Membership
from chorus.notifications.models import Notification


def notification_create(
    *,
    membership: Membership,
    kind: str,
    message: str | Promise,
    params: Mapping[str, object] | None = None,
    url: str = "",
) -> Notification:
    """Tell the member something, in their own language.

    ``message`` is a lazy translation (``gettext_lazy("%(title)s was approved")``) with its
    ``params``: it is written in the language the member chose in Settings (English if
    they chose none), whatever language the person or job that caused it speaks.
    """
    with translation.override(membership.user.language or settings.LANGUAGE_CODE):
        text = str(message) % dict(params) if params is not None else str(message)
    return Notification.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        kind=kind,
        message=text[:500],
        url=url[:500],
    )


def notifications_mark_read(*, membership: Membership, ids: list[int] | None = None) -> int:
    """Mark the member's notifications read (all of them, or those ids). Returns how many."""
    unread = Notification.objects.filter(membership=membership, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
