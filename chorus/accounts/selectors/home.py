"""Invitations on the admins' home (chorus/home.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from chorus.accounts.models import Invitation, Organization


@dataclass(frozen=True)
class InvitationCounts:
    # Sent, not accepted yet, still valid.
    pending: int
    # Never accepted and no longer valid: resend them or let them go.
    expired: int

    def __bool__(self) -> bool:
        return bool(self.pending or self.expired)


def invitation_counts(
    *, organization: Organization, now: datetime | None = None
) -> InvitationCounts:
    """Open invitations, still valid or expired (one query; as invitation_list's statuses)."""
    now = now or timezone.now()
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    counts = Invitation.objects.filter(organization=organization).aggregate(
        pending=Count("pk", filter=open_ & Q(expires_at__gt=now)),
        expired=Count("pk", filter=open_ & Q(expires_at__lte=now)),
    )
    return InvitationCounts(pending=int(counts["pending"]), expired=int(counts["expired"]))
