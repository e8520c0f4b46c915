"""Signed share links: a button in a message that opens a post's share dialog.

The token names the member and the post (and a network, if the message chose one) and
expires after 14 days. It only ever opens the dialog: the member still chooses, edits and
shares themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
    return settings.SITE_URL + reverse("reach_share", args=[token])


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
