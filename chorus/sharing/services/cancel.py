"""Stopping what would otherwise be published in a member's name.

Called when a post is withdrawn, a member leaves the program or is deactivated, loses a
required certification, or disconnects an account. Only shares still waiting are
cancelled (SCHEDULED, waiting for an approver, approved but not yet opened): one being
published right now finishes, and what was published stays (it is the member's post on
their own profile).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.content.models import Post
from chorus.core.audit import audit_record
from chorus.sharing.models import AutoShare, NetworkConnection, Share, ShareStatus

WAITING = (ShareStatus.SCHEDULED, ShareStatus.IN_REVIEW, ShareStatus.APPROVED)


def _cancel(shares: QuerySet[Share], *, reason: str) -> int:
    return shares.filter(status__in=WAITING).update(
        status=ShareStatus.CANCELLED,
        cancel_reason=reason[:300],
        next_attempt_at=None,
        updated_at=timezone.now(),
    )


def shares_cancel_for_post(*, post: Post, reason: str = "The post was withdrawn.") -> int:
    """Cancel every member's pending shares of a withdrawn post. Returns how many."""
    return _cancel(Share.objects.filter(post=post), reason=reason)


def shares_cancel_for_member(
    *, membership: Membership, reason: str = "You left the advocacy program."
) -> int:
    """Cancel a member's pending shares and stop their auto-share. Returns how many shares."""
    with transaction.atomic():
        cancelled = _cancel(Share.objects.filter(membership=membership), reason=reason)
        stopped = AutoShare.objects.filter(membership=membership, is_active=True).update(
            is_active=False
        )
        if cancelled or stopped:
            audit_record(
                organization=membership.organization,
                actor=None,
                action="shares.cancelled",
                target=membership,
                data={"reason": reason, "shares": cancelled, "auto_share_stopped": bool(stopped)},
            )
    return cancelled


def shares_cancel_for_connection(
    *, connection: NetworkConnection, reason: str = "You disconnected this account."
) -> int:
    """Cancel a member's pending API shares on the network of a connection they removed."""
    return _cancel(
        Share.objects.filter(
            membership_id=connection.membership_id, network=connection.network, method="api"
        ),
        reason=reason,
    )


def shares_cancel_chosen(*, shares: QuerySet[Share], reason: str) -> int:
    """Cancel the chosen shares that are still waiting (an admin's choice, as when resuming
    after a sharing pause). `reason` is stored for the member: write it in their language."""
    return _cancel(shares, reason=reason)
