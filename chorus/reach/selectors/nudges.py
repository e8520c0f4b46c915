"""What nudging does: nudges sent per month and the unsubscribes that followed them."""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from chorus.accounts.models import Organization
from chorus.notifications.messages import Category
from chorus.notifications.models import Delivery, DeliveryStatus, Unsubscribe

FOLLOWED_WITHIN = datetime.timedelta(days=7)


@dataclass(frozen=True)
class NudgeMonth:
    month: datetime.date
    sent: int
    unsubscribed: int


def nudge_months(*, organization: Organization, months: int = 6) -> list[NudgeMonth]:
    """The last months with nudges: members nudged, and those of them who turned
    something off within 7 days of their nudge, newest month first."""
    start = (timezone.now() - datetime.timedelta(days=31 * months)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    nudges = Delivery.objects.filter(
        organization=organization,
        category=Category.NUDGE,
        status=DeliveryStatus.SENT,
        sent_at__gte=start,
    )
    sent = {
        row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]: row[
            "members"
        ]
        for row in nudges.annotate(month=TruncMonth("sent_at"))
        .values("month")
        .annotate(members=Count("membership", distinct=True))
    }
    # Unsubscribes are few: read them, then only their members' nudges.
    stops = list(
        Unsubscribe.objects.filter(organization=organization, created_at__gte=start).values_list(
            "membership_id", "created_at"
        )
    )
    nudged_at: dict[int, list[datetime.datetime]] = defaultdict(list)
    for membership_id, sent_at in nudges.filter(
        membership_id__in={membership_id for membership_id, _ in stops}
    ).values_list("membership_id", "sent_at"):
        if sent_at is not None:
            nudged_at[membership_id].append(sent_at)
    followed: dict[datetime.date, set[int]] = defaultdict(set)
    for membership_id, created_at in stops:
        moments = sorted(nudged_at.get(membership_id, []))
        index = bisect_right(moments, created_at)
        if index and created_at - moments[index - 1] <= FOLLOWED_WITHIN:
            nudge = timezone.localtime(moments[index - 1])
            followed[nudge.date().replace(day=1)].add(membership_id)
    return [
        NudgeMonth(month=month, sent=sent.get(month, 0), unsubscribed=len(followed.get(month, ())))
        for month in sorted(set(sent) | set(followed), reverse=True)
    ]
