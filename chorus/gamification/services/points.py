"""Writes to the points ledger: awards within the daily caps, reversals, and the totals.

Every write goes through `points_award` or `points_reverse`, which add the entry and the
member's totals in one transaction, serialized per member (the member's all-time total row
is locked first), so two awards at once never pass a daily cap and totals always equal
the ledger.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership
from chorus.analytics.rollups import local_day
from chorus.gamification.models import (
    ALL_TIME_START,
    DEFAULT_RULES,
    GamificationSettings,
    Period,
    PointEntry,
    PointRule,
    PointTotal,
    Rule,
    Source,
)


def gamification_enabled(*, organization_id: int) -> bool:
    found = (
        GamificationSettings.objects.filter(organization_id=organization_id)
        .values_list("enabled", flat=True)
        .first()
    )
    return True if found is None else bool(found)


def rule_values(*, organization_id: int, rule: str) -> tuple[int, int]:
    """(points, daily cap) of a rule for the organization (its own, or the default)."""
    found = (
        PointRule.objects.filter(organization_id=organization_id, rule=rule)
        .values_list("points", "daily_cap")
        .first()
    )
    return found or DEFAULT_RULES[rule]


def period_starts(day: date) -> dict[str, date]:
    """The first day of each period `day` is in (weeks start on Monday)."""
    quarter = (day.month - 1) // 3 * 3 + 1
    return {
        Period.WEEK: day - timedelta(days=day.weekday()),
        Period.MONTH: day.replace(day=1),
        Period.QUARTER: day.replace(month=quarter, day=1),
        Period.ALL: ALL_TIME_START,
    }


def _lock_member(membership: Membership) -> None:
    """Serialize the member's ledger writes: lock their all-time total (made if missing)."""
    PointTotal.objects.get_or_create(
        organization_id=membership.organization_id,
        membership=membership,
        period=Period.ALL,
        starts=ALL_TIME_START,
        defaults={"ranked": membership.is_advocate},
    )
    PointTotal.objects.select_for_update().filter(
        membership=membership, period=Period.ALL, starts=ALL_TIME_START
    ).exists()


def _add_to_totals(entry: PointEntry, membership: Membership) -> None:
    """Add the entry to the member's totals per period. Rewards redeemed (and refunded) are
    not in them: the totals are points earned, so spending never lowers a rank; the balance
    subtracts them (`points_balance`)."""
    if entry.rule == Rule.REWARD:
        return
    for period, starts in period_starts(entry.day).items():
        updated = PointTotal.objects.filter(
            membership_id=entry.membership_id, period=period, starts=starts
        ).update(points=F("points") + entry.points)
        if not updated:
            PointTotal.objects.create(
                organization_id=entry.organization_id,
                membership_id=entry.membership_id,
                period=period,
                starts=starts,
                points=entry.points,
                ranked=membership.is_advocate,  # on the boards while active and in the program
            )


def points_ranking_sync(*, membership: Membership) -> int:
    """Put the member's totals on the leaderboards, or take them off, as their membership
    now says (active and in the program). Their points and ledger are unchanged."""
    return PointTotal.objects.filter(membership=membership).update(ranked=membership.is_advocate)


def points_award(
    *,
    membership: Membership,
    rule: str,
    source: str,
    source_id: int,
    count: int = 1,
    moment: datetime | None = None,
    note: str = "",
) -> PointEntry | None:
    """Award the rule's points (x count) for one source, within the rule's daily cap.

    Returns the entry, or None when nothing is earned: points off in the organization,
    the member inactive, a rule worth 0, the day's cap reached, or the source already
    awarded (awarding twice is a no-op)."""
    organization_id = membership.organization_id
    if not membership.is_active or not gamification_enabled(organization_id=organization_id):
        return None
    points, cap = rule_values(organization_id=organization_id, rule=rule)
    points *= max(count, 0)
    if points <= 0:
        return None
    day = local_day(moment or timezone.now())
    with transaction.atomic():
        _lock_member(membership)
        if cap:
            used = (
                PointEntry.objects.filter(membership=membership, rule=rule, day=day).aggregate(
                    used=Sum("points")
                )["used"]
                or 0
            )
            points = min(points, cap - used)
            if points <= 0:
                return None
        try:
            with transaction.atomic():
                entry = PointEntry.objects.create(
                    organization_id=organization_id,
                    membership=membership,
                    rule=rule,
                    points=points,
                    source=source,
                    source_id=source_id,
                    day=day,
                    note=note[:200],
                )
        except IntegrityError:
            return None  # already awarded
        _add_to_totals(entry, membership)
    return entry


