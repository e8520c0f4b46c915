"""Sharing through a network's own share page (an intent link): no API keys, no tokens.

Chorus cannot see what the member finally posts there, so it records the share when the
member opens the link (OPENED, with the exact text sent), and the member marks it done
(SHARED) or undoes it (UNDONE).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.content.models import Post
from chorus.core.audit import audit_record
from chorus.links.services import link_mint, short_url
from chorus.networks.registry import CHANNELS, adapter
from chorus.sharing.compose import share_check
from chorus.sharing.models import NetworkSettings, Share, ShareMethod, ShareStatus


@dataclass(frozen=True)
class OpenedShare:
    share: Share
    # Where to send the member: the network's share page with the text (and link).
    intent_url: str


def _check_can_share(*, post: Post, membership: Membership, network: str) -> None:
    if network not in CHANNELS:
        raise ValidationError(f"Unknown network: {network}.")
    if not membership.is_advocate:
        raise PermissionDenied("Join the advocacy program to share.")
    if post.organization_id != membership.organization_id:
        raise PermissionDenied("That member cannot share this post.")
    if NetworkSettings.objects.filter(
        organization_id=post.organization_id, network=network, sharing_enabled=False
    ).exists():
        raise ValidationError("Your organization does not share to this network.")


def share_intent_open(
    *, post: Post, membership: Membership, network: str, text: str, instance: str = ""
) -> OpenedShare:
    """Record an intent share of `text` (OPENED) and build the network's share link.

    The caller must have checked that the post is in the member's feed. Raises
    ValidationError (with the reasons) when the text breaks a blocking rule, or when the
    network needs the member's server (Mastodon) and `instance` is not one.
    """
    _check_can_share(post=post, membership=membership, network=network)
    verdict = share_check(post=post, network=network, text=text)
    if verdict.blocked:
        raise ValidationError(verdict.messages)
    sent = verdict.text  # with the disclosure, when the organization appends one
    link = link_mint(post=post, membership=membership, network=network) if post.link_url else None
    tracked = short_url(link) if link is not None else ""
    try:
        intent_url = adapter(network).intent_url(sent, tracked, instance=instance)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        share = Share.objects.create(
            organization_id=post.organization_id,
            membership=membership,
            post=post,
            network=network,
            method=ShareMethod.INTENT,
            status=ShareStatus.OPENED,
            text=sent,
            link=link,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="share.opened",
            target=share,
            data={"post": post.pk, "network": network},
        )
    return OpenedShare(share=share, intent_url=intent_url)


def _own_intent_share(share: Share, membership: Membership) -> None:
    if share.membership_id != membership.pk or share.method != ShareMethod.INTENT:
        raise PermissionDenied("Only your own shares through a share link can be changed.")


def share_intent_done(*, share: Share, membership: Membership) -> Share:
    """The member confirms they posted it (from OPENED; doing it twice changes nothing)."""
    _own_intent_share(share, membership)
    if share.status == ShareStatus.SHARED:
        return share
    if share.status != ShareStatus.OPENED:
        raise ValidationError("Only an opened share can be marked as done.")
    share.status = ShareStatus.SHARED
    share.shared_at = timezone.now()
    share.save(update_fields=["status", "shared_at", "updated_at"])
    return share


def share_intent_undo(*, share: Share, membership: Membership) -> Share:
    """The member did not post it after all, or deleted it: it no longer counts."""
    _own_intent_share(share, membership)
    if share.status == ShareStatus.UNDONE:
        return share
    if share.status not in (ShareStatus.OPENED, ShareStatus.SHARED):
        raise ValidationError("This share cannot be undone.")
    share.status = ShareStatus.UNDONE
    share.save(update_fields=["status", "updated_at"])
    return share
