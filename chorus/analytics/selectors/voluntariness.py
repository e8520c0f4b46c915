"""The voluntariness card: evidence that the program is voluntary and broad.

Joins and leaves per month (every join and leave is a ProgramConsent row), the reasons
leavers chose to give (counted only: shown when at least FEWEST_REASONS leavers of the
twelve months gave one, since the program page promises a reason is "only counted, never
shown with your name"), the pressure answers of the surveys (which apply their own 5+
rule), nudges sent and the unsubscribes that followed, and how many members made half the
shares and half the activity of the period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from chorus.accounts.models import ConsentAction, LeaveReason, Organization, ProgramConsent
from chorus.analytics.selectors.program import ProgramActivity, members_making_half
from chorus.reach.selectors.nudges import NudgeMonth, nudge_months
from chorus.surveys.selectors import measures as survey_measures
from chorus.surveys.selectors.measures import MeasurePoint

MONTHS = 12
FEWEST_REASONS = 5  # leavers who gave a reason, before any reason is counted on a page
# Half of the shares made by at least this share of the program's members (and at least
# BROAD_FEWEST of them) reads "broad"; fewer reads "concentrated".
BROAD_PERCENT = 10
BROAD_FEWEST = 3


@dataclass(frozen=True)
class ConsentMonth:
    month: date
    joined: int
    left: int


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class Spread:
    members: int  # active program members
    sharers: int  # of them, who shared in the period
    shares: int
    activity: int  # shares + clicks
    half_shares: int | None  # the fewest members who made half the shares
    half_activity: int | None

    @property
    def broad(self) -> bool | None:
        """None when nobody shared."""
        if self.half_shares is None:
            return None
        return self.half_shares >= max(BROAD_FEWEST, math.ceil(self.members * BROAD_PERCENT / 100))

    @property
    def reading(self) -> str:
        """One line a person reads: broad or concentrated, and the figures."""
        if self.half_shares is None:
            return gettext("Nobody in the program shared in this period.")
        if self.broad:
            return ngettext(
                "Broad: %(count)s of %(members)s member made half the shares.",
                "Broad: %(count)s of %(members)s members made half the shares.",
                self.members,
            ) % {"count": self.half_shares, "members": self.members}
        return ngettext(
            "Concentrated: %(count)s member made half the shares (of %(members)s in the program).",
            "Concentrated: %(count)s members made half the shares (of %(members)s in the program).",
            self.half_shares,
        ) % {"count": self.half_shares, "members": self.members}


@dataclass(frozen=True)
class Voluntariness:
    months: list[ConsentMonth]  # the last MONTHS months, oldest first
    joined: int
    left: int
    leavers_with_reason: int  # members who gave a reason in those months
    reasons: list[ReasonCount] | None  # None: fewer than FEWEST_REASONS gave one
    pressure: list[MeasurePoint]  # oldest first
    nudges: list[NudgeMonth]  # oldest first
    spread: Spread


def month_starts(today: date, months: int = MONTHS) -> list[date]:
    """The first days of the last `months` months, this one included, oldest first."""
    first = today.replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        starts.append(first)
    return starts[::-1]


def _month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _consents(organization: Organization, today: date) -> list[tuple[str, datetime, int, str]]:
    """Every join and leave of the last twelve months: few next to shares and clicks."""
    since = timezone.make_aware(datetime.combine(month_starts(today)[0], datetime.min.time()))
    return list(
        ProgramConsent.objects.filter(organization=organization, created_at__gte=since)
        .values_list("action", "created_at", "membership_id", "reason")
        .order_by()
    )


def consent_months(
    *,
    organization: Organization,
    today: date | None = None,
    consents: list[tuple[str, datetime, int, str]] | None = None,
) -> list[ConsentMonth]:
    """Joins and leaves per month of the last twelve, oldest first."""
    today = today or timezone.localdate()
    if consents is None:
        consents = _consents(organization, today)
    starts = month_starts(today)
    counts: dict[date, dict[str, int]] = {start: {"joined": 0, "left": 0} for start in starts}
    for action, created_at, _membership, _reason in consents:
        month = _month_of(created_at)
        if month in counts:
            key = "joined" if action == ConsentAction.JOINED else "left"
            counts[month][key] += 1
    return [ConsentMonth(start, counts[start]["joined"], counts[start]["left"]) for start in starts]


def leave_reasons(
    *,
    organization: Organization,
    today: date | None = None,
    consents: list[tuple[str, datetime, int, str]] | None = None,
) -> tuple[int, list[ReasonCount] | None]:
    """How many members gave a reason for leaving in the last twelve months, and the
    reasons' counts (each member once per reason) when at least FEWEST_REASONS did."""
    today = today or timezone.localdate()
    if consents is None:
        consents = _consents(organization, today)
    per_reason: dict[str, set[int]] = {}
    for action, _created_at, membership_id, reason in consents:
        if action == ConsentAction.LEFT and reason:
            per_reason.setdefault(reason, set()).add(membership_id)
    leavers = len(set().union(*per_reason.values())) if per_reason else 0
    if leavers < FEWEST_REASONS:
        return leavers, None
    labels = dict(LeaveReason.choices)
    reasons = [
        ReasonCount(reason, str(labels.get(reason, reason)), len(per_reason[reason]))
        for reason in LeaveReason.values
        if per_reason.get(reason)
    ]
    reasons.sort(key=lambda row: -row.count)
    return leavers, reasons


def participation_spread(*, activity: ProgramActivity) -> Spread:
    figures = [activity.of(pk) for pk in activity.members]
    shares: Iterable[int] = [figure.shares for figure in figures]
    return Spread(
        members=len(activity.members),
        sharers=sum(1 for figure in figures if figure.shares),
        shares=sum(figure.shares for figure in figures),
        activity=sum(figure.activity for figure in figures),
        half_shares=members_making_half(shares),
        half_activity=members_making_half(figure.activity for figure in figures),
    )


def voluntariness(
    *, organization: Organization, activity: ProgramActivity, today: date | None = None
) -> Voluntariness:
    """The whole card; `activity` is the program's members and their figures of the
    dashboard's period (`program.program_activity`)."""
    today = today or timezone.localdate()
    consents = _consents(organization, today)
    months = consent_months(organization=organization, today=today, consents=consents)
    leavers, reasons = leave_reasons(organization=organization, today=today, consents=consents)
    first = months[0].month
    return Voluntariness(
        months=months,
        joined=sum(month.joined for month in months),
        left=sum(month.left for month in months),
        leavers_with_reason=leavers,
        reasons=reasons,
        pressure=survey_measures.pressure_trend(organization=organization, since=first),
        nudges=sorted(
            (
                month
                for month in nudge_months(organization=organization, months=MONTHS)
                if month.month >= first
            ),
            key=lambda month: month.month,
        ),
        spread=participation_spread(activity=activity),
    )
