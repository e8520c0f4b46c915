"""Reads of an organization's Teams webhooks, each taking the organization."""

from __future__ import annotations

from django.db.models import QuerySet

from chorus.accounts.models import Organization
from chorus.notifications.teams.models import TeamsWebhook


def webhooks_for(*, organization: Organization) -> QuerySet[TeamsWebhook]:
    return TeamsWebhook.objects.filter(organization=organization)


def webhook_get(*, organization: Organization, webhook_id: int) -> TeamsWebhook | None:
    return TeamsWebhook.objects.filter(organization=organization, pk=webhook_id).first()


def webhooks_receiving(*, organization: Organization, category: str) -> list[TeamsWebhook]:
    """The webhooks that receive `category` and are not stopped (an organization has a
    handful: the categories are read here rather than in SQL, which SQLite's JSON lacks)."""
    running = TeamsWebhook.objects.filter(organization=organization, stopped_at__isnull=True)
    return [webhook for webhook in running if webhook.receives(category)]


def webhooks_for_crisis(*, organization: Organization) -> list[TeamsWebhook]:
    return list(
        TeamsWebhook.objects.filter(
            organization=organization, crisis_alerts=True, stopped_at__isnull=True
        )
    )
