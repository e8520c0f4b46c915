"""Reads of an organization's webhook endpoints and their delivery log."""

from __future__ import annotations

from django.db.models import QuerySet

from chorus.accounts.models import Organization
from chorus.webhooks.models import WebhookDelivery, WebhookEndpoint

LOG_PAGE = 50


def endpoints_of(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=organization).order_by("created_at", "id")


def endpoint_of(*, organization: Organization, endpoint_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(organization=organization, pk=endpoint_id).first()


def deliveries_of(
    *, endpoint: WebhookEndpoint, status: str = "", before_id: int | None = None
) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first, LOG_PAGE at most."""
    rows = WebhookDelivery.objects.filter(
        organization_id=endpoint.organization_id, endpoint=endpoint
    ).order_by("-id")
    if status:
        rows = rows.filter(status=status)
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    return list(rows[:LOG_PAGE])


def delivery_of(
    *, organization: Organization, endpoint_id: int, delivery_id: int
) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(
            organization=organization, endpoint_id=endpoint_id, pk=delivery_id
        )
        .select_related("endpoint")
        .first()
    )
