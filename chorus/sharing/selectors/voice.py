"""A member's own earlier captions: examples of their voice for caption suggestions."""

from __future__ import annotations

from chorus.accounts.models import Membership
from chorus.sharing.models import Share, ShareStatus


def recent_captions(*, membership: Membership, limit: int = 3) -> list[str]:
    """The member's latest distinct captions of shares that went out, newest first."""
    texts = (
        Share.objects.filter(membership=membership, status=ShareStatus.SHARED)
        .exclude(text="")
        .order_by("-created_at", "-pk")
        .values_list("text", flat=True)[: limit * 4]
    )
    return list(dict.fromkeys(texts))[:limit]
