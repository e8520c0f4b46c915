"""Crisis alerts in Teams: a message posted at once to the channels an admin chose for
them (a private channel of the communications team), outside the delivery engine's
categories, caps and quiet hours, since a crisis does not wait for the morning.

Care's crisis flag calls `teams_crisis_alert`; it posts once to each webhook, now (no queue
and no retry: whoever calls it may call it again). Failures are recorded on the webhook as for
any post; a webhook Teams says is gone is stopped, and the admins are told in the app (the
engine tells them for its own posts).
"""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chorus.accounts.models import Membership, Organization
from chorus.core.tenancy import in_organization
from chorus.notifications.channels import OutcomeStatus
from chorus.notifications.messages import Message
from chorus.notifications.services.notifications import NotificationDraft, notifications_create_many
from chorus.notifications.teams.selectors.webhooks import webhooks_for_crisis
from chorus.notifications.teams.services.webhooks import webhook_deliver

logger = logging.getLogger(__name__)

STOPPED_KIND = "teams_webhook_stopped"


def teams_crisis_alert(*, organization: Organization, message: Message) -> int:
    """Post `message` to every webhook of the organization with crisis alerts on and not
    stopped; returns how many Teams accepted. Never raises: Teams being down must not stop
    the flag."""
    accepted = 0
    with in_organization(organization):
        for webhook in webhooks_for_crisis(organization=organization):
            try:
                outcome = webhook_deliver(webhook=webhook, message=message)
            except Exception:
                # Never fails the crisis flag that called it: the next webhook still gets it.
                logger.exception("A crisis alert to Teams failed")
                continue
            if outcome.status == OutcomeStatus.SENT:
                accepted += 1
            elif outcome.stop:
                _tell_admins(organization=organization, name=webhook.name, reason=outcome.error)
    return accepted


def _tell_admins(*, organization: Organization, name: str, reason: str) -> None:
    admins = Membership.objects.filter(
        organization=organization, is_admin=True, is_active=True
    ).select_related("user")
    notifications_create_many(
        drafts=[
            NotificationDraft(
                membership=admin,
                kind=STOPPED_KIND,
                message=_(
                    "Chorus stopped posting crisis alerts to the Teams channel “%(name)s”: "
                    "%(reason)s"
                ),
                params={"name": name, "reason": reason},
                url=reverse("teams_webhooks"),
            )
            for admin in admins
        ]
    )
