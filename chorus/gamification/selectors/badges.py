"""Reads for badges: members' figures per criterion, weekly sharing streaks, progress.

A member's figures come from what they did, in a few grouped queries for any number of
members: shares = their SHARED shares (undone ones do not count), networks = the distinct
networks of those, unique clicks = their links' unique-click counters (kept by the click
drainer, self-clicks and previews excluded), suggestions = their accepted suggestions, and
the streak = consecutive weeks (Monday to Sunday, site time zone) with at least one share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from chorus.accounts.models import Membership, Organization
from chorus.analytics.rollups import site_zone, today
from chorus.content.models import Suggestion, SuggestionStatus
from chorus.gamification.models import Badge, BadgeAward, Criterion
from chorus.links.models import Link
from chorus.sharing.models import Share, ShareStatus
from chorus.training.models import Certificate
from chorus.training.selectors.certification import certificate_valid_q

WEEK = timedelta(days=7)

# What the progress line counts ("7 of 10 shares"), by the threshold.
_SHARES = ngettext_lazy(
    "%(value)s of %(threshold)s share", "%(value)s of %(threshold)s shares", "threshold"
)
PROGRESS: dict[str, Any] = {
    Criterion.FIRST_SHARE: _SHARES,
    Criterion.SHARES: _SHARES,
    Criterion.UNIQUE_CLICKS: ngettext_lazy(
        "%(value)s of %(threshold)s unique click",
        "%(value)s of %(threshold)s unique clicks",
        "threshold",
    ),
    Criterion.NETWORKS: ngettext_lazy(
        "%(value)s of %(threshold)s network", "%(value)s of %(threshold)s networks", "threshold"
    ),
    Criterion.STREAK_WEEKS: ngettext_lazy(
        "%(value)s of %(threshold)s week in a row",
        "%(value)s of %(threshold)s weeks in a row",
        "threshold",
    ),
    Criterion.SUGGESTION_ACCEPTED: ngettext_lazy(
        "%(value)s of %(threshold)s suggestion accepted",
        "%(value)s of %(threshold)s suggestions accepted",
        "threshold",
    ),
    Criterion.CERTIFIED: ngettext_lazy(
        "%(value)s of %(threshold)s certification",
        "%(value)s of %(threshold)s certifications",
        "threshold",
    ),
}
# Criteria met or not (their threshold is always 1).
YES_NO = frozenset({Criterion.FIRST_SHARE, Criterion.SUGGESTION_ACCEPTED, Criterion.CERTIFIED})


@dataclass(frozen=True)
class Streak:
    current: int
    best: int


@dataclass(frozen=True)
class BadgeProgress:
    badge: Badge
    awarded_at: datetime | None
    value: int
    threshold: int

    @property
    def earned(self) -> bool:
        return self.awarded_at is not None

    @property
    def progress(self) -> str:
        """'7 of 10 shares' (capped at the threshold)."""
        return str(
            PROGRESS[self.badge.criterion]
            % {"value": min(self.value, self.threshold), "threshold": self.threshold}
        )

    @property
    def percent(self) -> int:
        return min(100, self.value * 100 // self.threshold)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def streak_of_weeks(weeks: Iterable[date], *, this_week: date) -> Streak:
    """Current and best runs of consecutive weeks (Monday dates). The current run ends
    this week, or last week when this week has no share yet (it still counts)."""
    shared = set(weeks)
    best = run = 0
    previous: date | None = None
    for week in sorted(shared):
        run = run + 1 if previous is not None and week - previous == WEEK else 1
        best = max(best, run)
        previous = week
    current = 0
    week = this_week if this_week in shared else this_week - WEEK
    while week in shared:
        current += 1
        week -= WEEK
    return Streak(current=current, best=best)


def _shared(membership_ids: Iterable[int]) -> QuerySet[Share]:
    return Share.objects.filter(
        membership_id__in=list(membership_ids),
        status=ShareStatus.SHARED,
        shared_at__isnull=False,
    )


def sharing_streaks(membership_ids: Iterable[int]) -> dict[int, Streak]:
    """Each member's weekly sharing streak, from one query over their distinct share days."""
    ids = list(membership_ids)
    weeks: dict[int, set[date]] = defaultdict(set)
    days = (
        _shared(ids)
        .annotate(day=TruncDate("shared_at", tzinfo=site_zone()))
        .values_list("membership_id", "day")
        .distinct()
    )
    for membership_id, day in days:
        weeks[membership_id].add(week_start(day))
    this_week = week_start(today())
    return {pk: streak_of_weeks(weeks[pk], this_week=this_week) for pk in ids}


