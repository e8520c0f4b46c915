"""Targeting for many members at once: which of a few posts reach which members.

The same rule as the feed (`chorus.sharing.selectors.feed._targeted_at`): a post reaches
everyone, or, for every kind of group it targets, members in one of its groups of that
kind. The feed decides it for one member in the database; a message written for a batch
of members reads the batch's groups and the posts' target groups once (two queries) and
decides in memory, so a batch of a thousand members costs the same few queries as one.
A post that is "pilot first" reaches only members of the pilot cohort (a group of kind
PILOT) until its `pilot_until`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

from django.utils import timezone

from chorus.accounts.models import Group, GroupKind
from chorus.content.models import Post
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES

TargetGroups = Post.target_groups.through
MemberGroups = Group.members.through


class Targeting:
    """Who of these members each of these posts reaches, and what they shared already."""

    def __init__(
        self,
        *,
        posts: Collection[Post],
        membership_ids: Collection[int],
        now: datetime | None = None,
    ) -> None:
        post_ids = [post.pk for post in posts]
        self.target_all = {post.pk for post in posts if post.target_all}
        moment = now or timezone.now()
        self.pilot_first = {
            post.pk for post in posts if post.pilot_until is not None and post.pilot_until > moment
        }
        self.in_pilot: set[int] = set()
        self.kinds: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        if post_ids:
            for post_id, group_id, kind in TargetGroups.objects.filter(
                post_id__in=post_ids
            ).values_list("post_id", "group_id", "group__kind"):
                self.kinds[post_id][kind].add(group_id)
        self.groups: dict[int, set[int]] = defaultdict(set)
        self.shared: dict[int, set[int]] = defaultdict(set)
        ids = list(membership_ids)
        if ids:
            for membership_id, group_id, group_kind in MemberGroups.objects.filter(
                membership_id__in=ids
            ).values_list("membership_id", "group_id", "group__kind"):
                self.groups[membership_id].add(group_id)
                if group_kind == GroupKind.PILOT:
                    self.in_pilot.add(membership_id)
        if ids and post_ids:
            for membership_id, post_id in (
                Share.objects.filter(
                    membership_id__in=ids, post_id__in=post_ids, status__in=SHARED_STATUSES
                )
                .values_list("membership_id", "post_id")
                .distinct()
            ):
                self.shared[membership_id].add(post_id)

    def reaches(self, post_id: int, membership_id: int) -> bool:
        if post_id in self.pilot_first and membership_id not in self.in_pilot:
            return False
        if post_id in self.target_all:
            return True
        kinds = self.kinds.get(post_id)
        if not kinds:
            return False
        mine = self.groups.get(membership_id, set())
        return all(mine & groups for groups in kinds.values())

    def is_pilot_first(self, post_id: int) -> bool:
        """Whether the post still reaches only the pilot cohort."""
        return post_id in self.pilot_first

    def has_shared(self, post_id: int, membership_id: int) -> bool:
        return post_id in self.shared.get(membership_id, set())

    def new_for(self, posts: Iterable[Post], membership_id: int) -> list[Post]:
        """The posts that reach the member and that they have not shared, in order."""
        return [
            post
            for post in posts
            if self.reaches(post.pk, membership_id) and not self.has_shared(post.pk, membership_id)
        ]
