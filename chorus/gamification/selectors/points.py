"""A member's own points: totals per period and the ledger in words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.analytics.rollups import local_day
from chorus.content.models import Suggestion
from chorus.gamification.models import (
    Period,
    PointEntry,
    PointTotal,
    RewardRequest,
    Rule,
    Source,
)
from chorus.gamification.services.points import period_starts
from chorus.links.models import Click
from chorus.sharing.models import Share, ShareMetrics

HISTORY_PAGE_SIZE = 50
GONE = gettext_lazy("a post no longer in Chorus")
# Why points were taken back, as the ledger's notes say it (chorus.gamification.awards,
# chorus.actions.clicks, the rewards services), shown in the reader's language.
REVERSALS = {
    "Undone within the hour": gettext_lazy("Reversed: undone within the hour"),
    "Counted as a bot": gettext_lazy("Reversed: counted as a bot"),
    "Reward declined": gettext_lazy("Reversed: reward declined"),
    "Reward request cancelled": gettext_lazy("Reversed: reward request cancelled"),
}


@dataclass(frozen=True)
class PeriodTotal:
    period: str
    label: str
    starts: date
    points: int


@dataclass(frozen=True)
class HistoryRow:
    id: int
    created_at: datetime
    day: date
    rule: str
    rule_label: str
    description: str
    points: int
    source: str
    source_id: int
    reverses_id: int | None
    reversal: str  # "Reversed: counted as a bot" for a reversal, else ""


def points_totals(*, membership: Membership, day: date | None = None) -> list[PeriodTotal]:
    """The member's points this week, month, quarter and all time (as of `day`, today)."""
    starts = period_starts(day or local_day(timezone.now()))
    found = {
        (period, start): points
        for period, start, points in PointTotal.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            period__in=list(starts),
            starts__in=list(starts.values()),
        ).values_list("period", "starts", "points")
    }
    return [
        PeriodTotal(
            period=period.value,
            label=str(period.label),
            starts=starts[period],
            points=found.get((period.value, starts[period]), 0),
        )
        for period in Period
    ]


def points_history(*, membership: Membership) -> QuerySet[PointEntry]:
    """The member's ledger, newest first."""
    return PointEntry.objects.filter(
        organization_id=membership.organization_id, membership=membership
    ).order_by("-created_at", "-id")


def _titles(entries: Sequence[PointEntry], organization_id: int) -> dict[tuple[str, int], str]:
    """The post (suggestion, reward) each entry's source is about, one query per kind."""
    ids: dict[str, set[int]] = {}
    for entry in entries:
        ids.setdefault(entry.source, set()).add(entry.source_id)
    titles: dict[tuple[str, int], str] = {}
    if Source.SHARE in ids:
        for pk, title in Share.objects.filter(
            organization_id=organization_id, pk__in=ids[Source.SHARE]
        ).values_list("pk", "post__title"):
            titles[(Source.SHARE, pk)] = title
    if Source.CLICK in ids:
        for pk, title in Click.objects.filter(
            organization_id=organization_id, pk__in=ids[Source.CLICK]
        ).values_list("pk", "link__post__title"):
            titles[(Source.CLICK, pk)] = title
    if Source.METRICS in ids:
        for pk, title in ShareMetrics.objects.filter(
            share__organization_id=organization_id, pk__in=ids[Source.METRICS]
        ).values_list("pk", "share__post__title"):
            titles[(Source.METRICS, pk)] = title
    if Source.SUGGESTION in ids:
        for pk, url, title in Suggestion.objects.filter(
            organization_id=organization_id, pk__in=ids[Source.SUGGESTION]
        ).values_list("pk", "url", "post__title"):
            titles[(Source.SUGGESTION, pk)] = title or url
    if Source.REWARD_REQUEST in ids:
        for pk, name in RewardRequest.objects.filter(
            organization_id=organization_id, pk__in=ids[Source.REWARD_REQUEST]
        ).values_list("pk", "reward__name"):
            titles[(Source.REWARD_REQUEST, pk)] = name
    return titles


def _describe(entry: PointEntry, title: str | None) -> str:
    post = {"post": title or GONE}
    if entry.source == Source.SHARE:
        return _("Share of %(post)s") % post
    if entry.source == Source.CLICK:
        return _("A new visitor opened your link to %(post)s") % post
    if entry.source == Source.METRICS:
        return _("Reactions, reposts and replies to your share of %(post)s") % post
    if entry.source == Source.SUGGESTION:
        if title:
            return _("Your suggestion %(title)s was accepted") % {"title": title}
        return _("Your suggestion was accepted")
    if entry.source == Source.REWARD_REQUEST and title:
        return _("Reward: %(name)s") % {"name": title}
    # Courses and customer answers name themselves in the entry's note.
    original_note = entry.note if entry.reverses_id is None else ""
    return original_note or str(Rule(entry.rule).label)


def _reversal(entry: PointEntry) -> str:
    if entry.reverses_id is None:
        return ""
    note = entry.note.strip()
    if note in REVERSALS:
        return str(REVERSALS[note])
    return (
        _("Reversed: %(note)s") % {"note": f"{note[:1].lower()}{note[1:]}"}
        if note
        else _("Reversed")
    )


def history_rows(*, entries: Iterable[PointEntry], organization_id: int) -> list[HistoryRow]:
    """Ledger entries in words: "Share of <post>", "Reversed: counted as a bot"..."""
    entries = list(entries)
    titles = _titles(entries, organization_id)
    return [
        HistoryRow(
            id=entry.pk,
            created_at=entry.created_at,
            day=entry.day,
            rule=entry.rule,
            rule_label=str(Rule(entry.rule).label),
            description=_describe(entry, titles.get((entry.source, entry.source_id))),
            points=entry.points,
            source=entry.source,
            source_id=entry.source_id,
            reverses_id=entry.reverses_id,
            reversal=_reversal(entry),
        )
        for entry in entries
    ]
