"""Who is in the program now and what each of them did in a period, from the rollups.

Read once per page and handed to the voluntariness card (the participation spread) and
the pilot comparison, so the dashboard reads the member rollups of its period once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.analytics.models import DailyMemberStats


@dataclass(frozen=True)
class MemberFigures:
    shares: int = 0
    clicks: int = 0

    @property
    def activity(self) -> int:
        """What the dashboard's concentration counts as activity: shares and clicks."""
        return self.shares + self.clicks


@dataclass(frozen=True)
class ProgramActivity:
    """The active members taking part in the program now, and per member of them the
    figures of the period (members without a rollup row did nothing)."""

    date_from: date
    date_to: date
    members: frozenset[int]
    figures: dict[int, MemberFigures] = field(default_factory=dict)

    def of(self, membership_id: int) -> MemberFigures:
        return self.figures.get(membership_id, MemberFigures())


def program_member_ids(*, organization: Organization) -> frozenset[int]:
    """Active members who joined the program and stayed."""
    return frozenset(
        Membership.objects.filter(
            organization=organization, is_active=True, program_status=ProgramStatus.JOINED
        ).values_list("pk", flat=True)
    )


def program_activity(
    *, organization: Organization, date_from: date, date_to: date
) -> ProgramActivity:
    """Two queries: the program's members, and their sums of the period's member rollups."""
    members = program_member_ids(organization=organization)
    rows = (
        DailyMemberStats.objects.filter(
            organization=organization,
            day__gte=date_from,
            day__lte=date_to,
            membership__is_active=True,
            membership__program_status=ProgramStatus.JOINED,
        )
        .values("membership")
        .annotate(shares=Sum("shares"), clicks=Sum("clicks"))
        .order_by()
    )
    figures = {
        row["membership"]: MemberFigures(int(row["shares"] or 0), int(row["clicks"] or 0))
        for row in rows
        if row["membership"] in members
    }
    return ProgramActivity(date_from, date_to, members, figures)


def members_making_half(values: Iterable[int]) -> int | None:
    """The fewest members whose figures make at least half of the total (the biggest
    first); None when the total is zero."""
    ordered = sorted((value for value in values if value > 0), reverse=True)
    total = sum(ordered)
    if not total:
        return None
    running = 0
    for count, value in enumerate(ordered, start=1):
        running += value
        if running * 2 >= total:
            return count
    return len(ordered)  # pragma: no cover (the loop reaches the total)
