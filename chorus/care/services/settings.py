"""An organization's care settings, changed by its admins: the targets per priority, when
to warn before one is missed, how long a claim lasts, where escalations go (the support
team's email and signed webhook) and whose own words need no approver.

Changing a target moves the due times of the conversations still open (one UPDATE per
priority), so the inbox and the breach warnings measure them against what holds now.
The inbound webhook's key and secret belong to the sources page, not here.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext

from chorus.accounts.models import Organization, User
from chorus.care.models import CareSettings, Conversation, ConversationStatus, Priority
from chorus.care.models.settings import first_response_targets, resolution_targets
from chorus.care.services.targets import care_settings_for
from chorus.core.audit import audit_record
from chorus.core.validators import web_url_clean
from chorus.training.models import Certification

# A target is at most a year; warnings and claims at most a day.
MAX_TARGET_MINUTES = 525_600
MAX_WARN_MINUTES = 1440
MAX_CLAIM_MINUTES = 1440
# Conversations whose clock still runs: not closed, not handed to the support team.
RUNNING = Q(resolved_at__isnull=True) & ~Q(
    status__in=[ConversationStatus.CLOSED, ConversationStatus.ESCALATED]
)
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class SettingsChange:
    """What an update did: the settings, and a new webhook secret to show once (or "")."""

    settings: CareSettings
    new_secret: str = ""
    conversations_moved: int = 0


def webhook_secret_new() -> str:
    """A Standard Webhooks signing secret: "whsec_" and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _whole(value: Any, *, low: int, high: int) -> int | None:
    """The value as an int in [low, high] (a digit string is taken too), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def _range_message(low: int, high: int) -> str:
    return gettext("Enter a whole number of minutes from %(low)s to %(high)s.") % {
        "low": f"{low:,}",
        "high": f"{high:,}",
    }


def _targets(
    kind: str,
    given: Mapping[str, Any] | None,
    current: dict[str, int],
    errors: dict[str, list[str]],
) -> dict[str, int]:
    """Minutes per priority; a priority not given keeps its current value."""
    wanted = dict(current)
    for priority, value in (given or {}).items():
        if priority not in Priority.values:
            errors.setdefault(kind, []).append(
                gettext("%(priority)s is not a priority; the priorities are %(priorities)s.")
                % {"priority": repr(priority), "priorities": ", ".join(Priority.values)}
            )
            continue
        minutes = _whole(value, low=1, high=MAX_TARGET_MINUTES)
        if minutes is None:
            errors[f"{kind}_{priority}"] = [
                gettext("%(priority)s: %(problem)s")
                % {
                    "priority": Priority(priority).label,
                    "problem": _range_message(1, MAX_TARGET_MINUTES),
                }
            ]
        else:
            wanted[priority] = minutes
    return wanted


def targets_of(found: CareSettings) -> tuple[dict[str, int], dict[str, int]]:
    """The first-response and resolution minutes per priority (defaults filled in)."""
    return (
        {**first_response_targets(), **(found.first_response_minutes or {})},
        {**resolution_targets(), **(found.resolution_minutes or {})},
    )


def _certification(organization: Organization, value: Any) -> Certification | None:
    if value in (None, "", 0):
        return None
    number = _whole(value, low=1, high=2**62)
    found = (
        Certification.objects.filter(organization=organization, pk=number).first()
        if number
        else None
    )
    if found is None:
        raise ValidationError(
            {
                "trusted_certification": [
                    gettext("Choose one of the organization's certifications, or none.")
                ]
            }
        )
    return found


def care_settings_update(
    *,
    organization: Organization,
    actor: User | None,
    first_response_minutes: Mapping[str, Any] | None = None,
    resolution_minutes: Mapping[str, Any] | None = None,
    warn_minutes: Any = None,
    claim_minutes: Any = None,
    escalation_email: str | None = None,
    escalation_webhook_url: str | None = None,
    trusted_certification_id: Any = ...,
) -> SettingsChange:
    """Change what is given (None, or `...` for the certification: unchanged).

    Raises ValidationError (a dict: "first_response_minutes_<priority>",
    "resolution_minutes_<priority>", "warn_minutes", "claim_minutes", "escalation_email",
    "escalation_webhook_url", "trusted_certification") and saves nothing when a value is
    refused. A webhook given for the first time gets a signing secret, returned once in
    `new_secret`. Changed targets move the due times of running conversations. Audited.
    """
    found = care_settings_for(organization=organization)
    errors: dict[str, list[str]] = {}
    first_now, resolution_now = targets_of(found)
    first = _targets("first_response_minutes", first_response_minutes, first_now, errors)
    resolution = _targets("resolution_minutes", resolution_minutes, resolution_now, errors)
    for priority in Priority.values:
        if (
            f"first_response_minutes_{priority}" not in errors
            and f"resolution_minutes_{priority}" not in errors
            and first[priority] > resolution[priority]
        ):
            errors[f"resolution_minutes_{priority}"] = [
                gettext(
                    "%(priority)s: the resolution target cannot come before the first "
                    "response target (%(minutes)s minutes)."
                )
                % {"priority": Priority(priority).label, "minutes": f"{first[priority]:,}"}
            ]
    warn = found.warn_minutes
    if warn_minutes is not None:
        checked = _whole(warn_minutes, low=1, high=MAX_WARN_MINUTES)
        if checked is None:
            errors["warn_minutes"] = [_range_message(1, MAX_WARN_MINUTES)]
        else:
            warn = checked
    claim = found.claim_minutes
    if claim_minutes is not None:
        checked = _whole(claim_minutes, low=1, high=MAX_CLAIM_MINUTES)
        if checked is None:
            errors["claim_minutes"] = [_range_message(1, MAX_CLAIM_MINUTES)]
        else:
            claim = checked
    email = found.escalation_email
    if escalation_email is not None:
        email = escalation_email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["escalation_email"] = [
                    gettext("Enter an email address, like support@example.com.")
                ]
    webhook = found.escalation_webhook_url
    if escalation_webhook_url is not None:
        try:
            webhook = web_url_clean(escalation_webhook_url, blank=True)
        except ValidationError as error:
            errors["escalation_webhook_url"] = list(error.messages)
    certification = found.trusted_certification
    if trusted_certification_id is not ...:
        try:
            certification = _certification(organization, trusted_certification_id)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    targets_changed = (first, resolution) != (first_now, resolution_now)
    new_secret = ""
    with transaction.atomic():
        found.first_response_minutes = first
        found.resolution_minutes = resolution
        found.warn_minutes = warn
        found.claim_minutes = claim
        found.escalation_email = email
        found.escalation_webhook_url = webhook
        if webhook and not found.escalation_webhook_secret:
            new_secret = found.escalation_webhook_secret = webhook_secret_new()
        found.trusted_certification = certification
        found.save()
        moved = (
            conversations_targets_reset(organization=organization, found=found)
            if targets_changed
            else 0
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="care.settings_updated",
            target=found,
            target_label=gettext("Customer care settings"),
            data={
                "first_response_minutes": first,
                "resolution_minutes": resolution,
                "warn_minutes": warn,
                "claim_minutes": claim,
                "escalation_email": email,
                "escalation_webhook_url": webhook,
                "trusted_certification": certification.pk if certification else None,
                "conversations_moved": moved,
            },
        )
    return SettingsChange(settings=found, new_secret=new_secret, conversations_moved=moved)


def conversations_targets_reset(*, organization: Organization, found: CareSettings) -> int:
    """Move the due times of the organization's running conversations to the settings'
    targets: one UPDATE per priority (as `conversation_targets_set` computes one).

    A conversation no longer due within the warning window may be warned again when it
    comes close to its new target. Returns how many conversations moved."""
    first, resolution = targets_of(found)
    now = timezone.now()
    running = Conversation.objects.filter(RUNNING, organization=organization)
    moved = 0
    for priority in Priority.values:
        moved += running.filter(priority=priority).update(
            first_response_due=ExpressionWrapper(
                F("opened_at") + timedelta(minutes=first[priority]),
                output_field=DateTimeField(),
            ),
            resolution_due=ExpressionWrapper(
                F("opened_at") + timedelta(minutes=resolution[priority]),
                output_field=DateTimeField(),
            ),
            updated_at=now,
        )
    soon = now + timedelta(minutes=found.warn_minutes)
    running.filter(breach_warned_at__isnull=False).filter(
        Q(first_response_at__isnull=True, first_response_due__gt=soon)
        | Q(first_response_at__isnull=False, resolution_due__gt=soon)
    ).update(breach_warned_at=None)
    return moved


def care_webhook_secret_rotate(*, organization: Organization, actor: User | None) -> str:
    """A new signing secret for the support team's webhook (the old one stops at once);
    returned to be shown once. Audited."""
    found = care_settings_for(organization=organization)
    with transaction.atomic():
        found.escalation_webhook_secret = webhook_secret_new()
        found.save(update_fields=["escalation_webhook_secret"])
        audit_record(
            organization=organization,
            actor=actor,
            action="care.webhook_secret_rotated",
            target=found,
            target_label=gettext("Customer care settings"),
        )
    return str(found.escalation_webhook_secret)