def points_balance(*, membership: Membership) -> int:
    """What the member can spend: all the points they earned, less rewards redeemed."""
    earned = (
        PointTotal.objects.filter(membership=membership, period=Period.ALL, starts=ALL_TIME_START)
        .values_list("points", flat=True)
        .first()
    ) or 0
    spent = PointEntry.objects.filter(membership=membership, rule=Rule.REWARD).aggregate(
        spent=Sum("points")
    )["spent"]
    return int(earned) + int(spent or 0)


def points_spend(
    *, membership: Membership, points: int, source_id: int, note: str = ""
) -> PointEntry:
    """Deduct `points` for a reward request (`source_id`): a negative Rule.REWARD entry.

    Serialized with every other write of the member's points (their lock), so two spends
    at once never take the all-time balance below zero: ValidationError when the balance
    is short, points are off or the member is inactive. Run it inside the caller's
    transaction.atomic() when other writes (the reward's stock) must go with it."""
    organization_id = membership.organization_id
    if points <= 0:
        raise ValueError("A spend is a positive number of points.")
    if not membership.is_active or not gamification_enabled(organization_id=organization_id):
        raise ValidationError(_("Points are not available."))
    with transaction.atomic():
        _lock_member(membership)
        balance = points_balance(membership=membership)
        if balance < points:
            raise ValidationError(
                _("This costs %(points)s points and your balance is %(balance)s.")
                % {"points": points, "balance": balance},
                code="balance",
            )
        entry = PointEntry.objects.create(
            organization_id=organization_id,
            membership=membership,
            rule=Rule.REWARD,
            points=-points,
            source=Source.REWARD_REQUEST,
            source_id=source_id,
            day=local_day(timezone.now()),
            note=note[:200],
        )
        _add_to_totals(entry, membership)
    return entry


def points_reverse(*, entry: PointEntry, note: str) -> PointEntry | None:
    """Write the entry's reversal (same member, rule, source and day, opposite points).
    None when it was already reversed."""
    membership = Membership.objects.get(pk=entry.membership_id)
    with transaction.atomic():
        _lock_member(membership)
        if PointEntry.objects.filter(reverses=entry).exists():
            return None
        try:
            with transaction.atomic():
                reversal = PointEntry.objects.create(
                    organization_id=entry.organization_id,
                    membership_id=entry.membership_id,
                    rule=entry.rule,
                    points=-entry.points,
                    source=entry.source,
                    source_id=entry.source_id,
                    reverses=entry,
                    day=entry.day,
                    note=note[:200],
                )
        except IntegrityError:
            return None
        _add_to_totals(reversal, membership)
    return reversal


def points_reverse_sources(*, source: str, source_ids: list[int], note: str) -> int:
    """Reverse every award of these sources not reversed yet. Returns how many."""
    reversed_count = 0
    for start in range(0, len(source_ids), 1000):
        entries = PointEntry.objects.filter(
            source=source,
            source_id__in=source_ids[start : start + 1000],
            reverses__isnull=True,
            points__gt=0,
            reversal__isnull=True,
        )
        for entry in entries:
            if points_reverse(entry=entry, note=note) is not None:
                reversed_count += 1
    return reversed_count
