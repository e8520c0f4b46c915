"""One post's figures: members reached, shares, clicks and engagement, per network."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from chorus.accounts.models import Organization
from chorus.analytics.models import (
    DailyShareStats,
)
from chorus.analytics.selectors.dashboard import Row, _by_network
from chorus.analytics.selectors.filters import _engagement, _sums
from chorus.analytics.selectors.values import EarnedMediaValue, earned_media_value, value_settings
from chorus.content.models import Post
from chorus.content.selectors.posts import post_audience
from chorus.networks.registry import CHANNEL_CHOICES
from chorus.sharing.models import Share, ShareStatus

# -- one post -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostFunnel:
    post: Post
    reached: int
    shares: int
    clicks: int
    engagement: int
    potential_reach: int
    networks: list[Row]
    value: EarnedMediaValue
    # Share pages opened and not confirmed (yet): not counted in `shares`, by network label.
    opened: int = 0
    opened_by_network: tuple[tuple[str, int], ...] = ()


def post_funnel(*, organization: Organization, post: Post) -> PostFunnel:
    """Members reached (the post's audience) → shares → clicks → engagement, per network."""
    rows = DailyShareStats.objects.filter(organization=organization, post=post)
    sums = _sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")
    per_network = _by_network(rows)
    total = rows.aggregate(**sums)
    totals_map = {name: int(total[name] or 0) for name in total}
    opened = post_opened_shares(organization=organization, post=post)
    return PostFunnel(
        post=post,
        reached=post_audience(post).count(),
        shares=totals_map["shares"],
        clicks=totals_map["clicks"],
        engagement=_engagement(totals_map),
        potential_reach=totals_map["potential_reach"],
        networks=per_network,
        value=earned_media_value(
            settings=value_settings(organization=organization), totals=totals_map
        ),
        opened=sum(count for _label, count in opened),
        opened_by_network=opened,
    )


def post_opened_by_network(*, organization: Organization, post: Post) -> dict[str, int]:
    """Share pages of the post opened and not confirmed (yet), by network key. They count
    as shares once the member says so or a click confirms them."""
    return dict(
        Share.objects.filter(organization=organization, post=post, status=ShareStatus.OPENED)
        .values_list("network")
        .annotate(count=Count("id"))
        .order_by()
    )


def post_opened_shares(*, organization: Organization, post: Post) -> tuple[tuple[str, int], ...]:
    """The same by network label, in the dialog's order."""
    counts = post_opened_by_network(organization=organization, post=post)
    return tuple(
        (label, counts[network]) for network, label in CHANNEL_CHOICES if network in counts
    )
