"""Turning people's clicks into bot previews after the fact.

When an admin or a heuristic finds that a visitor was a bot (a crawler with a browser's
user agent, a security scanner opening every link of an email), its clicks are turned
into previews: the links' counters are corrected and the days they fell on are marked
for the rollups to be rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q

from chorus.analytics.rollups import dirty_days, rollups_mark_dirty
from chorus.gamification.models import Source
from chorus.gamification.services.points import points_reverse_sources
from chorus.links.models import Click, ClickKind, ClickOutcome, DeviceClass, Link

MAX_BOT_NAME = 100


@transaction.atomic
def clicks_reclassify_as_bot(
    *,
    organization_id: int,
    visitor_key: str | None = None,
    click_ids: Iterable[int] | None = None,
    bot_name: str = "Reclassified as a bot",
) -> int:
    """Make the organization's person clicks of a visitor (or these clicks) bot previews.

    Returns how many clicks changed. Clicks already counted as previews are left alone.
    """
    if visitor_key is None and click_ids is None:
        raise ValueError("Give a visitor key or click ids.")
    clicks = Click.objects.filter(organization_id=organization_id, kind=ClickKind.CLICK)
    if visitor_key is not None:
        clicks = clicks.filter(visitor_key=visitor_key)
    if click_ids is not None:
        clicks = clicks.filter(pk__in=list(click_ids))
    ids = list(clicks.select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    chosen = Click.objects.filter(pk__in=ids)
    # Clicks that got the "no longer available" page were never counted as clicks.
    counted = ~Q(outcome=ClickOutcome.UNAVAILABLE)
    per_link = (
        chosen.values("link_id")
        .annotate(
            people=Count("pk", filter=counted & Q(is_self=False)),
            unique=Count("pk", filter=counted & Q(is_self=False, is_unique=True)),
            own=Count("pk", filter=counted & Q(is_self=True)),
            total=Count("pk"),
        )
        .order_by("link_id")  # a fixed order: no deadlocks with the drainer
    )
    for row in per_link:
        Link.objects.filter(pk=row["link_id"]).update(
            clicks=F("clicks") - row["people"],
            unique_clicks=F("unique_clicks") - row["unique"],
            self_clicks=F("self_clicks") - row["own"],
            previews=F("previews") + row["total"],
        )
    # The (organization, day) pairs, read before the clicks change.
    days = {day for _organization, day in dirty_days(chosen, at="created_at")}
    chosen.update(
        kind=ClickKind.BOT,
        bot_name=bot_name[:MAX_BOT_NAME],
        device_class=DeviceClass.BOT,
        is_unique=False,
        is_self=False,
    )
    rollups_mark_dirty(organization_id=organization_id, days=days)
    # Points the clicks earned are taken back by reversing entries (the ledger keeps both).
    points_reverse_sources(source=Source.CLICK, source_ids=ids, note="Counted as a bot")
    return len(ids)
