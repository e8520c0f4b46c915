"""Reads of the audit log, each taking the organization."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from chorus.accounts.models import (
    Membership,
    Organization,
)
from chorus.core.models import AuditEvent


def audit_event_list(
    *,
    organization: Organization,
    action: str = "",
    actor: str = "",
    target: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The organization's audit events, newest first; both dates are inclusive."""
    events = AuditEvent.objects.filter(organization=organization)
    if action:
        events = events.filter(action=action)
    if actor.strip():
        events = events.filter(actor_label__icontains=actor.strip())
    if target.strip():
        events = events.filter(target_label__icontains=target.strip())
    if date_from is not None:
        events = events.filter(created_at__date__gte=date_from)
    if date_to is not None:
        events = events.filter(created_at__date__lte=date_to)
    return events.order_by("-created_at", "-id")


def audit_actions(*, organization: Organization) -> list[str]:
    """The distinct actions present in the organization's log, for the filter."""
    return list(
        AuditEvent.objects.filter(organization=organization)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_events_about_member(
    *, organization: Organization, membership: Membership, limit: int = 20
) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            organization=organization,
            target_type=Membership._meta.model_name,
            target_id=str(membership.pk),
        ).order_by("-created_at", "-id")[:limit]
    )
