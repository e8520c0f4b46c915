"""What the home page asks the community app: invitations to spaces waiting for an answer."""

from __future__ import annotations

from chorus.accounts.models import Membership, Organization
from chorus.community.models import InvitationState, SpaceInvitation


def invitations_waiting(
    *, organization: Organization, membership: Membership, limit: int = 3
) -> list[SpaceInvitation]:
    """The member's pending invitations to spaces, newest first (one query)."""
    return list(
        SpaceInvitation.objects.filter(
            organization=organization,
            membership=membership,
            state=InvitationState.PENDING,
            space__archived_at__isnull=True,
        )
        .select_related("space")
        .order_by("-created_at", "-id")[:limit]
    )
