"""Acme's reach outside the app: what members chose, and the last weeks of messages.

Maya reads a daily digest at 08:00 in Berlin and wants her shares' news by email too; most
colleagues keep the defaults (a weekly digest by email). The delivery log shows last
week's digest, an announcement, the nudges of last month (one member unsubscribed after
hers), and one address that bounced, so its channel stopped. The rows are history, written
as the sender writes them (no email leaves the machine when the demo loads).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import (
    ChannelStop,
    Delivery,
    DeliveryPreference,
    DeliveryStatus,
    Dispatch,
    StopReason,
    Unsubscribe,
)
from chorus.reach.services.settings import reach_settings_for


def reach_add(*, organization: Organization, maya: Membership) -> int:
    """Preferences and a month of deliveries; returns how many deliveries were written."""
    reach_settings_for(organization=organization)
    DeliveryPreference.objects.update_or_create(
        membership=maya,
        defaults={
            "organization": organization,
            "digest_frequency": "daily",
            "digest_time": datetime.time(8, 0),
            "time_zone": "Europe/Berlin",
            "choices": {
                Category.SHARES: [Channel.IN_APP, Channel.EMAIL],
                Category.POST_OF_THE_DAY: [Channel.IN_APP],
            },
        },
    )
    members = list(
        Membership.objects.filter(
            organization=organization, is_active=True, program_status=ProgramStatus.JOINED
        )
        .select_related("user")
        .order_by("pk")
    )
    now = timezone.now()
    last_monday = (now - datetime.timedelta(days=now.weekday() + 7)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    year, week, _day = last_monday.isocalendar()
    rows: list[Delivery] = []
    digest = _dispatch(organization, Category.DIGEST, f"digest:weekly:{year}-W{week:02d}", "digest")
    bounced = members[-1] if len(members) > 3 else None
    for offset, member in enumerate(members):
        failed = member == bounced
        rows.append(
            _delivery(
                digest,
                member,
                Channel.EMAIL,
                sent=last_monday + datetime.timedelta(seconds=offset),
                subject=f"{3 + offset % 4} new posts to share this week",
                failed="550 5.1.1 mailbox unavailable" if failed else "",
            )
        )
    announcement = _dispatch(
        organization,
        Category.ANNOUNCEMENT,
        f"announcement:demo:{last_monday:%Y-%m-%d}",
        "announcement",
    )
    for offset, member in enumerate(members[:12]):
        rows.append(
            _delivery(
                announcement,
                member,
                Channel.IN_APP,
                sent=last_monday + datetime.timedelta(days=2, seconds=offset),
                subject="New from the communications team: our spring campaign",
            )
        )
    month = (now.replace(day=1) - datetime.timedelta(days=1)).replace(day=3, hour=10, minute=0)
    nudge = _dispatch(organization, Category.NUDGE, f"nudge:{month:%Y-%m}", "nudge")
    nudged = [member for member in members[4:7] if member != maya]
    for offset, member in enumerate(nudged):
        rows.append(
            _delivery(
                nudge,
                member,
                Channel.EMAIL,
                sent=month + datetime.timedelta(seconds=offset),
                subject="Anything you would like to share?",
            )
        )
    Delivery.objects.bulk_create(rows)
    if nudged:
        Unsubscribe.objects.create(
            organization=organization,
            membership=nudged[0],
            category=Category.NUDGE,
            channel=Channel.EMAIL,
            from_link=True,
            created_at=month + datetime.timedelta(days=2),
        )
        DeliveryPreference.objects.update_or_create(
            membership=nudged[0],
            defaults={"organization": organization, "choices": {Category.NUDGE: []}},
        )
    if bounced is not None:
        ChannelStop.objects.get_or_create(
            organization=organization,
            membership=bounced,
            channel=Channel.EMAIL,
            defaults={
                "reason": StopReason.BOUNCED,
                "detail": "550 5.1.1 mailbox unavailable",
                "created_at": last_monday,
            },
        )
    return len(rows)


def _dispatch(organization: Organization, category: str, key: str, composer: str) -> Dispatch:
    dispatch, _created = Dispatch.objects.get_or_create(
        organization=organization,
        key=key,
        defaults={"category": category, "composer": composer, "fanned_out_at": timezone.now()},
    )
    return dispatch


def _delivery(
    dispatch: Dispatch,
    member: Membership,
    channel: str,
    *,
    sent: datetime.datetime,
    subject: str,
    failed: str = "",
) -> Delivery:
    return Delivery(
        organization_id=dispatch.organization_id,
        dispatch=dispatch,
        membership=member,
        channel=channel,
        category=dispatch.category,
        key=dispatch.key,
        status=DeliveryStatus.FAILED if failed else DeliveryStatus.SENT,
        attempts=1,
        next_attempt_at=sent,
        handed_at=sent,
        created_at=sent,
        sent_at=None if failed else sent,
        subject=subject,
        error=failed,
    )
