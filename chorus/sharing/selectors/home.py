"""Sharing on the homes (chorus/home.py): the post of the day and new posts of a member's
feed, what would help them share (an account to connect or reconnect, an approved text to
open, a scheduled share that failed), members' edited texts waiting for an approver, and,
for admins, members' connected accounts that stopped working."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.core.waiting import Waiting, waiting
from chorus.networks.registry import adapter
from chorus.sharing.models import (
    ConnectionStatus,
    NetworkConnection,
    PostView,
    Share,
    ShareStatus,
)
from chorus.sharing.selectors.feed import FeedCard, feed_page, feed_posts
from chorus.sharing.selectors.review import shares_in_review
from chorus.sharing.services.connections import REMIND_BEFORE
from chorus.sharing.services.settings import network_settings_all

NEW_SHOWN = 3
# "99+ new posts": counting further would only cost time.
NEW_COUNT_CAP = 99
# A scheduled share that failed stays a to-do this long (after that it is history).
FAILED_RECENTLY = timedelta(days=7)
SHOWN = 3


@dataclass(frozen=True)
class FeedGlance:
    """The top of a member's feed, without marking anything seen."""

    post_of_the_day: FeedCard | None
    new: list[FeedCard]
    # Posts of the feed the member has not seen (the post of the day aside), at most
    # NEW_COUNT_CAP + 1 (then shown as "99+").
    new_count: int

    @property
    def new_count_capped(self) -> bool:
        return self.new_count > NEW_COUNT_CAP


def feed_glance(
    *, organization: Organization, membership: Membership, today: date | None = None
) -> FeedGlance:
    """The post of the day (if there is one today) and the newest posts the member has not
    seen, read as the feed reads them (the feed's first page, a few cards long)."""
    today = today or timezone.localdate()
    page = feed_page(
        organization=organization, membership=membership, page_size=NEW_SHOWN + 1, today=today
    )
    cards = page.cards
    post_of_the_day = cards[0] if cards and cards[0].is_post_of_the_day else None
    new = [card for card in cards if not card.seen and not card.is_post_of_the_day][:NEW_SHOWN]
    seen = PostView.objects.filter(membership_id=membership.pk, post_id=OuterRef("pk"))
    unseen = (
        feed_posts(organization=organization, membership=membership)
        .exclude(post_of_the_day=today)
        .filter(~Exists(seen))
        .order_by()
    )
    return FeedGlance(
        post_of_the_day=post_of_the_day,
        new=new,
        new_count=unseen[: NEW_COUNT_CAP + 1].count(),
    )


# -- what helps a member share ---------------------------------------------------------


@dataclass(frozen=True)
class Reconnect:
    network: str
    label: str
    # When the token lapses (or lapsed); None when the network refused it.
    expires_at: datetime | None
    expired: bool


@dataclass(frozen=True)
class SharingTodos:
    # Networks the organization publishes to where the member may connect an account,
    # when they have connected none yet (connecting is optional: share links always work).
    can_connect: list[str] = field(default_factory=list)
    reconnect: list[Reconnect] = field(default_factory=list)
    approved: Waiting[Share] = field(default_factory=lambda: Waiting(0))
    failed: Waiting[Share] = field(default_factory=lambda: Waiting(0))

    def __bool__(self) -> bool:
        return bool(self.can_connect or self.reconnect or self.approved or self.failed)


def sharing_todos(
    *, organization: Organization, membership: Membership, now: datetime | None = None
) -> SharingTodos:
    """What would help the member share: connect an account where Chorus can publish for
    them (only while they have none), reconnect one that lapsed or soon lapses (and cannot
    renew itself), open an edited text an approver approved, look at a scheduled share
    that failed this week."""
    now = now or timezone.now()
    publishing = [
        row
        for row in network_settings_all(organization=organization)
        if row.can_publish and row.settings.sharing_enabled and row.settings.publishing_enabled
    ]
    connections = list(
        NetworkConnection.objects.filter(organization=organization, membership=membership).only(
            "network", "status", "expires_at", "refresh_token"
        )
    )
    reconnect = []
    for connection in connections:
        expired = connection.status == ConnectionStatus.EXPIRED or (
            connection.expires_at is not None and connection.expires_at <= now
        )
        lapsing = (
            connection.expires_at is not None
            and connection.expires_at <= now + REMIND_BEFORE
            and not connection.refresh_token
        )
        if expired or lapsing:
            reconnect.append(
                Reconnect(
                    network=connection.network,
                    label=adapter(connection.network).label,
                    expires_at=connection.expires_at,
                    expired=expired,
                )
            )
    can_connect = [] if connections else [row.label for row in publishing]
    shares = Share.objects.filter(organization=organization, membership=membership)
    approved = shares.filter(status=ShareStatus.APPROVED).select_related("post")
    failed = shares.filter(status=ShareStatus.FAILED, updated_at__gte=now - FAILED_RECENTLY)
    return SharingTodos(
        can_connect=can_connect,
        reconnect=reconnect,
        approved=waiting(approved.order_by("reviewed_at", "id"), limit=SHOWN),
        failed=waiting(failed.select_related("post").order_by("-updated_at", "-id"), limit=SHOWN),
    )


# -- approvers ---------------------------------------------------------------------------


def shares_waiting_for_review(*, organization: Organization, limit: int = SHOWN) -> Waiting[Share]:
    """Members' edited texts waiting for an approver, the longest-waiting first."""
    return waiting(shares_in_review(organization=organization), limit=limit)


# -- admins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionTrouble:
    """Members' connected accounts that stopped working or soon will (each member was
    told, chorus.sharing.services.connections): Chorus cannot publish for them there."""

    expired: int
    lapsing: int

    def __bool__(self) -> bool:
        return bool(self.expired or self.lapsing)


def connection_trouble(
    *, organization: Organization, now: datetime | None = None
) -> ConnectionTrouble:
    """Active members' connections lapsed (or refused by their network), and those that
    lapse within REMIND_BEFORE and cannot renew themselves (one query)."""
    now = now or timezone.now()
    lapsed = Q(status=ConnectionStatus.EXPIRED) | Q(expires_at__lte=now, refresh_token="")
    counts = NetworkConnection.objects.filter(
        organization=organization, membership__is_active=True
    ).aggregate(
        expired=Count("pk", filter=lapsed),
        lapsing=Count(
            "pk",
            filter=Q(
                status=ConnectionStatus.ACTIVE,
                expires_at__gt=now,
                expires_at__lte=now + REMIND_BEFORE,
                refresh_token="",
            ),
        ),
    )
    return ConnectionTrouble(
        expired=int(counts["expired"] or 0), lapsing=int(counts["lapsing"] or 0)
    )
