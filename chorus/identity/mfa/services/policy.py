"""Writes about the organization's two-step sign-in requirement."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.identity.mfa.models import GRACE_DAYS_MAX, MfaGrace, MfaPolicy


def mfa_policy_update(
    *, organization: Organization, actor: User, required: bool, grace_days: int
) -> MfaPolicy:
    """Switch the requirement on or off and set the grace period; audited when it changes."""
    if not 0 <= grace_days <= GRACE_DAYS_MAX:
        raise ValidationError(
            _("The grace period is between 0 and %(max)d days.") % {"max": GRACE_DAYS_MAX}
        )
    with transaction.atomic():
        policy, _created = MfaPolicy.objects.select_for_update().get_or_create(
            organization=organization
        )
        was_required, old_grace = policy.required, policy.grace_days
        if required and not was_required:
            policy.required_since = timezone.now()
        policy.required = required
        policy.grace_days = grace_days
        policy.changed_by = actor
        policy.save()
        if required != was_required:
            audit_record(
                organization=organization,
                actor=actor,
                action="mfa.required" if required else "mfa.not_required",
                target=policy,
                data={"grace_days": grace_days},
            )
        elif required and grace_days != old_grace:
            audit_record(
                organization=organization,
                actor=actor,
                action="mfa.grace_changed",
                target=policy,
                data={"grace_days": grace_days, "was": old_grace},
            )
    return policy


def mfa_grace_start(*, organization: Organization, user: User, policy: MfaPolicy) -> datetime:
    """When this member's grace began: their first request since the requirement was
    switched on (recorded now if this is it)."""
    since = policy.required_since or timezone.now()
    grace = MfaGrace.objects.filter(organization=organization, user=user).first()
    if grace is not None and grace.required_since == since:
        return grace.started_at
    now = timezone.now()
    if grace is not None:
        grace.required_since, grace.started_at = since, now
        grace.save(update_fields=["required_since", "started_at"])
        return now
    try:
        with transaction.atomic():
            MfaGrace.objects.create(
                organization=organization, user=user, required_since=since, started_at=now
            )
    except IntegrityError:
        # Two first requests at once: the other one recorded it.
        return MfaGrace.objects.get(organization=organization, user=user).started_at
    return now
