"""Nudges: a kind invitation to members who have not shared for a while, at most one a
month. The dispatch is per month (``nudge:2026-12``: one delivery per member and channel)
and a member nudged in the last 30 days is left alone, so the turn of a month does not
bring a second one."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.notifications.messages import Category
from chorus.notifications.models import Delivery
from chorus.notifications.services.delivery import dispatch_create, dispatch_enqueue
from chorus.reach.services.settings import reach_settings_for
from chorus.sharing.models import Share
from chorus.sharing.selectors.shares import SHARED_STATUSES

BATCH = 1000
NUDGE_INTERVAL = datetime.timedelta(days=30)


def nudge_candidates(
    *, organization: Organization, days: int, now: datetime.datetime, after: int, limit: int
) -> list[int]:
    """Program members in the program for ``days`` who shared nothing in that time and
    got no nudge in the last 30 days, in id order after ``after``."""
    since = now - datetime.timedelta(days=days)
    shared = Share.objects.filter(
        membership_id=OuterRef("pk"), status__in=SHARED_STATUSES, created_at__gte=since
    )
    nudged = Delivery.objects.filter(
        membership_id=OuterRef("pk"),
        category=Category.NUDGE,
        created_at__gte=now - NUDGE_INTERVAL,
    )
    return list(
        Membership.objects.filter(
            organization=organization,
            is_active=True,
            program_status=ProgramStatus.JOINED,
            pk__gt=after,
        )
        .filter(
            Q(program_status_changed_at__lte=since)
            | Q(program_status_changed_at__isnull=True, created_at__lte=since)
        )
        .filter(~Exists(shared), ~Exists(nudged))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def nudges_queue(*, organization: Organization, now: datetime.datetime | None = None) -> int:
    """Queue this month's nudges; returns the deliveries made (0 when nudges are off)."""
    now = now or timezone.now()
    found = reach_settings_for(organization=organization)
    if not found.nudges_enabled:
        return 0
    days = max(found.nudge_after_days, 30)
    month = timezone.localdate(now).strftime("%Y-%m")
    dispatch = None
    created = 0
    after = 0
    while True:
        ids = nudge_candidates(
            organization=organization, days=days, now=now, after=after, limit=BATCH
        )
        if not ids:
            break
        after = ids[-1]
        dispatch = dispatch or dispatch_create(
            organization=organization,
            category=Category.NUDGE,
            key=f"nudge:{month}",
            composer="nudge",
            params={"days": days},
        )
        created += dispatch_enqueue(dispatch=dispatch, membership_ids=ids)
    return created
