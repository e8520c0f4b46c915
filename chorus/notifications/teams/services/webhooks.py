"""An organization's Teams webhooks: adding, changing, removing, testing, and posting a
message to one of them (recording how it went on the webhook)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.core.http import address_allowed
from chorus.core.validators import web_url_clean
from chorus.notifications.channels import Outcome, OutcomeStatus
from chorus.notifications.messages import Channel, Message
from chorus.notifications.models import Delivery
from chorus.notifications.services.delivery import send_test
from chorus.notifications.teams.models import WEBHOOK_CATEGORIES, TeamsWebhook
from chorus.notifications.teams.render import card_payload
from chorus.notifications.teams.transport import webhook_post

MAX_NAME = 120
# Host names that never lead to the internet.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


@dataclass(frozen=True)
class WebhookFields:
    name: str
    # The workflow's address; None keeps the stored one (editing).
    url: str | None
    categories: list[str]
    crisis_alerts: bool


def webhook_url_clean(value: str) -> str:
    """The webhook's address, if Chorus may post to it: a web address (the one validator),
    https, on a host of the internet. ValidationError with the reason otherwise. Where the
    name leads is checked again at each post (the SSRF-safe client)."""
    url = web_url_clean(value)
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise ValidationError(
            gettext_lazy(
                "A Teams webhook's address starts with https://. Copy it again from the workflow."
            ),
            code="https",
        )
    if not _public_host(parts.hostname or ""):
        raise ValidationError(
            gettext_lazy(
                "This address leads to a private or local network: Chorus posts only to "
                "webhooks on the internet."
            ),
            code="private",
        )
    return url


def _public_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return "." in host and host != "localhost" and not host.endswith(LOCAL_SUFFIXES)
    return address_allowed(host, allow_loopback=False)


def _cleaned(fields: WebhookFields, *, creating: bool) -> WebhookFields:
    errors: dict[str, list[str]] = {}
    name = " ".join(fields.name.split())
    if not name:
        errors["name"] = [_("Name the channel, as people know it in Teams.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most %(limit)s characters.") % {"limit": MAX_NAME}]
    url: str | None = None
    if fields.url is not None and (fields.url.strip() or creating):
        try:
            url = webhook_url_clean(fields.url)
        except ValidationError as error:
            errors["url"] = list(error.messages)
    chosen = set(fields.categories)
    categories = [category.value for category in WEBHOOK_CATEGORIES if category.value in chosen]
    if len(categories) != len(chosen):
        errors["categories"] = [_("Choose among new posts and the post of the day.")]
    elif not categories and not fields.crisis_alerts:
        errors["categories"] = [
            _("Choose what this channel receives: new posts, the post of the day or crisis alerts.")
        ]
    if errors:
        raise ValidationError(errors)
    return WebhookFields(
        name=name,
        url=url,
        categories=categories,
        crisis_alerts=fields.crisis_alerts,
    )


def _audit_data(webhook: TeamsWebhook) -> dict[str, object]:
    # Never the address: it is the secret. Its host says which service it is.
    return {
        "host": webhook.host,
        "categories": list(webhook.categories),
        "crisis_alerts": webhook.crisis_alerts,
    }


def webhook_create(*, membership: Membership, fields: WebhookFields) -> TeamsWebhook:
    cleaned = _cleaned(fields, creating=True)
    with transaction.atomic():
        webhook = TeamsWebhook.objects.create(
            organization=membership.organization,
            name=cleaned.name,
            url=cleaned.url or "",
            categories=cleaned.categories,
            crisis_alerts=cleaned.crisis_alerts,
            created_by=membership.user,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="teams.webhook_created",
            target=webhook,
            data=_audit_data(webhook),
        )
    return webhook


def webhook_update(
    *, membership: Membership, webhook: TeamsWebhook, fields: WebhookFields
) -> TeamsWebhook:
    """Change a webhook. A new address starts it again: its stop and errors are cleared."""
    cleaned = _cleaned(fields, creating=False)
    webhook.name = cleaned.name
    webhook.categories = cleaned.categories
    webhook.crisis_alerts = cleaned.crisis_alerts
    changed = ["name", "categories", "crisis_alerts", "updated_at"]
    address_changed = cleaned.url is not None and cleaned.url != webhook.url
    if address_changed:
        webhook.url = cleaned.url or ""
        webhook.stopped_at = None
        webhook.stop_reason = ""
        webhook.last_error = ""
        webhook.last_error_at = None
        changed += ["url", "stopped_at", "stop_reason", "last_error", "last_error_at"]
    with transaction.atomic():
        webhook.save(update_fields=changed)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="teams.webhook_changed",
            target=webhook,
            data={**_audit_data(webhook), "address_changed": address_changed},
        )
    return webhook


def webhook_delete(*, membership: Membership, webhook: TeamsWebhook) -> None:
    with transaction.atomic():
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="teams.webhook_removed",
            target=webhook,
            data=_audit_data(webhook),
        )
        webhook.delete()


def webhook_deliver(*, webhook: TeamsWebhook, message: Message) -> Outcome:
    """Post `message` to the webhook now and record how it went on the webhook: the last
    success, the last error, and a stop when Teams says the webhook is gone. A success
    after a stop (a test once the workflow is back) starts it again."""
    outcome = webhook_post(webhook.url, card_payload(message))
    webhook_record(webhook=webhook, outcome=outcome)
    return outcome


def webhook_record(*, webhook: TeamsWebhook, outcome: Outcome) -> None:
    now = timezone.now()
    if outcome.status == OutcomeStatus.SENT:
        webhook.last_success_at = now
        webhook.last_error = ""
        webhook.last_error_at = None
        webhook.stopped_at = None
        webhook.stop_reason = ""
        webhook.save(
            update_fields=[
                "last_success_at",
                "last_error",
                "last_error_at",
                "stopped_at",
                "stop_reason",
            ]
        )
        return
    webhook.last_error = outcome.error[:500]
    webhook.last_error_at = now
    fields = ["last_error", "last_error_at"]
    newly_stopped = outcome.stop and webhook.stopped_at is None
    if outcome.stop:
        webhook.stopped_at = webhook.stopped_at or now
        webhook.stop_reason = outcome.error[:500]
        fields += ["stopped_at", "stop_reason"]
    with transaction.atomic():
        webhook.save(update_fields=fields)
        if newly_stopped:
            audit_record(
                organization=webhook.organization,
                actor=None,
                action="teams.webhook_stopped",
                target=webhook,
                data={"host": webhook.host, "reason": outcome.error[:200]},
            )


def webhook_test(*, membership: Membership, webhook: TeamsWebhook) -> Delivery:
    """Post the engine's test card to the webhook now (even a stopped one: a success starts
    it again), through the delivery engine so that it shows in the delivery log. Returns
    the delivery: sent, queued again after a temporary failure, or failed."""
    was_stopped = webhook.is_stopped
    delivery = send_test(
        organization=membership.organization,
        channel=Channel.TEAMS,
        requested_by=membership,
        destination_id=str(webhook.pk),
    )
    webhook.refresh_from_db()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="teams.webhook_tested",
        target=webhook,
        data={
            "status": str(delivery.status),
            "error": delivery.error[:200],
            "resumed": was_stopped and not webhook.is_stopped,
        },
    )
    return delivery
