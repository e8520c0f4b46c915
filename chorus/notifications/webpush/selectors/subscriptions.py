"""Reads of members' devices, each within the organization."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from django.db.models import QuerySet

from chorus.accounts.models import Membership, Organization
from chorus.notifications.webpush.models import PushSubscription

# Up to this many members, ask for them by id; beyond, read the organization's subscribers
# once and intersect (a query with tens of thousands of parameters fails on SQLite).
IN_QUERY_LIMIT = 500


def subscriptions_of(*, membership: Membership) -> QuerySet[PushSubscription]:
    """A member's own devices, newest first."""
    return PushSubscription.objects.filter(
        organization_id=membership.organization_id, membership=membership
    ).order_by("-created_at", "-id")


def subscription_get(*, membership: Membership, subscription_id: int) -> PushSubscription | None:
    """One of the member's own devices; None for anyone else's (even in the organization)."""
    return subscriptions_of(membership=membership).filter(pk=subscription_id).first()


def subscribed_members(*, organization: Organization, membership_ids: Collection[int]) -> set[int]:
    """Of these members, those with at least one device (one query)."""
    wanted = set(membership_ids)
    if not wanted:
        return set()
    rows = PushSubscription.objects.filter(organization=organization)
    if len(wanted) <= IN_QUERY_LIMIT:
        rows = rows.filter(membership_id__in=wanted)
    return wanted & set(rows.values_list("membership_id", flat=True).distinct())


def subscriptions_by_member(
    *, organization: Organization, membership_ids: Collection[int]
) -> dict[int, list[PushSubscription]]:
    """Each member's devices, oldest first (one query)."""
    found: dict[int, list[PushSubscription]] = defaultdict(list)
    rows = PushSubscription.objects.filter(
        organization=organization, membership_id__in=set(membership_ids)
    ).order_by("created_at", "id")
    for subscription in rows:
        found[subscription.membership_id].append(subscription)
    return dict(found)
