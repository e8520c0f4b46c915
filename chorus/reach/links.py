"""Signed share links: a button in a message that opens a post's share dialog.

The token names the member and the post (and a network, if the message chose one) and
expires after 14 days. It only ever opens the dialog: the member still chooses, edits and
shares themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

from chorus.accounts.models import Membership
from chorus.content.models import Post

SALT = "chorus.reach.share-link"
MAX_AGE = timedelta(days=14)


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


@dataclass(frozen=True)
class ShareLink:
    membership_id: int
    post_id: int
    network: str = ""


def share_token(*, membership_id: int, post_id: int, network: str = "") -> str:
    payload: dict[str, object] = {"m": membership_id, "p": post_id}
    if network:
        payload["n"] = network
    return signing.dumps(payload, salt=SALT, compress=True)


def share_link(membership: Membership, post: Post, network: str = "") -> str:
    """The absolute address of a signed link that opens this post's share dialog."""
    return share_link_for(membership_id=membership.pk, post_id=post.pk, network=network)


def share_link_for(*, membership_id: int, post_id: int, network: str = "") -> str:
    token = share_token(membership_id=membership_id, post_id=post_id, network=network)
    before, after = _share_path()
    return f"{settings.SITE_URL}{before}{token}{after}"


@lru_cache(maxsize=1)
def _share_path() -> tuple[str, str]:
    """The share link's path around its token, reversed once (a digest holds thousands)."""
    before, after = reverse("reach_share", args=["TOKEN"]).split("TOKEN")
    return before, after


def share_link_read(token: str) -> ShareLink:
    """What a token names; LinkExpired after 14 days, LinkInvalid when altered."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except signing.BadSignature as error:
        raise LinkInvalid from error
    if not isinstance(payload, dict):
        raise LinkInvalid
    membership_id, post_id, network = payload.get("m"), payload.get("p"), payload.get("n", "")
    if not isinstance(membership_id, int) or not isinstance(post_id, int):
        raise LinkInvalid
    if not isinstance(network, str):
        raise LinkInvalid
    return ShareLink(membership_id=membership_id, post_id=post_id, network=network)


# Pictures in messages: a mail client, Slack or Teams loads the post's preview thumbnail
# without signing in, so the address carries its own key. It names the organization and
# the post (another organization's post cannot be reached by editing it) and lasts 30 days.
IMAGE_SALT = "chorus.reach.post-image"
IMAGE_MAX_AGE = timedelta(days=30)


@dataclass(frozen=True)
class ImageLink:
    organization_id: int
    post_id: int


def image_token(*, organization_id: int, post_id: int) -> str:
    return signing.dumps({"o": organization_id, "p": post_id}, salt=IMAGE_SALT)


def image_link(post: Post) -> str:
    """The absolute, public address of the post's preview thumbnail for 30 days."""
    token = image_token(organization_id=post.organization_id, post_id=post.pk)
    return settings.SITE_URL + reverse("reach_image", args=[token])


def image_link_read(token: str) -> ImageLink | None:
    """What a token names; None when it is altered or older than 30 days."""
    try:
        payload = signing.loads(token, salt=IMAGE_SALT, max_age=IMAGE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired too
        return None
    if not isinstance(payload, dict):
        return None
    organization_id, post_id = payload.get("o"), payload.get("p")
    if not isinstance(organization_id, int) or not isinstance(post_id, int):
        return None
    return ImageLink(organization_id=organization_id, post_id=post_id)
