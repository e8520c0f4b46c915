"""The analytics API for one post: its funnel, per network."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from chorus.analytics.api.dashboard import (
    ANALYSTS,
    RowOut,
    ValueOut,
    _rows,
    _value,
)
from chorus.analytics.selectors import posts as post_selectors
from chorus.api.auth import api_roles, require_roles
from chorus.api.schema import Error, PathId
from chorus.content.models import Post

router = Router(tags=["analytics"])


class PostStatsOut(Schema):
    post_id: int
    members_reached: int
    shares: int
    clicks: int
    engagement: int
    potential_reach: int
    networks: list[RowOut]
    earned_media_value: ValueOut
    opened: int = Field(
        description="Share pages opened and not confirmed yet (not counted in shares): they "
        "count once the member says they posted or a click on their link confirms it"
    )
    opened_by_network: dict[str, int] = Field(description="The same, by network key")


@router.get(
    "/analytics/posts/{post_id}",
    response={200: PostStatsOut, 404: Error},
    summary="A post's funnel: members reached, shares, clicks, engagement, per network",
)
@api_roles(*ANALYSTS)
def analytics_post(request: HttpRequest, post_id: PathId) -> PostStatsOut:
    caller = require_roles(request)
    post = get_object_or_404(Post, pk=post_id, organization=caller.organization)
    funnel = post_selectors.post_funnel(organization=caller.organization, post=post)
    opened = post_selectors.post_opened_by_network(organization=caller.organization, post=post)
    return PostStatsOut(
        post_id=post.pk,
        members_reached=funnel.reached,
        shares=funnel.shares,
        clicks=funnel.clicks,
        engagement=funnel.engagement,
        potential_reach=funnel.potential_reach,
        networks=_rows(funnel.networks),  # type: ignore[arg-type]
        earned_media_value=_value(funnel.value),
        opened=sum(opened.values()),
        opened_by_network=opened,
    )
