"""The posts a message is about, read with what the message shows (captions, image)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import Truncator

from chorus.accounts.models import Organization
from chorus.content.models import Post, PostState
from chorus.networks.registry import CHANNELS
from chorus.reach.links import image_link
from chorus.sharing.compose import suggested_caption

# Enough candidates for a digest of eight even when members shared many of them.
CANDIDATES = 200
EXCERPT_CHARS = 240


def live_posts(*, organization: Organization, now: datetime) -> Q:
    return Q(organization=organization, state=PostState.LIVE) & (
        (Q(publish_start__isnull=True) | Q(publish_start__lte=now))
        & (Q(publish_end__isnull=True) | Q(publish_end__gt=now))
    )


def new_posts(*, organization: Organization, since: datetime, now: datetime) -> list[Post]:
    """Live posts that went live since ``since``, newest first, with their captions."""
    return list(
        Post.objects.filter(live_posts(organization=organization, now=now))
        .annotate(live_since=Coalesce("publish_start", "created_at"))
        .filter(live_since__gte=since)
        .order_by("-live_since", "-id")
        .prefetch_related("captions")[:CANDIDATES]
    )


def live_post(*, organization: Organization, post_id: int, now: datetime) -> Post | None:
    return (
        Post.objects.filter(live_posts(organization=organization, now=now), pk=post_id)
        .prefetch_related("captions")
        .first()
    )


def excerpt(post: Post) -> str:
    """The post's suggested caption (the first network that has one), or its commentary."""
    for network in CHANNELS:
        caption = suggested_caption(post=post, network=network)
        if caption:
            return str(Truncator(caption).chars(EXCERPT_CHARS))
    return str(Truncator(post.commentary).chars(EXCERPT_CHARS))


def image_url(post: Post) -> str:
    """The post's thumbnail at a signed public address (mail clients, Slack and Teams load
    it without signing in), or "" for a post without one."""
    if not post.preview_thumbnail:
        return ""
    return image_link(post)


def post_url(post: Post) -> str:
    return settings.SITE_URL + reverse("feed_post", args=[post.pk])


def share_dialog_url(post: Post) -> str:
    """The post's share dialog for whoever opens it (after signing in): the button of a
    message many people read, where no member's signed link can be used."""
    return settings.SITE_URL + reverse("share_dialog", args=[post.pk])
