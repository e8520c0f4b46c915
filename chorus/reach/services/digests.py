"""Which members' digests are due, queued once per member and period.

Every quarter of an hour: a member whose digest time came in their own time zone (in the
last twelve hours) in this period (today for a daily digest, this ISO week for a weekly
one) and who has no delivery for the period yet is queued under the period's dispatch
(``digest:weekly:2026-W49``, ``digest:daily:2026-12-07``). Members are read a thousand at
a time with their preferences in the same query; the engine's unique delivery per
(key, channel, member) makes a repeated run harmless.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.notifications.messages import Category
from chorus.notifications.models import Delivery, DeliveryPreference, DigestFrequency
from chorus.notifications.preferences import zone
from chorus.notifications.services.delivery import dispatch_create, dispatch_enqueue

BATCH = 1000
DEFAULTS = DeliveryPreference()
# How late a digest may still go (the scheduler was down, a worker was busy). Later than
# this, the period is skipped: a member who joins on a Sunday waits for Monday's digest
# rather than getting last week's at once.
LATE = datetime.timedelta(hours=12)


def digest_period(
    *, frequency: str, weekday: int, at: datetime.time, time_zone: str, now: datetime.datetime
) -> str | None:
    """The period key when the member's digest time in this period has come (and is not
    more than `LATE` ago), else None."""
    local = now.astimezone(zone(time_zone))
    if frequency == DigestFrequency.DAILY:
        day = local.date()
        key = f"digest:daily:{day.isoformat()}"
    elif frequency == DigestFrequency.WEEKLY:
        year, week, today = local.isocalendar()
        day = local.date() + datetime.timedelta(days=weekday - (today - 1))
        key = f"digest:weekly:{year}-W{week:02d}"
    else:
        return None
    due = datetime.datetime.combine(day, at).replace(tzinfo=local.tzinfo)
    return key if due <= local < due + LATE else None


def digests_queue_due(*, organization: Organization, now: datetime.datetime | None = None) -> int:
    """Queue the digests that are due in this organization; returns the deliveries made."""
    now = now or timezone.now()
    members = Membership.objects.filter(
        organization=organization, is_active=True, program_status=ProgramStatus.JOINED
    ).order_by("pk")
    created = 0
    after = 0
    while True:
        rows = list(
            members.filter(pk__gt=after).values_list(
                "pk",
                "delivery_preference__digest_frequency",
                "delivery_preference__digest_weekday",
                "delivery_preference__digest_time",
                "delivery_preference__time_zone",
            )[:BATCH]
        )
        if not rows:
            break
        after = rows[-1][0]
        due: dict[str, list[int]] = defaultdict(list)
        for membership_id, frequency, weekday, at, time_zone in rows:
            key = digest_period(
                frequency=frequency or DEFAULTS.digest_frequency,
                weekday=DEFAULTS.digest_weekday if weekday is None else weekday,
                at=at or DEFAULTS.digest_time,
                time_zone=time_zone or "",
                now=now,
            )
            if key is not None:
                due[key].append(membership_id)
        if not due:
            continue
        done = set(
            Delivery.objects.filter(
                organization=organization,
                key__in=list(due),
                membership_id__in=[row[0] for row in rows],
            ).values_list("key", "membership_id")
        )
        for key, ids in due.items():
            waiting = [membership_id for membership_id in ids if (key, membership_id) not in done]
            if not waiting:
                continue
            dispatch = dispatch_create(
                organization=organization,
                category=Category.DIGEST,
                key=key,
                composer="digest",
                params={"frequency": key.split(":")[1]},
            )
            created += dispatch_enqueue(dispatch=dispatch, membership_ids=waiting)
    return created
