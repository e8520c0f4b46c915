"""Reads for crisis flags: the communications team's list, one flag, the conversation a
flag is raised from."""

from __future__ import annotations

from django.db.models import QuerySet

from chorus.accounts.models import Organization
from chorus.care.models import Conversation, CrisisFlag

# The list shows the open flags and this many of the latest resolved ones.
RESOLVED_SHOWN = 50


def crisis_flags(
    *, organization: Organization, resolved: bool | None = None
) -> QuerySet[CrisisFlag]:
    """The organization's flags, newest first; only open (resolved=False) or resolved ones."""
    flags = CrisisFlag.objects.filter(organization=organization).select_related(
        "raised_by__user", "resolved_by__user", "conversation"
    )
    if resolved is not None:
        flags = flags.filter(resolved_at__isnull=not resolved)
    return flags.order_by("-created_at", "-pk")


def crisis_flag_get(*, organization: Organization, flag_id: int) -> CrisisFlag | None:
    return crisis_flags(organization=organization).filter(pk=flag_id).first()


def crisis_conversation(*, organization: Organization, conversation_id: int) -> Conversation | None:
    """The conversation a flag is raised from (None when it is not the organization's)."""
    return Conversation.objects.filter(organization=organization, pk=conversation_id).first()
