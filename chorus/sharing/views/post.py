"""A member's page for one post of their feed: the post, what it offers to share on each
network, and what the member did with it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required
from chorus.content.models import Post, PostImage
from chorus.networks.registry import CHANNEL_CHOICES
from chorus.sharing.compose import suggested_caption
from chorus.sharing.selectors.feed import enabled_networks, feed_post
from chorus.sharing.selectors.shares import member_post_shares
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_check

NETWORK_LABELS = dict(CHANNEL_CHOICES)


@dataclass
class OfferedCaption:
    """A caption the post offers, and the networks it is offered on."""

    text: str
    networks: list[tuple[str, str]] = field(default_factory=list)  # (network, label)


def _offered_captions(post: Post, networks: list[str]) -> list[OfferedCaption]:
    """The captions offered per network, one entry per distinct text (networks that
    borrow the same caption are listed together)."""
    by_text: dict[str, OfferedCaption] = {}
    for network in networks:
        text = suggested_caption(post=post, network=network)
        if text.strip():
            offered = by_text.setdefault(text, OfferedCaption(text=text))
            offered.networks.append((network, NETWORK_LABELS.get(network, network)))
    return list(by_text.values())


@require_GET
@member_required
def feed_post_page(request: MemberRequest, post_id: int) -> HttpResponse:
    post = feed_post(
        organization=request.organization, membership=request.membership, post_id=post_id
    )
    if post is None:
        raise Http404("This post is not in your feed.")
    images = list(PostImage.objects.filter(post=post).order_by("position", "id"))
    shares = member_post_shares(
        organization=request.organization, membership=request.membership, post=post
    )
    networks = enabled_networks(organization=request.organization)
    return render(
        request,
        "sharing/post.html",
        {
            "post": post,
            "images": images,
            "captions": _offered_captions(post, networks),
            "shares": shares,
            # A post the member may not share says why and links the course that fixes it.
            "gate": gate_check(membership=request.membership, action=GateAction.SHARE, post=post),
        },
    )
