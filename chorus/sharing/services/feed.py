"""Writes of the feed: remembering which posts a member has seen."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.sharing.models import PostView


def post_views_record(*, membership: Membership, post_ids: Iterable[int]) -> None:
    """Mark the posts as seen by the member (one statement; earlier views are kept)."""
    now = timezone.now()
    PostView.objects.bulk_create(
        [
            PostView(
                organization_id=membership.organization_id,
                membership_id=membership.pk,
                post_id=post_id,
                seen_at=now,
            )
            for post_id in post_ids
        ],
        ignore_conflicts=True,
    )
