"""Microsoft Teams as an organization channel of the delivery engine: it posts to the
organization's Teams channels through their Workflows webhooks (see `channels.py`)."""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext as _

from chorus.accounts.models import Organization
from chorus.core.tenancy import in_organization
from chorus.notifications.channels import Destination, Outcome
from chorus.notifications.messages import Category, Channel, Message
from chorus.notifications.teams.selectors.webhooks import (
    webhook_get,
    webhooks_for,
    webhooks_receiving,
)
from chorus.notifications.teams.services.webhooks import webhook_deliver


class TeamsChannels:
    """Destinations are the webhooks that receive a category and are not stopped; posting
    one message is one POST of its Adaptive Card (the outcome mapped in `transport.py`)."""

    name: ClassVar[str] = Channel.TEAMS

    def destinations(self, *, organization: Organization, category: str) -> list[Destination]:
        with in_organization(organization):
            if category == Category.TEST:
                webhooks = list(
                    webhooks_for(organization=organization).filter(stopped_at__isnull=True)
                )
            else:
                webhooks = webhooks_receiving(organization=organization, category=category)
        return [Destination(id=str(webhook.pk), label=webhook.name) for webhook in webhooks]

    def post(self, *, organization: Organization, destination_id: str, message: Message) -> Outcome:
        if not (destination_id.isascii() and destination_id.isdigit() and len(destination_id) < 19):
            return Outcome.failed(_("This Teams channel was removed."))
        with in_organization(organization):
            webhook = webhook_get(organization=organization, webhook_id=int(destination_id))
            if webhook is None:
                return Outcome.failed(_("This Teams channel was removed."))
            if webhook.is_stopped and message.category != Category.TEST:
                return Outcome.failed(
                    _("Posting to this Teams channel is stopped: %(reason)s")
                    % {"reason": webhook.stop_reason}
                )
            return webhook_deliver(webhook=webhook, message=message)
