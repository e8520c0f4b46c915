"""Writes of a member's topics: following and unfollowing what they care about."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from chorus.accounts.models import Membership
from chorus.content.models import Topic
from chorus.sharing.models import TopicFollow


def topic_follow(*, membership: Membership, topic: Topic) -> None:
    """The member follows the topic (following it again changes nothing)."""
    if topic.organization_id != membership.organization_id:
        raise ValueError("A member follows only their own organization's topics.")
    TopicFollow.objects.get_or_create(
        organization_id=membership.organization_id, membership=membership, topic=topic
    )


def topic_unfollow(*, membership: Membership, topic: Topic) -> None:
    """The member stops following the topic (nothing happens if they did not follow it)."""
    TopicFollow.objects.filter(membership=membership, topic=topic).delete()


def topic_follows_set(*, membership: Membership, topic_ids: Iterable[int]) -> None:
    """The member follows exactly these topics of their organization (others are ignored)."""
    wanted = set(
        Topic.objects.filter(
            organization_id=membership.organization_id, pk__in=set(topic_ids)
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        follows = TopicFollow.objects.filter(membership=membership)
        current = set(follows.values_list("topic_id", flat=True))
        follows.filter(topic_id__in=current - wanted).delete()
        TopicFollow.objects.bulk_create(
            [
                TopicFollow(
                    organization_id=membership.organization_id,
                    membership=membership,
                    topic_id=topic_id,
                )
                for topic_id in sorted(wanted - current)
            ],
            ignore_conflicts=True,
        )
