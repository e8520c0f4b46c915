"""The one place that tells a member something in the app."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise

from chorus.accounts.models import Membership
from chorus.notifications.models import Notification
from chorus.notifications.services.delivery import notifications_deliver


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
    notification = Notification.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        kind=kind,
        message=_text(membership, message, params),
        url=url[:500],
    )
    notifications_deliver(notifications=[notification])
    return notification


@dataclass(frozen=True)
class NotificationDraft:
    """One notification for `notifications_create_many`: the arguments of
    `notification_create`."""

    membership: Membership
    kind: str
    message: str | Promise
    params: Mapping[str, object] | None = None
    url: str = ""


def notifications_create_many(*, drafts: Iterable[NotificationDraft]) -> list[Notification]:
    """Tell several members something in one insert (routing tells dozens at once), each
    in their own language as `notification_create` does. The memberships need their user
    loaded (select_related), or each costs a query."""
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                organization_id=draft.membership.organization_id,
                membership=draft.membership,
                kind=draft.kind,
                message=_text(draft.membership, draft.message, draft.params),
                url=draft.url[:500],
            )
            for draft in drafts
        ]
    )
    notifications_deliver(notifications=notifications)
    return notifications


def _text(
    membership: Membership, message: str | Promise, params: Mapping[str, object] | None
) -> str:
    with translation.override(membership.user.language or settings.LANGUAGE_CODE):
        text = str(message) % dict(params) if params is not None else str(message)
    return text[:500]


def notifications_mark_read(*, membership: Membership, ids: list[int] | None = None) -> int:
    """Mark the member's notifications read (all of them, or those ids). Returns how many."""
    unread = Notification.objects.filter(membership=membership, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