def sharing_streak(membership: Membership) -> tuple[int, int]:
    """(current streak in weeks, best streak in weeks) of the member."""
    streak = sharing_streaks([membership.pk])[membership.pk]
    return streak.current, streak.best


def member_figures(membership_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each member's figure for every criterion (a handful of grouped queries)."""
    ids = list(membership_ids)
    figures: dict[int, dict[str, int]] = {pk: dict.fromkeys(Criterion.values, 0) for pk in ids}
    shares = (
        _shared(ids)
        .values("membership_id")
        .annotate(shares=Count("id"), networks=Count("network", distinct=True))
    )
    for row in shares:
        member = figures[row["membership_id"]]
        member[Criterion.FIRST_SHARE] = member[Criterion.SHARES] = row["shares"]
        member[Criterion.NETWORKS] = row["networks"]
    clicks = (
        Link.objects.filter(membership_id__in=ids)
        .values("membership_id")
        .annotate(unique=Sum("unique_clicks"))
    )
    for row in clicks:
        figures[row["membership_id"]][Criterion.UNIQUE_CLICKS] = row["unique"] or 0
    accepted = (
        Suggestion.objects.filter(membership_id__in=ids, status=SuggestionStatus.ACCEPTED)
        .values("membership_id")
        .annotate(accepted=Count("id"))
    )
    for row in accepted:
        figures[row["membership_id"]][Criterion.SUGGESTION_ACCEPTED] = row["accepted"]
    for pk, streak in sharing_streaks(ids).items():
        figures[pk][Criterion.STREAK_WEEKS] = streak.best
    certified = (
        Certificate.objects.filter(certificate_valid_q(timezone.now()), membership_id__in=ids)
        .values("membership_id")
        .annotate(held=Count("certification_id", distinct=True))
    )
    for row in certified:
        figures[row["membership_id"]][Criterion.CERTIFIED] = row["held"]
    return figures


def badges_active(*, organization: Organization | int) -> QuerySet[Badge]:
    return Badge.objects.filter(organization=organization, active=True).order_by(
        "criterion", "threshold", "pk"
    )


def badges_all(*, organization: Organization) -> QuerySet[Badge]:
    """Every badge of the organization with how many members earned it."""
    return (
        Badge.objects.filter(organization=organization)
        .annotate(earned=Count("awards", filter=Q(awards__membership__is_active=True)))
        .order_by("-active", "criterion", "threshold", "pk")
    )


def badge_holders(*, badge: Badge, limit: int = 200) -> QuerySet[BadgeAward]:
    """Who earned the badge, newest first."""
    return (
        BadgeAward.objects.filter(organization_id=badge.organization_id, badge=badge)
        .select_related("membership__user")
        .order_by("-awarded_at", "-pk")[:limit]
    )


def badges_progress(*, membership: Membership) -> list[BadgeProgress]:
    """The member's badges: the earned ones (any still active or not) first, newest first,
    then the active ones still to earn, closest first."""
    awarded = {
        award.badge_id: award
        for award in BadgeAward.objects.filter(membership=membership).select_related("badge")
    }
    figures = member_figures([membership.pk])[membership.pk]
    earned = [
        BadgeProgress(
            badge=award.badge,
            awarded_at=award.awarded_at,
            value=figures[award.badge.criterion],
            threshold=award.badge.threshold,
        )
        for award in sorted(awarded.values(), key=lambda a: (a.awarded_at, a.pk), reverse=True)
    ]
    to_earn = [
        BadgeProgress(
            badge=badge,
            awarded_at=None,
            value=figures[badge.criterion],
            threshold=badge.threshold,
        )
        for badge in badges_active(organization=membership.organization_id)
        if badge.pk not in awarded
    ]
    to_earn.sort(key=lambda item: (-item.percent, item.badge.name))
    return earned + to_earn
