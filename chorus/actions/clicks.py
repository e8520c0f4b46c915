"""Clicks, across apps: counting a visitor as a bot after the fact.

Its clicks become bot previews and the links' counters are corrected (links), the days
they fell on are marked for the rollups to be rebuilt (analytics), and the points the
clicks earned are taken back by reversing entries, the ledger keeping both (gamification).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from chorus.accounts.models import Organization, User
from chorus.analytics.rollups import dirty_days, rollups_mark_dirty
from chorus.core.audit import audit_record
from chorus.gamification.models import Source
from chorus.gamification.services.points import points_reverse_sources
from chorus.links.models import Click
from chorus.links.selectors.visitors import SHORT_KEY
from chorus.links.services import visitors as visitor_services

# Clicks per call of clicks_reclassify_as_bot: its ids go into one IN (...) list, and SQLite
# allows 32,766 parameters.
IDS_PER_CALL = 2000


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
    ids = visitor_services.clicks_lock_people(
        organization_id=organization_id, visitor_key=visitor_key, click_ids=click_ids
    )
    if not ids:
        return 0
    # The (organization, day) pairs, read before the clicks change.
    days = {
        day for _organization, day in dirty_days(Click.objects.filter(pk__in=ids), at="created_at")
    }
    visitor_services.clicks_mark_bot(ids=ids, bot_name=bot_name)
    rollups_mark_dirty(organization_id=organization_id, days=days)
    points_reverse_sources(source=Source.CLICK, source_ids=ids, note="Counted as a bot")
    return len(ids)


@transaction.atomic
def visitor_reclassify_as_bot(
    *, organization: Organization, actor: User, visitor_key: str, reason: str = ""
) -> int:
    """An admin counts the visitor's people-clicks as bot previews. Returns how many
    changed (0: the visitor had none left); the audit log records who did it and why.

    Raises UnknownVisitor for a key with no click in the organization, ValidationError for
    a reason that is too long.
    """
    reason = visitor_services.reason_clean(reason)
    ids = visitor_services.visitor_click_ids(organization=organization, visitor_key=visitor_key)
    bot_name = visitor_services.reclassified_bot_name(actor=actor, reason=reason)
    changed = 0
    for start in range(0, len(ids), IDS_PER_CALL):
        changed += clicks_reclassify_as_bot(
            organization_id=organization.pk,
            visitor_key=visitor_key,
            click_ids=ids[start : start + IDS_PER_CALL],
            bot_name=bot_name,
        )
    if changed:
        short_key = visitor_key[:SHORT_KEY]
        audit_record(
            organization=organization,
            actor=actor,
            action="clicks.reclassified",
            target_label=f"Visitor {short_key}",
            data={"visitor": short_key, "clicks": changed, "reason": reason},
        )
    return changed
