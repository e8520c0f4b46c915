"""Reading approved replies: the organization's list, one by id, and the ones a
conversation's composer offers first (its language and tags)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from chorus.accounts.models import Organization
from chorus.care.models import Conversation, ReplyTemplate


def templates_of_organization(
    *, organization: Organization, active_only: bool = False
) -> QuerySet[ReplyTemplate]:
    found = ReplyTemplate.objects.filter(organization=organization).prefetch_related("tags")
    if active_only:
        found = found.filter(is_active=True)
    return found.order_by("name", "id")


def template_of_organization(
    *, organization: Organization, template_id: int
) -> ReplyTemplate | None:
    return (
        ReplyTemplate.objects.filter(organization=organization, pk=template_id)
        .prefetch_related("tags")
        .first()
    )


def templates_for_conversation(*, conversation: Conversation) -> list[ReplyTemplate]:
    """The active templates, those matching the conversation first: its language (or no
    language), then the most tags in common, then by name. Another language comes last."""
    tag_ids = list(conversation.tags.values_list("pk", flat=True))
    found = (
        templates_of_organization(organization=conversation.organization, active_only=True)
        .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids), distinct=True))
        .order_by()
    )
    language = (conversation.language or "").lower()

    def rank(template: ReplyTemplate) -> tuple[int, int, str, int]:
        template_language = template.language.lower()
        if language and template_language == language:
            language_rank = 0
        elif not template_language:
            language_rank = 1
        else:
            language_rank = 2
        shared = int(getattr(template, "shared_tags", 0))
        return (language_rank, -shared, template.name.lower(), template.pk)

    return sorted(found, key=rank)
