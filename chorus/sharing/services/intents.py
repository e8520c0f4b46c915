"""Sharing through a network's own share page (an intent link): no API keys, no tokens.

Chorus cannot see what the member finally posts there, so it records the share when the
member opens the link (OPENED, with the exact text sent), and the member marks it done
(SHARED) or undoes it (UNDONE).

An edited text that breaks a rule goes to an approver instead when the organization says
so (IN_REVIEW, see services.review); once approved (APPROVED) the member opens it with
exactly the approved text, and it carries on as any opened share.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.content.models import Post, PostState
from chorus.core.audit import audit_record
from chorus.links.services.links import link_mint, short_url
from chorus.networks.registry import CHANNELS, adapter
from chorus.sharing.compose import offered_fingerprint, share_check, text_fingerprint
from chorus.sharing.models import NetworkSettings, Share, ShareMethod, ShareStatus
from chorus.sharing.services.events import share_emit
from chorus.sharing.services.review import review_reasons, share_goes_to_review
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_require


@dataclass(frozen=True)
class OpenedShare:
    share: Share
    # Where to send the member: the network's share page with the text (and link).
    # Empty when the text went to an approver instead (the share is IN_REVIEW).
    intent_url: str

    @property
    def in_review(self) -> bool:
        return self.share.status == ShareStatus.IN_REVIEW


def _check_can_share(*, post: Post, membership: Membership, network: str) -> None:
    if network not in CHANNELS:
        raise ValidationError(_("Unknown network: %(network)s.") % {"network": network})
    if not membership.is_advocate:
        raise PermissionDenied(_("Join the advocacy program to share."))
    if post.organization_id != membership.organization_id:
        raise PermissionDenied(_("That member cannot share this post."))
    if NetworkSettings.objects.filter(
        organization_id=post.organization_id, network=network, sharing_enabled=False
    ).exists():
        raise ValidationError(_("Your organization does not share to this network."))
    # A missing certification (or policy) refuses with why and the link that fixes it.
    gate_require(membership=membership, action=GateAction.SHARE, network=network, post=post)


def share_intent_open(
    *, post: Post, membership: Membership, network: str, text: str, instance: str = ""
) -> OpenedShare:
    """Record an intent share of `text` (OPENED) and build the network's share link.

    The caller must have checked that the post is in the member's feed. Raises
    ValidationError (with the reasons) when the text breaks a blocking rule, or when the
    network needs the member's server (Mastodon) and `instance` is not one. When the
    organization routes such texts to an approver, the share is kept IN_REVIEW instead
    and no link is built (`OpenedShare.in_review`).
    """
    _check_can_share(post=post, membership=membership, network=network)
    verdict = share_check(post=post, network=network, text=text)
    in_review = verdict.blocked
    if in_review and not share_goes_to_review(post=post, verdict=verdict, edited=True):
        raise ValidationError(verdict.messages)
    sent = verdict.text  # with the disclosure, when the organization appends one
    fingerprint = text_fingerprint(sent)
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
            status=ShareStatus.IN_REVIEW if in_review else ShareStatus.OPENED,
            text=sent,
            text_hash=fingerprint,
            caption_edited=fingerprint != offered_fingerprint(post=post, network=network),
            link=link,
            review_reasons=review_reasons(verdict) if in_review else "",
        )
        share_emit(share=share, event_type="share.created")
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="share.sent_to_review" if in_review else "share.opened",
            target=share,
            data={"post": post.pk, "network": network}
            | ({"reasons": share.review_reasons} if in_review else {}),
        )
    return OpenedShare(share=share, intent_url="" if in_review else intent_url)


def share_approved_open(*, share: Share, membership: Membership, instance: str = "") -> OpenedShare:
    """The member opens an approved intent share: exactly the approved text, then OPENED.

    Raises ValidationError when the share is not (any more) approved and waiting, when
    the member or the post cannot share any more, or when `instance` is needed and bad.
    """
    _own_intent_share(share, membership)
    with transaction.atomic():
        locked = Share.objects.select_for_update().filter(pk=share.pk).first()
        if locked is None or locked.status != ShareStatus.APPROVED:
            raise ValidationError(_("Only an approved share can be opened."))
        if not membership.is_advocate:
            raise ValidationError(_("Join the advocacy program to share."))
        if locked.post.state != PostState.LIVE:
            raise ValidationError(_("This post is no longer live."))
        gate_require(
            membership=membership,
            action=GateAction.SHARE,
            network=locked.network,
            post=locked.post,
        )
        tracked = short_url(locked.link) if locked.link is not None else ""
        try:
            intent_url = adapter(locked.network).intent_url(locked.text, tracked, instance=instance)
        except ValueError as error:
            raise ValidationError(str(error)) from error
        locked.status = ShareStatus.OPENED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="share.opened",
            target=locked,
            data={"post": locked.post_id, "network": locked.network, "approved": True},
        )
    return OpenedShare(share=locked, intent_url=intent_url)


def _own_intent_share(share: Share, membership: Membership) -> None:
    if share.membership_id != membership.pk or share.method != ShareMethod.INTENT:
        raise PermissionDenied(_("Only your own shares through a share link can be changed."))


def share_intent_done(*, share: Share, membership: Membership) -> Share:
    """The member confirms they posted it (from OPENED; doing it twice changes nothing)."""
    _own_intent_share(share, membership)
    if share.status == ShareStatus.SHARED:
        return share
    if share.status != ShareStatus.OPENED:
        raise ValidationError(_("Only an opened share can be marked as done."))
    share.status = ShareStatus.SHARED
    share.shared_at = timezone.now()
    share.save(update_fields=["status", "shared_at", "updated_at"])
    share_emit(share=share, event_type="share.confirmed")
    return share


def share_intent_undo(*, share: Share, membership: Membership) -> Share:
    """The member did not post it after all, or deleted it: it no longer counts."""
    _own_intent_share(share, membership)
    if share.status == ShareStatus.UNDONE:
        return share
    if share.status not in (ShareStatus.OPENED, ShareStatus.SHARED):
        raise ValidationError(_("This share cannot be undone."))
    share.status = ShareStatus.UNDONE
    share.save(update_fields=["status", "updated_at"])
    return share
