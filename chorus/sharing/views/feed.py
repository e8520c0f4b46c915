"""The member's personal feed of posts to share."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required
from chorus.sharing.selectors.feed import FeedCard, feed_filters, feed_page
from chorus.sharing.selectors.topics import followed_topic_ids
from chorus.sharing.services.feed import post_views_record
from chorus.training.selectors.gates import gates_for_member

MAX_PAGE = 1000


def positive_int(
    value: str | None, *, default: int | None = None, most: int = 2**31 - 1
) -> int | None:
    """A positive integer from a query parameter, or `default` for anything else."""
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if 0 < number <= most else default


def _as_of(value: str | None) -> datetime:
    """The moment the member opened the feed (sent back by "more"); never in the future."""
    now = timezone.now()
    try:
        moment = datetime.fromtimestamp(float(value or ""), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return now
    return min(moment, now)


def _mark_gated(request: MemberRequest, cards: list[FeedCard]) -> None:
    """Each card's gate verdict (`card.gate`): a post the member may not share (a missing
    certification, the policy) shows why and the course that fixes it instead of "Share".
    A few queries for the whole page, none per post."""
    gates = gates_for_member(membership=request.membership)
    if not gates.gates and gates.paused is None:
        return
    if any(gate.topic_id is not None for gate in gates.gates):
        prefetch_related_objects([card.post for card in cards], "topics")
    for card in cards:
        setattr(card, "gate", gates.post_verdict(card.post))  # noqa: B010


@require_GET
@member_required
def feed(request: MemberRequest) -> HttpResponse:
    if not request.membership.is_advocate:
        return render(request, "sharing/feed_join.html")
    topic_id = positive_int(request.GET.get("topic"))
    language_id = positive_int(request.GET.get("language"))
    page = positive_int(request.GET.get("page"), default=1, most=MAX_PAGE) or 1
    partial = bool(getattr(request, "htmx", False)) and page > 1
    # The topics the member follows put their posts first; the full page also offers
    # every topic to filter by and follow, read with the follows (one query either way).
    topics, languages = (
        ([], [])
        if partial
        else feed_filters(organization=request.organization, membership=request.membership)
    )
    followed = (
        followed_topic_ids(membership=request.membership)
        if partial
        else [topic.pk for topic in topics if topic.followed]
    )
    result = feed_page(
        organization=request.organization,
        membership=request.membership,
        page=page,
        topic_id=topic_id,
        language_id=language_id,
        as_of=_as_of(request.GET.get("as_of")) if page > 1 else None,
        followed_topic_ids=followed,
    )
    # Only the cards new to the member: a feed they already read costs no write.
    post_views_record(
        membership=request.membership,
        post_ids=[card.post.pk for card in result.cards if not card.seen],
    )
    _mark_gated(request, result.cards)
    context = {
        "feed": result,
        "topic_id": topic_id,
        "language_id": language_id,
        "as_of": f"{result.as_of.timestamp():.6f}",
    }
    if partial:
        return render(request, "sharing/feed_cards.html", context)
    return render(
        request,
        "sharing/feed.html",
        {
            **context,
            "topics": topics,
            "languages": languages,
            "topic_choices": topics,
            "followed_topics": [topic for topic in topics if topic.followed],
            "filtered_topic": next((topic for topic in topics if topic.pk == topic_id), None),
        },
    )
