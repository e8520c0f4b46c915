"""What waits for curators and approvers on their home (chorus/home.py): posts to publish
or rework, posts waiting for review, what is scheduled, members' suggestions, new feed
items, sources that fail. Each read is a count and the first few rows (two queries)."""

from __future__ import annotations

from django.db.models import Q

from chorus.accounts.models import Organization
from chorus.content.models import (
    ItemStatus,
    Post,
    PostState,
    Source,
    SourceItem,
    Suggestion,
    SuggestionStatus,
)
from chorus.content.selectors.posts import post_state_counts, review_queue
from chorus.content.selectors.sources import source_item_list
from chorus.core.waiting import Waiting, waiting

SHOWN = 3


def post_counts(*, organization: Organization) -> dict[str, int]:
    """How many posts are in each state (one query)."""
    return post_state_counts(organization=organization)


def posts_in_state(*, organization: Organization, state: str, limit: int = SHOWN) -> list[Post]:
    """The posts of one state, the most recently changed first (the count is in
    post_counts)."""
    return list(
        Post.objects.filter(organization=organization, state=state)
        .only("pk", "title", "state", "updated_at", "rejection_reason")
        .order_by("-updated_at", "-id")[:limit]
    )


def posts_scheduled(*, organization: Organization, limit: int = SHOWN) -> list[Post]:
    """Scheduled posts, the next to go live first (the count is in post_counts)."""
    return list(
        Post.objects.filter(organization=organization, state=PostState.SCHEDULED)
        .only("pk", "title", "state", "publish_start", "post_of_the_day")
        .order_by("publish_start", "id")[:limit]
    )


def posts_waiting_for_review(*, organization: Organization, limit: int = SHOWN) -> Waiting[Post]:
    """Posts waiting for an approver, the longest-waiting first (with `submitted_at`)."""
    return waiting(review_queue(organization=organization).prefetch_related(None), limit=limit)


def suggestions_pending(*, organization: Organization, limit: int = SHOWN) -> Waiting[Suggestion]:
    """Members' suggestions waiting for a curator, the oldest first."""
    rows = (
        Suggestion.objects.filter(organization=organization, status=SuggestionStatus.PENDING)
        .select_related("membership__user")
        .order_by("created_at", "id")
    )
    return waiting(rows, limit=limit)


def source_items_new(*, organization: Organization, limit: int = SHOWN) -> Waiting[SourceItem]:
    """Feed items nobody turned into a post or dismissed yet, the newest first."""
    return waiting(source_item_list(organization=organization, status=ItemStatus.NEW), limit=limit)


def sources_failing(*, organization: Organization, limit: int = SHOWN) -> Waiting[Source]:
    """Enabled sources whose last poll failed, the longest-failing first."""
    rows = (
        Source.objects.filter(organization=organization, enabled=True)
        .filter(Q(consecutive_failures__gt=0) | ~Q(last_error=""))
        .order_by("-consecutive_failures", "title", "id")
    )
    return waiting(rows, limit=limit)
