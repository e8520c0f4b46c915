"""Members who answer customers: opting in and out (voluntary, at any time), duty, working
hours, languages, product areas, how many at once; an admin's clearance."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.care.models import CareAgent, CareTag, Conversation, ConversationStatus
from chorus.core.audit import audit_record


def agent_for(*, membership: Membership) -> CareAgent:
    """The member's care profile, made (not opted in) the first time."""
    found, _created = CareAgent.objects.get_or_create(
        organization_id=membership.organization_id, membership=membership
    )
    return found


def agent_opt_in(*, membership: Membership) -> CareAgent:
    agent = agent_for(membership=membership)
    if agent.opted_in:
        return agent
    agent.opted_in = True
    agent.opted_in_at = timezone.now()
    agent.updated_at = timezone.now()
    agent.save(update_fields=["opted_in", "opted_in_at", "updated_at"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="care.agent_opted_in",
        target=membership,
    )
    return agent


def agent_opt_out(*, membership: Membership) -> int:
    """Stop answering customers: off duty, and every open conversation not yet answered
    handed back to be routed again. Returns how many were handed back."""
    agent = agent_for(membership=membership)
    with transaction.atomic():
        agent.opted_in = False
        agent.on_duty = False
        agent.updated_at = timezone.now()
        agent.save(update_fields=["opted_in", "on_duty", "updated_at"])
        handed_back = conversations_hand_back(membership=membership)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.agent_opted_out",
            target=membership,
            data={"handed_back": handed_back},
        )
    return handed_back


def conversations_hand_back(*, membership: Membership) -> int:
    """The member's assigned conversations go back to the pool; their claims end."""
    Conversation.objects.filter(
        organization_id=membership.organization_id, claimed_by=membership
    ).update(claimed_by=None, claim_expires_at=None)
    return Conversation.objects.filter(
        organization_id=membership.organization_id,
        assignee=membership,
        status__in=[ConversationStatus.NEW, ConversationStatus.ASSIGNED],
    ).update(
        assignee=None,
        assigned_at=None,
        status=ConversationStatus.NEW,
        updated_at=timezone.now(),
    )


def agent_duty_set(*, membership: Membership, on_duty: bool) -> CareAgent:
    agent = agent_for(membership=membership)
    if on_duty and not agent.opted_in:
        raise ValidationError(_("Choose to answer customers first."))
    if agent.on_duty != on_duty:
        agent.on_duty = on_duty
        agent.updated_at = timezone.now()
        agent.save(update_fields=["on_duty", "updated_at"])
    return agent


def _clean_languages(values: list[str]) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        code = value.strip().lower().replace("_", "-")
        if not code:
            continue
        if len(code) > 10 or not all(part.isalpha() for part in code.split("-")):
            raise ValidationError(
                _("“%(code)s” is not a language code (en, de, fr-CA...).") % {"code": value}
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def agent_update(
    *,
    membership: Membership,
    timezone_name: str,
    work_days: list[int],
    work_start: time,
    work_end: time,
    languages: list[str],
    tag_ids: list[int],
    max_open: int,
) -> CareAgent:
    """Change the member's own profile; nothing changes when a value is wrong."""
    if timezone_name not in available_timezones():
        raise ValidationError(_("Choose a time zone from the list."))
    if any(day not in range(7) for day in work_days):
        raise ValidationError(_("Choose work days from the list."))
    if not 1 <= max_open <= 50:
        raise ValidationError(_("Take between 1 and 50 conversations at once."))
    cleaned = _clean_languages(languages)
    tags = list(CareTag.objects.filter(organization_id=membership.organization_id, pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        raise ValidationError(_("Choose product areas from the list."))
    agent = agent_for(membership=membership)
    changes: dict[str, Any] = {
        "timezone": timezone_name,
        "work_days": sorted(set(work_days)),
        "work_start": work_start,
        "work_end": work_end,
        "languages": cleaned,
        "max_open": max_open,
    }
    for name, value in changes.items():
        setattr(agent, name, value)
    agent.updated_at = timezone.now()
    with transaction.atomic():
        agent.save(update_fields=[*changes, "updated_at"])
        agent.tags.set(tags)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.agent_updated",
            target=membership,
        )
    return agent


def agent_clear_set(*, agent: CareAgent, cleared: bool, actor: Membership) -> CareAgent:
    """An admin clears a member to answer customers (or withdraws it); it stands in for
    the care certification where the organization has no care gate."""
    if not actor.has_role("admin"):
        raise ValidationError(_("Only admins clear members to answer customers."))
    if agent.cleared == cleared:
        return agent
    agent.cleared = cleared
    agent.cleared_by = actor if cleared else None
    agent.updated_at = timezone.now()
    agent.save(update_fields=["cleared", "cleared_by", "updated_at"])
    audit_record(
        organization=actor.organization,
        actor=actor.user,
        action="care.agent_cleared" if cleared else "care.agent_uncleared",
        target=agent.membership,
    )
    return agent
