"""Webhook tasks: one delivery's due attempt, and the periodic pick-up of due retries."""

from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations, runs_in_organization_of
from chorus.webhooks.models import WebhookDelivery
from chorus.webhooks.services import delivery


@task()
@runs_in_organization_of(WebhookDelivery, "delivery_id")
def webhook_deliver(delivery_id: int) -> str:
    return delivery.delivery_send(delivery_id=delivery_id)


@task()
@runs_across_organizations("due webhook retries of every organization")
def webhooks_deliver_due() -> int:
    return delivery.deliveries_due()
