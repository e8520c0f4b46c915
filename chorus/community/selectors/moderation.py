"""The moderation queue: messages with open reports, in the spaces the member moderates."""

from __future__ import annotations

from dataclasses import dataclass

from chorus.accounts.models import Membership, Organization
from chorus.community.access import moderates_every_space
from chorus.community.models import Message, Report, SpaceMember, SpaceRole


@dataclass(frozen=True)
class QueueItem:
    message: Message
    reports: list[Report]


def moderated_space_ids(*, organization: Organization, membership: Membership) -> list[int] | None:
    """The spaces the member moderates: None means every space."""
    if moderates_every_space(membership):
        return None
    return list(
        SpaceMember.objects.filter(
            organization=organization, membership=membership, role=SpaceRole.MODERATOR
        ).values_list("space_id", flat=True)
    )


def moderation_queue(
    *, organization: Organization, membership: Membership, limit: int = 100
) -> list[QueueItem]:
    """Reported messages waiting for a decision, oldest report first."""
    spaces = moderated_space_ids(organization=organization, membership=membership)
    reports = Report.objects.filter(organization=organization, resolved_at__isnull=True)
    if spaces is not None:
        reports = reports.filter(message__thread__space_id__in=spaces)
    rows = list(
        reports.select_related(
            "reporter__user", "message__author__user", "message__thread__space"
        ).order_by("created_at", "id")[: limit * 5]
    )
    items: dict[int, QueueItem] = {}
    for report in rows:
        item = items.setdefault(report.message_id, QueueItem(report.message, []))
        item.reports.append(report)
    return list(items.values())[:limit]


def is_moderator_anywhere(*, organization: Organization, membership: Membership) -> bool:
    spaces = moderated_space_ids(organization=organization, membership=membership)
    return spaces is None or bool(spaces)
