"""How long an organization keeps raw rows, and the daily task that enforces it.

Raw clicks go once their day is rolled up (no dirty mark for the day, and below the rollups'
click watermark): the daily counts, dashboards and leaderboards are unchanged. Audit entries
keep who did what and when, and lose their details. Delivery logs (notifications, webhooks,
care escalations) go once they are finished (sent, failed, skipped, delivered).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from chorus.accounts.models import Organization, User
from chorus.analytics.models import RollupDirtyDay, RollupState
from chorus.core.audit import audit_record
from chorus.core.models import AuditEvent
from chorus.links.models import Click
from chorus.privacy.models import RetentionSettings

BATCH = 5000
CLICKS_WATERMARK = "clicks"


def retention_get(*, organization: Organization) -> RetentionSettings:
    found = RetentionSettings.objects.filter(organization=organization).first()
    return found or RetentionSettings(organization=organization)


def retention_update(
    *,
    organization: Organization,
    actor: User,
    clicks_days: int,
    audit_days: int,
    deliveries_days: int,
) -> RetentionSettings:
    """Save the settings (the form checked the bounds)."""
    settings_row = retention_get(organization=organization)
    settings_row.clicks_days = clicks_days
    settings_row.audit_days = audit_days
    settings_row.deliveries_days = deliveries_days
    settings_row.full_clean()
    settings_row.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="privacy.retention_changed",
        data={
            "clicks_days": clicks_days,
            "audit_days": audit_days,
            "deliveries_days": deliveries_days,
        },
    )
    return settings_row


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _delete_in_batches(queryset: object) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])  # type: ignore[attr-defined]
        if not ids:
            return deleted
        with transaction.atomic():
            deleted += queryset.model._default_manager.filter(pk__in=ids).delete()[0]  # type: ignore[attr-defined]


def _clicks_cutoff(organization: Organization, now: datetime, days: int) -> datetime:
    """The start of the first day kept: `days` ago, or earlier if an older day still waits
    to be rolled up."""
    cutoff_day = timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).date() - timedelta(days=days)
    dirty = (
        RollupDirtyDay.objects.filter(organization=organization, day__lte=cutoff_day)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    if dirty is not None:
        cutoff_day = dirty
    return _day_start(cutoff_day)


def retention_enforce(*, organization: Organization, now: datetime | None = None) -> dict[str, int]:
    """Apply the organization's settings once (the caller opens its scope)."""
    now = now or timezone.now()
    rules = retention_get(organization=organization)
    counts: dict[str, int] = {}

    watermark = (
        RollupState.objects.filter(source=CLICKS_WATERMARK)
        .values_list("last_id", flat=True)
        .first()
        or 0
    )
    clicks = Click.objects.filter(
        organization=organization,
        created_at__lt=_clicks_cutoff(organization, now, rules.clicks_days),
        id__lte=watermark,
    )
    counts["clicks"] = _delete_in_batches(clicks)

    audit_cutoff = now - timedelta(days=rules.audit_days)
    stale = AuditEvent._base_manager.filter(
        organization=organization, created_at__lt=audit_cutoff
    ).exclude(data={})
    counts["audit_details"] = 0
    while True:
        ids = list(stale.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        # The audit log is append-only; blanking old details is the one change allowed.
        counts["audit_details"] += AuditEvent._base_manager.filter(pk__in=ids).update(data={})

    delivery_cutoff = now - timedelta(days=rules.deliveries_days)
    finished = {
        "notifications.Delivery": ("created_at", ("sent", "failed", "skipped", "uncertain")),
        "webhooks.WebhookDelivery": ("created_at", ("delivered", "failed")),
    }
    for label, (field, statuses) in finished.items():
        model = _model(label)
        if model is None:
            continue
        rows = model._default_manager.filter(
            organization=organization, status__in=statuses, **{f"{field}__lt": delivery_cutoff}
        )
        counts[label] = _delete_in_batches(rows)
    escalation = _model("care.EscalationDelivery")
    if escalation is not None:
        rows = escalation._default_manager.filter(
            organization=organization, created_at__lt=delivery_cutoff
        ).exclude(delivered_at=None)
        counts["care.EscalationDelivery"] = _delete_in_batches(rows)
    return counts


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None
