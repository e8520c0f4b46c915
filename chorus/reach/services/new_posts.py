"""New posts told to the organization's channels (Slack channels, Teams webhooks) that take
them, once each, as each post for everyone goes live.

Only posts for everyone: a channel is read by people of every group, and a post for some
groups is for their feeds (an admin may still announce it to chosen channels). A post that
goes to the pilot first is told when it opens to everyone. Nothing is told while sharing is
paused; the first run after the pause ends tells what went live meanwhile. Members are not
messaged: they have the digest, and announcements.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from chorus.accounts.models import Organization
from chorus.content.models import Post, PostState
from chorus.notifications.channels import organization_channels
from chorus.notifications.messages import Category
from chorus.notifications.models import Dispatch
from chorus.notifications.services.delivery import (
    dispatch_create,
    dispatch_enqueue_organization_channels,
)
from chorus.reach.selectors.posts import live_posts

# How far back a post that went live still counts as new: a scheduler that was down for a
# while catches up, a channel added today is not flooded with last month's posts.
LOOKBACK = datetime.timedelta(hours=24)


def _key(post_id: int) -> str:
    return f"new_post:{post_id}"


def _takes_new_posts(organization: Organization) -> bool:
    return any(
        channel.destinations(organization=organization, category=Category.NEW_POST)
        for channel in organization_channels().values()
    )


def new_posts_due(
    *, organization: Organization, now: datetime.datetime | None = None
) -> list[Post]:
    """The posts for everyone that became visible to everyone in the last day (went live,
    their window started, or their pilot-first time ended) and were not told yet."""
    now = now or timezone.now()
    since = now - LOOKBACK
    candidates = list(
        Post.objects.filter(
            live_posts(organization=organization, now=now),
            target_all=True,
        )
        .filter(Q(pilot_until__isnull=True) | Q(pilot_until__lte=now))
        .annotate(
            went_live_at=Max(
                "transitions__created_at", filter=Q(transitions__to_state=PostState.LIVE)
            )
        )
        .filter(
            Q(went_live_at__gte=since) | Q(publish_start__gte=since) | Q(pilot_until__gte=since)
        )
        .order_by("pk")
    )
    if not candidates:
        return []
    told = set(
        Dispatch.objects.filter(
            organization=organization, key__in=[_key(post.pk) for post in candidates]
        ).values_list("key", flat=True)
    )
    return [post for post in candidates if _key(post.pk) not in told]


def new_posts_tell(*, organization: Organization, now: datetime.datetime | None = None) -> int:
    """Queue each new post for everyone for the organization's channels that take new
    posts; returns how many posts were told. Nothing while sharing is paused or while no
    channel takes them (a channel added later starts with the posts of the last day)."""
    if organization.sharing_paused or not _takes_new_posts(organization):
        return 0
    told = 0
    for post in new_posts_due(organization=organization, now=now):
        # The dispatch and its deliveries together, or neither: a run that dies between the
        # two must not leave a post marked as told.
        with transaction.atomic():
            dispatch = dispatch_create(
                organization=organization,
                category=Category.NEW_POST,
                key=_key(post.pk),
                composer="new_post",
                params={"post_id": post.pk},
            )
            if dispatch.fanned_out_at is not None:
                continue
            # Channels only: no member's delivery is queued.
            dispatch_enqueue_organization_channels(dispatch=dispatch)
            dispatch.fanned_out_at = timezone.now()
            dispatch.save(update_fields=["fanned_out_at"])
        told += 1
    return told
