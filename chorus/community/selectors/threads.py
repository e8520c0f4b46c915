"""Reads of threads: a space's thread list by keyset, one thread's messages with their
reactions, and a win's figures read live from links and sharing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import OuterRef, Subquery
from django.utils.safestring import SafeString

from chorus.accounts.models import Membership, Organization
from chorus.community.models import (
    REACTION_NAMES,
    REACTIONS,
    Message,
    Reaction,
    Report,
    Space,
    Thread,
    ThreadRead,
)
from chorus.community.text import render_message
from chorus.sharing.models import Share, ShareMetrics
from chorus.sharing.selectors.shares import SHARED_STATUSES

PAGE_SIZE = 25


def cursor_of(thread: Thread) -> str:
    """Where the next page starts: the last thread's activity (microseconds) and id."""
    moment = int(thread.last_activity_at.timestamp() * 1_000_000)
    return f"{moment}-{thread.pk}"


def cursor_parse(value: str) -> tuple[datetime, int] | None:
    moment, _dash, pk = value.partition("-")
    # ASCII digits only: int() would read other scripts' digits ("٣") as a real cursor.
    if not (moment.isascii() and pk.isascii()):
        return None
    if not (moment.isdigit() and pk.isdigit()) or len(moment) > 18 or len(pk) > 18:
        return None
    try:
        when = datetime.fromtimestamp(int(moment) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when, int(pk)


@dataclass(frozen=True)
class ThreadPage:
    pinned: Sequence[Thread]  # on the first page only
    threads: Sequence[Thread]
    next_cursor: str | None


def thread_page(
    *,
    organization: Organization,
    membership: Membership,
    space: Space,
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> ThreadPage:
    """Pinned threads first (on the first page), then the others by last activity, newest
    first, read by keyset (`cursor`, never OFFSET) so that any page costs the same. Each
    thread carries `read_at`, when the member last read it (None: never), and
    `unread` (activity since)."""
    read_at = ThreadRead.objects.filter(thread=OuterRef("pk"), membership=membership).values(
        "read_at"
    )[:1]
    base = (
        Thread.objects.filter(organization=organization, space=space)
        .select_related("author__user")
        .annotate(read_at=Subquery(read_at))
    )
    after = cursor_parse(cursor) if cursor else None
    pinned: list[Thread] = []
    if after is None:
        pinned = list(base.filter(pinned=True).order_by("-last_activity_at", "-id")[:50])
    rest = base.filter(pinned=False)
    if after is not None:
        moment, pk = after
        rest = rest.filter(last_activity_at__lte=moment).exclude(
            last_activity_at=moment, id__gte=pk
        )
    threads = list(rest.order_by("-last_activity_at", "-id")[: limit + 1])
    more = len(threads) > limit
    threads = threads[:limit]
    for thread in (*pinned, *threads):
        seen = thread.read_at  # type: ignore[attr-defined]
        thread.unread = seen is None or seen < thread.last_activity_at  # type: ignore[attr-defined]
    return ThreadPage(
        pinned=pinned, threads=threads, next_cursor=cursor_of(threads[-1]) if more else None
    )


def thread_find(*, organization: Organization, space: Space, thread_id: int) -> Thread | None:
    return (
        Thread.objects.filter(organization=organization, space=space, pk=thread_id)
        .select_related("author__user", "space")
        .first()
    )


def message_find(*, organization: Organization, thread: Thread, message_id: int) -> Message | None:
    return (
        Message.objects.filter(organization=organization, thread=thread, pk=message_id)
        .select_related("thread__space", "author__user")
        .first()
    )


@dataclass
class ReactionCount:
    key: str
    emoji: str
    count: int
    mine: bool

    @property
    def label(self) -> str:
        return str(REACTION_NAMES[self.key])


@dataclass
class MessageView:
    message: Message
    reactions: list[ReactionCount] = field(default_factory=list)
    reported_by_me: bool = False
    open_reports: int = 0

    @property
    def html(self) -> SafeString:
        return render_message(self.message.body)


def thread_messages(
    *, organization: Organization, thread: Thread, membership: Membership
) -> list[MessageView]:
    """The thread's messages in order, each with its reaction counts (and whether the member
    left each), whether the member reported it, and its open reports (for moderators)."""
    messages = list(
        Message.objects.filter(organization=organization, thread=thread)
        .select_related("author__user", "hidden_by__user")
        .order_by("created_at", "id")
    )
    ids = [message.pk for message in messages]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    mine: set[tuple[int, str]] = set()
    for message_id, member_id, emoji in Reaction.objects.filter(
        organization=organization, message_id__in=ids
    ).values_list("message_id", "membership_id", "emoji"):
        counts[message_id][emoji] += 1
        if member_id == membership.pk:
            mine.add((message_id, emoji))
    reported: set[int] = set()
    open_reports: dict[int, int] = defaultdict(int)
    for message_id, reporter_id, resolved_at in Report.objects.filter(
        organization=organization, message_id__in=ids
    ).values_list("message_id", "reporter_id", "resolved_at"):
        if reporter_id == membership.pk:
            reported.add(message_id)
        if resolved_at is None:
            open_reports[message_id] += 1
    return [
        MessageView(
            message=message,
            reactions=[
                ReactionCount(
                    key=key,
                    emoji=emoji,
                    count=counts[message.pk].get(key, 0),
                    mine=(message.pk, key) in mine,
                )
                for key, emoji in REACTIONS.items()
            ],
            reported_by_me=message.pk in reported,
            open_reports=open_reports.get(message.pk, 0),
        )
        for message in messages
    ]


@dataclass(frozen=True)
class WinFigures:
    """A win's share and what it earned, read live (so the figures grow with the share)."""

    share: Share
    clicks: int
    unique_visitors: int
    reactions: int | None  # None: the network's figures are not known
    reposts: int | None
    replies: int | None
    metrics_at: datetime | None


def win_figures(*, organization: Organization, thread: Thread) -> WinFigures | None:
    if thread.share_id is None:
        return None
    share = (
        Share.objects.filter(organization=organization, pk=thread.share_id)
        .select_related("post", "link")
        .first()
    )
    if share is None:
        return None
    link = share.link
    metrics = ShareMetrics.objects.filter(share=share).order_by("-fetched_at").first()
    return WinFigures(
        share=share,
        clicks=link.clicks if link is not None else 0,
        unique_visitors=link.unique_clicks if link is not None else 0,
        reactions=metrics.reactions if metrics is not None else None,
        reposts=metrics.reposts if metrics is not None else None,
        replies=metrics.replies if metrics is not None else None,
        metrics_at=metrics.fetched_at if metrics is not None else None,
    )


def shares_for_win(*, organization: Organization, membership: Membership) -> list[Share]:
    """The member's own shares that went out, newest first (for the win form)."""
    return list(
        Share.objects.filter(
            organization=organization, membership=membership, status__in=SHARED_STATUSES
        )
        .select_related("post")
        .order_by("-shared_at", "-created_at", "-id")[:50]
    )
