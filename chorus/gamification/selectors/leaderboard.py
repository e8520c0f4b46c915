"""Leaderboards: members ranked by their points this week, month, quarter or all time.

Every read goes to PointTotal's points_ranking index (organization, period, starts,
ranked, -points, membership): the top of a board is one ordered range read, and a member's
rank is one count of the members with more points. Ties share a rank ("1, 2, 2, 4"); within
a tie, members are listed in the index's order (membership id).

Ranked are the members with more than 0 points in the period who are active and in the
program (PointTotal.ranked, kept by the accounts services when a member leaves, comes back,
is deactivated or reactivated: they keep their points, off the boards); on a group's board,
only the group's current members. Members who chose not to be ranked keep their place,
shown as NOT_RANKED to everyone but themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Group, Membership, Organization
from chorus.analytics.rollups import today
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.gamification.models import Period, PointTotal
from chorus.gamification.services.points import period_starts

TOP = 50
NEIGHBOURS = 2
DEFAULT_PERIOD = Period.MONTH
MAX_ID = 2**62
# A period within a sentence ("12 points this month", "Top 50, this month").
PERIOD_PHRASES: dict[str, Promise] = {
    Period.WEEK: gettext_lazy("this week"),
    Period.MONTH: gettext_lazy("this month"),
    Period.QUARTER: gettext_lazy("this quarter"),
    # Translators: a period within a sentence, as in "12 points all time".
    Period.ALL: gettext_lazy("all time"),
}
# What a line reads: who, their points, and what it takes to name them.
LINE_FIELDS = (
    "membership_id",
    "points",
    "membership__public_ranking",
    "membership__user__name",
    "membership__user__email",
)


@dataclass(frozen=True)
class Standing:
    """One line of a board. `member_id` is None when the member is not shown by name."""

    rank: int
    member_id: int | None
    label: str
    points: int
    is_me: bool = False


@dataclass(frozen=True)
class MyRank:
    """The viewer's own place. `rank` is None when they are not on this board: no points
    in the period, or not in the board's group."""

    points: int
    rank: int | None
    in_group: bool
    ranked_publicly: bool
    above: list[Standing] = field(default_factory=list)
    below: list[Standing] = field(default_factory=list)


def period_parse(value: str | None) -> str:
    """The period a request asks for (the default when none); a clear error otherwise."""
    if not value:
        return DEFAULT_PERIOD
    if value not in Period.values:
        raise ValidationError(_("Choose a period: week, month, quarter or all."))
    return value


def group_id_parse(value: str | None) -> int | None:
    """The group a request names by id (None: the whole organization)."""
    if not value:
        return None
    try:
        group_id = int(value)
    except ValueError:
        group_id = 0
    if not 0 < group_id <= MAX_ID:
        raise ValidationError(_("Choose a group from the list."))
    return group_id


def period_start(period: str) -> date:
    """The first day of the current `period` (site time zone)."""
    return period_starts(today())[period]


def visible_groups(*, organization: Organization, viewer: Membership) -> QuerySet[Group]:
    """The groups whose boards the viewer may open: their own; curators and admins, all."""
    groups = Group.objects.filter(organization=organization)
    if not viewer.has_role("curator"):
        groups = groups.filter(members=viewer)
    return groups.order_by("name", "pk")


def _board(
    *, organization: Organization, period: str, starts: date, group_id: int | None
) -> QuerySet[PointTotal]:
    totals = PointTotal.objects.filter(
        organization=organization, period=period, starts=starts, ranked=True, points__gt=0
    )
    if group_id is not None:
        # The group's member list (not a join through Membership): a small group's board
        # is read from its members, a large one's from the ranking index.
        members = Group.members.through.objects.filter(group_id=group_id)
        totals = totals.filter(membership_id__in=members.values("membership_id"))
    return totals


def _line(values: tuple[Any, ...], rank: int, viewer: Membership | None) -> Standing:
    member_id, points, public, name, email = values
    is_me = viewer is not None and member_id == viewer.pk
    shown = public or is_me
    return Standing(
        rank=rank,
        member_id=member_id if shown else None,
        label=(name or email) if shown else NOT_RANKED,
        points=points,
        is_me=is_me,
    )


def leaderboard(
    *,
    organization: Organization,
    period: str,
    group_id: int | None = None,
    limit: int = TOP,
    viewer: Membership | None = None,
) -> list[Standing]:
    """The board's first `limit` lines, best first (one query). The viewer's own line is
    marked and named even when they chose not to be ranked."""
    found = (
        _board(
            organization=organization,
            period=period,
            starts=period_start(period),
            group_id=group_id,
        )
        .order_by("-points", "membership_id")
        .values_list(*LINE_FIELDS)[:limit]
    )
    lines: list[Standing] = []
    for index, values in enumerate(found):
        points = values[1]
        # Ties share the first tied line's rank: 1, 2, 2, 4.
        rank = lines[-1].rank if lines and lines[-1].points == points else index + 1
        lines.append(_line(values, rank, viewer))
    return lines


def _in_group(membership: Membership, group_id: int | None) -> bool:
    if group_id is None:
        return True
    return Group.members.through.objects.filter(
        group_id=group_id, membership_id=membership.pk
    ).exists()


def my_rank(
    *,
    organization: Organization,
    membership: Membership,
    period: str,
    group_id: int | None = None,
) -> MyRank:
    """The member's points in the period, their rank on the board, and the NEIGHBOURS
    members just above and just below them (members not ranked publicly stay anonymous)."""
    starts = period_start(period)
    points = (
        PointTotal.objects.filter(membership=membership, period=period, starts=starts)
        .values_list("points", flat=True)
        .first()
    ) or 0
    in_group = _in_group(membership, group_id)
    mine = MyRank(
        points=points, rank=None, in_group=in_group, ranked_publicly=membership.public_ranking
    )
    if points <= 0 or not in_group or not membership.is_advocate:
        return mine
    board = _board(organization=organization, period=period, starts=starts, group_id=group_id)
    lines = board.values_list(*LINE_FIELDS)
    # Nearest first: the tied members listed before me, then those with more points.
    above = list(
        lines.filter(points=points, membership_id__lt=membership.pk).order_by("-membership_id")[
            :NEIGHBOURS
        ]
    )
    if len(above) < NEIGHBOURS:
        above += lines.filter(points__gt=points).order_by("points", "-membership_id")[
            : NEIGHBOURS - len(above)
        ]
    below = list(
        lines.filter(points=points, membership_id__gt=membership.pk).order_by("membership_id")[
            :NEIGHBOURS
        ]
    )
    if len(below) < NEIGHBOURS:
        below += lines.filter(points__lt=points).order_by("-points", "membership_id")[
            : NEIGHBOURS - len(below)
        ]
    # One count for my rank and every neighbour's: members with more points than each.
    values = sorted({points} | {line[1] for line in above + below})
    counts = board.filter(points__gt=values[0]).aggregate(
        **{f"over_{value}": Count("membership_id", filter=Q(points__gt=value)) for value in values}
    )

    def rank_of(value: int) -> int:
        return int(counts[f"over_{value}"]) + 1

    return MyRank(
        points=points,
        rank=rank_of(points),
        in_group=True,
        ranked_publicly=membership.public_ranking,
        above=[_line(line, rank_of(line[1]), membership) for line in reversed(above)],
        below=[_line(line, rank_of(line[1]), membership) for line in below],
    )
