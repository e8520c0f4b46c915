"""Escalation: handing a whole conversation to the organization's official support team,
by email (HTML and text) and/or a signed webhook (Standard Webhooks), each retried with
back-off until delivered. The member who sent it to care and the assignee are told it was
handed over.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks import Webhook

from chorus.accounts.models import Membership
from chorus.care.access import is_care_staff
from chorus.care.models import (
    Conversation,
    ConversationStatus,
    EscalationChannel,
    EscalationDelivery,
    Message,
    MessageDirection,
)
from chorus.care.services.replies import conversation_url
from chorus.care.services.targets import care_settings_for
from chorus.core.audit import audit_record
from chorus.core.http import SafeTransport
from chorus.notifications.services.notifications import notification_create

logger = logging.getLogger(__name__)

MAX_NOTE = 2000
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)
WEBHOOK_TIMEOUT = 10.0
EVENT_TYPE = "care.conversation.escalated"


def backoff(attempts: int) -> timedelta:
    seconds = BACKOFF_BASE.total_seconds() * 2.0 ** max(attempts - 1, 0)
    seconds = min(seconds, BACKOFF_MAX.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _absolute(path: str) -> str:
    base = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}" if base else path


def _author(message: Message) -> str:
    if message.direction == MessageDirection.REPLY and message.membership is not None:
        user = message.membership.user
        return user.get_full_name() or user.email
    return message.author_handle or message.author_name


def escalation_payload(*, conversation: Conversation) -> dict[str, Any]:
    """What the support team receives: the case and its whole public thread (internal
    notes stay inside Chorus)."""
    messages = (
        Message.objects.filter(
            organization_id=conversation.organization_id, conversation=conversation
        )
        .exclude(direction=MessageDirection.NOTE)
        .select_related("membership__user")
        .order_by("posted_at", "id")
    )
    escalated_by = conversation.assignee
    return {
        "id": conversation.pk,
        "url": _absolute(conversation_url(conversation.pk)),
        "network": conversation.network,
        "subject": conversation.subject,
        "customer": {
            "handle": conversation.customer_handle,
            "name": conversation.customer_name,
            "url": conversation.customer_url,
        },
        "priority": conversation.priority,
        "language": conversation.language,
        "opened_at": conversation.opened_at.isoformat(),
        "escalated_at": conversation.escalated_at.isoformat()
        if conversation.escalated_at
        else None,
        "note": conversation.escalation_note,
        "assignee": escalated_by.user.email if escalated_by is not None else None,
        "thread": [
            {
                "direction": "customer"
                if message.direction == MessageDirection.CUSTOMER
                else "reply",
                "author": _author(message),
                "text": message.text,
                "url": message.remote_url,
                "posted_at": message.posted_at.isoformat(),
            }
            for message in messages
        ],
    }


def conversation_escalate(
    *, conversation: Conversation, membership: Membership, note: str = ""
) -> Conversation:
    """Hand the conversation to the support team (the assignee or care staff). Refused with
    a clear message when the organization set no email or webhook for it."""
    if conversation.organization_id != membership.organization_id:
        raise PermissionDenied("Not your organization's conversation.")
    if conversation.assignee_id != membership.pk and not is_care_staff(membership):
        raise PermissionDenied("Only the assignee and the care team escalate a conversation.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {"note": [_("A note has at most %(max)s characters.") % {"max": MAX_NOTE}]}
        )
    found = care_settings_for(organization=conversation.organization)
    channels = []
    if found.escalation_email:
        channels.append(EscalationChannel.EMAIL)
    if found.escalation_webhook_url:
        channels.append(EscalationChannel.WEBHOOK)
    if not channels:
        raise ValidationError(
            _(
                "No support team is set up to take escalations: an admin adds its email "
                "address or webhook in the care settings."
            )
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.status == ConversationStatus.ESCALATED:
            raise ValidationError(_("This conversation was already handed to the support team."))
        locked.status = ConversationStatus.ESCALATED
        locked.escalated_at = now
        locked.escalation_note = note
        locked.escalation_error = ""
        locked.save(
            update_fields=[
                "status",
                "escalated_at",
                "escalation_note",
                "escalation_error",
                "updated_at",
            ]
        )
        message_id = f"care-escalation-{locked.pk}-{int(now.timestamp())}"
        for channel in channels:
            EscalationDelivery.objects.create(
                organization_id=locked.organization_id,
                conversation=locked,
                channel=channel,
                message_id=message_id,
                next_attempt_at=now,
            )
        audit_record(
            organization=locked.organization,
            actor=membership.user,
            action="care.conversation_escalated",
            target=locked,
            data={"channels": list(channels), "note": note[:200]},
        )
        told = {locked.created_by_id, locked.assignee_id} - {None, membership.pk}
        for member in Membership.objects.filter(pk__in=told).select_related("user"):
            notification_create(
                membership=member,
                kind="care_escalated",
                message=gettext_lazy(
                    "The conversation with %(customer)s was handed over to the support team."
                ),
                params={"customer": locked.customer_handle or locked.subject},
                url=conversation_url(locked.pk),
            )
        conversation_id = locked.pk
        transaction.on_commit(lambda: enqueue_deliver(conversation_id))
    return locked


def enqueue_deliver(conversation_id: int) -> None:
    from chorus.care.tasks import care_escalation_deliver

    care_escalation_deliver.enqueue(conversation_id=conversation_id)


def _send_email(conversation: Conversation, address: str, payload: dict[str, Any]) -> None:
    context = {"conversation": conversation, "case": payload}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Escalated to you: %(customer)s on %(network)s") % {
            "customer": conversation.customer_handle or conversation.subject,
            "network": conversation.network or _("a form"),
        }
        body = render_to_string("care/email/escalation.txt", context)
        html = render_to_string("care/email/escalation.html", context)
    message = EmailMultiAlternatives(subject, body, None, [address])
    message.attach_alternative(html, "text/html")
    message.send()


def _post_webhook(
    url: str, secret: str, message_id: str, sent_at: datetime, payload: dict[str, Any]
) -> None:
    if not secret:
        raise ValueError(_("The support team's webhook has no signing secret."))
    body = json.dumps(
        {"type": EVENT_TYPE, "timestamp": sent_at.isoformat(), "data": payload},
        separators=(",", ":"),
    )
    signature = Webhook(secret).sign(message_id, sent_at, body)
    headers = {
        "content-type": "application/json",
        "user-agent": settings.HTTP_USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    with httpx.Client(
        transport=SafeTransport(allow_loopback=settings.HTTP_ALLOW_LOOPBACK),
        timeout=httpx.Timeout(WEBHOOK_TIMEOUT),
        follow_redirects=False,
        trust_env=False,
    ) as client:
        response = client.post(url, content=body.encode(), headers=headers)
    if not 200 <= response.status_code < 300:
        raise ValueError(
            _("the support team's webhook answered %(status)s") % {"status": response.status_code}
        )


def _error_text(error: Exception) -> str:
    if isinstance(error, httpx.ConnectError) and "BLOCKED:" in str(error):
        return _("the webhook's address points to a private or local network")
    if isinstance(error, httpx.TimeoutException):
        return _("the support team's webhook timed out")
    if isinstance(error, httpx.HTTPError):
        return _("the support team's webhook could not be reached")
    if isinstance(error, OSError):
        return _("the email could not be sent")
    return str(error)[:300] or type(error).__name__


def escalation_deliver_run(*, conversation_id: int) -> dict[str, str]:
    """Deliver the conversation's due escalations (email, webhook); one that fails is
    tried again later with back-off, and the error shown on the conversation."""
    now = timezone.now()
    outcomes: dict[str, str] = {}
    deliveries = list(
        EscalationDelivery.objects.filter(
            conversation_id=conversation_id,
            delivered_at__isnull=True,
            next_attempt_at__lte=now,
        )
    )
    for delivery in deliveries:
        outcomes[delivery.channel] = _deliver(delivery.pk)
    errors = list(
        EscalationDelivery.objects.filter(
            conversation_id=conversation_id, delivered_at__isnull=True
        )
        .exclude(error="")
        .values_list("error", flat=True)
    )
    Conversation.objects.filter(pk=conversation_id).update(
        escalation_error="; ".join(errors)[:500], updated_at=timezone.now()
    )
    return outcomes


def _deliver(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = (
            EscalationDelivery.objects.select_for_update()
            .filter(pk=delivery_id, delivered_at__isnull=True)
            .first()
        )
        if delivery is None:
            return "done"
        now = timezone.now()
        if delivery.next_attempt_at is None or delivery.next_attempt_at > now:
            return "not due"
        delivery.attempts += 1
        # Claimed for this try: a parallel run leaves it alone meanwhile.
        delivery.next_attempt_at = now + timedelta(minutes=5)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    conversation = Conversation.objects.select_related("organization", "assignee__user").get(
        pk=delivery.conversation_id
    )
    found = care_settings_for(organization=conversation.organization)
    payload = escalation_payload(conversation=conversation)
    try:
        if delivery.channel == EscalationChannel.EMAIL:
            if not found.escalation_email:
                raise ValueError(_("no support team's email address is set any more"))
            _send_email(conversation, found.escalation_email, payload)
        else:
            if not found.escalation_webhook_url:
                raise ValueError(_("no support team's webhook is set any more"))
            _post_webhook(
                found.escalation_webhook_url,
                found.escalation_webhook_secret,
                delivery.message_id,
                timezone.now(),
                payload,
            )
    except Exception as error:
        if not isinstance(error, (ValueError, OSError, httpx.HTTPError)):
            logger.exception("Escalating conversation %s failed", conversation.pk)
        message = _error_text(error)
        delivery.error = message[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        delivery.save(update_fields=["error", "next_attempt_at"])
        return "failed" if delivery.next_attempt_at is None else "retry"
    delivery.delivered_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.error = ""
    delivery.save(update_fields=["delivered_at", "next_attempt_at", "error"])
    return "delivered"


def escalations_deliver_due(*, batch_size: int = 200) -> int:
    """Every minute: conversations with an escalation whose (re)try time came."""
    now = timezone.now()
    conversation_ids = list(
        EscalationDelivery.objects.filter(Q(delivered_at__isnull=True), next_attempt_at__lte=now)
        .order_by()
        .values_list("conversation_id", flat=True)
        .distinct()[:batch_size]
    )
    for conversation_id in dict.fromkeys(conversation_ids):
        enqueue_deliver(conversation_id)
    return len(conversation_ids)
