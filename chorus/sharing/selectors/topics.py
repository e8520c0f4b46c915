"""Reads of topics as sharing sees them: what a member follows, what each topic draws.

Topics are content's; follows and shares are sharing's, so the figures that join them
(followers, posts, shares of the last 30 days) are read here, a layer above both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.content.models import Post, Topic
from chorus.sharing.models import Share, ShareStatus, TopicFollow

# The window of "shares in the last 30 days" on the curators' topics page.
SHARE_WINDOW = timedelta(days=30)
TopicPosts = Post.topics.through


@dataclass(frozen=True)
class TopicChoice:
    pk: int
    name: str
    followed: bool


@dataclass(frozen=True)
class TopicFigures:
    pk: int
    name: str
    followers: int
    posts: int
    shares: int


def topic_get(*, organization: Organization, topic_id: int) -> Topic | None:
    """One topic of the organization (None for another organization's)."""
    return Topic.objects.filter(organization=organization, pk=topic_id).first()


def followed_topic_ids(*, membership: Membership) -> list[int]:
    """The ids of the topics the member follows (one query)."""
    return list(
        TopicFollow.objects.filter(membership_id=membership.pk)
        .order_by("topic_id")
        .values_list("topic_id", flat=True)
    )


def topic_choices(*, organization: Organization, membership: Membership) -> list[TopicChoice]:
    """Every topic of the organization by name, and whether the member follows it (one query)."""
    follows = TopicFollow.objects.filter(membership_id=membership.pk, topic_id=OuterRef("pk"))
    topics = (
        Topic.objects.filter(organization=organization)
        .annotate(followed=Exists(follows))
        .values_list("pk", "name", "followed")
    )
    choices = [TopicChoice(pk=pk, name=name, followed=followed) for pk, name, followed in topics]
    choices.sort(key=lambda choice: (choice.name.casefold(), choice.pk))
    return choices


def topic_figures(*, organization: Organization, now: datetime | None = None) -> list[TopicFigures]:
    """For each topic: active members following it, posts that have it, and the confirmed
    shares of those posts in the last 30 days; most shared first (four queries)."""
    since = (now or timezone.now()) - SHARE_WINDOW
    followers = dict(
        TopicFollow.objects.filter(organization=organization, membership__is_active=True)
        .values("topic_id")
        .annotate(count=Count("id"))
        .values_list("topic_id", "count")
    )
    posts = dict(
        TopicPosts.objects.filter(topic__organization=organization)
        .values("topic_id")
        .annotate(count=Count("post_id"))
        # django-stubs cannot see annotations of an automatic through model.
        .values_list("topic_id", "count")  # type: ignore[misc]
    )
    shares = dict(
        Share.objects.filter(
            organization=organization,
            status=ShareStatus.SHARED,
            shared_at__gte=since,
            post__topics__isnull=False,
        )
        .values("post__topics")
        .annotate(count=Count("id"))
        .values_list("post__topics", "count")
    )
    figures = [
        TopicFigures(
            pk=pk,
            name=name,
            followers=followers.get(pk, 0),
            posts=posts.get(pk, 0),
            shares=shares.get(pk, 0),
        )
        for pk, name in Topic.objects.filter(organization=organization).values_list("pk", "name")
    ]
    figures.sort(key=lambda row: (-row.shares, -row.followers, row.name.casefold(), row.pk))
    return figures
