"""`{% tracked_links post %}`: the "Tracked links" card, for curators, on any post page."""

from __future__ import annotations

from typing import Any

from django import template

from chorus.content.models import Post
from chorus.links.views.links import card_context

register = template.Library()


@register.inclusion_tag("links/post_links_card.html", takes_context=True)
def tracked_links(context: template.Context, post: Post) -> dict[str, Any]:
    membership = getattr(context.get("request"), "membership", None)
    if membership is None or not membership.has_role("curator"):
        return {"show": False}
    return card_context(organization=membership.organization, post=post)
