"""Reads of a member's shares: their history, their latest share through a share link."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from chorus.accounts.models import Membership, Organization
from chorus.content.models import Post
from chorus.sharing.models import Share, ShareMethod, ShareStatus

# Shares that count as "already shared" on a card.
SHARED_STATUSES = (ShareStatus.SHARED, ShareStatus.OPENED)


def share_history(*, organization: Organization, membership: Membership) -> QuerySet[Share]:
    """The member's shares, newest first, with their post and link."""
    return (
        Share.objects.filter(organization=organization, membership=membership)
        .select_related("post", "link")
        .order_by("-created_at", "-id")
    )


def share_latest_intent(
    *, organization: Organization, membership: Membership, post: Post, network: str
) -> Share | None:
    """The member's latest intent share of the post on the network (opened or done)."""
    return (
        Share.objects.filter(
            organization=organization,
            membership=membership,
            post=post,
            network=network,
            method=ShareMethod.INTENT,
            status__in=SHARED_STATUSES,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def member_post_shares(
    *, organization: Organization, membership: Membership, post: Post
) -> list[Share]:
    """What the member did with the post: their latest share on each network, newest first."""
    latest: dict[str, Share] = {}
    shares = Share.objects.filter(
        organization=organization, membership=membership, post=post
    ).order_by("-created_at", "-id")
    for share in shares:
        latest.setdefault(share.network, share)
    return list(latest.values())


def colleagues_same_text(
    *, organization: Organization, membership: Membership, post: Post, network: str, text_hash: str
) -> int:
    """How many colleagues shared the post on the network with exactly these words
    (compose.text_fingerprint; one count on the (post, network, text_hash) index)."""
    if not text_hash:
        return 0
    return (
        Share.objects.filter(
            organization=organization,
            post=post,
            network=network,
            text_hash=text_hash,
            status__in=SHARED_STATUSES,
        )
        .exclude(membership=membership)
        .values("membership_id")
        .distinct()
        .count()
    )
