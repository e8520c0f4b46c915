"""Writes of the feed: remembering which posts a member has seen."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.sharing.models import PostView


def post_views_record(*, membership: Membership, post_ids: Iterable[int]) -> None:
    """Mark the posts as seen by the member (one statement; earlier views are kept)."""
    now = timezone.now()
    views = [
        PostView(
            organization_id=membership.organization_id,
            membership_id=membership.pk,
            post_id=post_id,
            seen_at=now,
        )
        for post_id in post_ids
    ]
    if not views:
        return
    # A view is worth less than the wait for the disk: on PostgreSQL, this transaction (when
    # it is one of its own) does not wait for its WAL flush. A crash may forget the last
    # fraction of a second of views, never corrupt anything; other writes keep waiting.
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        PostView.objects.bulk_create(views, ignore_conflicts=True)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        PostView.objects.bulk_create(views, ignore_conflicts=True)
