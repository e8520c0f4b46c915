"""What the home page shows an agent: the conversations waiting for their answer."""

from __future__ import annotations

from chorus.accounts.models import Membership
from chorus.care.models import Conversation, ConversationStatus
from chorus.core.waiting import Waiting, waiting

SHOWN = 3


def conversations_waiting(*, membership: Membership, limit: int = SHOWN) -> Waiting[Conversation]:
    """Conversations assigned to the member that still need their answer, the most urgent
    target first (two queries)."""
    rows = Conversation.objects.filter(
        organization_id=membership.organization_id,
        assignee_id=membership.pk,
        status=ConversationStatus.ASSIGNED,
    ).order_by("first_response_due", "pk")
    return waiting(rows, limit=limit)


def is_care_agent(*, membership: Membership) -> bool:
    return membership.answers_customers
