"""The pilot cohort against the rest of the program, over the dashboard's period.

The pilot cohort is the organization's group of kind PILOT (at most one, kept by the pilot
app, which sits above analytics and is never imported here). Both sides count active
members taking part in the program now, with their figures from the member rollups. A
cohort of fewer than 5 such members is not compared (its figures would be a few people's).
"""

from __future__ import annotations

from dataclasses import dataclass

from chorus.accounts.models import Group, GroupKind, Organization
from chorus.analytics.rollups import SMALLEST_GROUP
from chorus.analytics.selectors.program import ProgramActivity


@dataclass(frozen=True)
class Side:
    members: int
    sharers: int
    shares: int
    clicks: int

    @property
    def shared_percent(self) -> float | None:
        return round(self.sharers * 100 / self.members, 1) if self.members else None

    @property
    def shares_per_member(self) -> float | None:
        return round(self.shares / self.members, 2) if self.members else None

    @property
    def clicks_per_share(self) -> float | None:
        return round(self.clicks / self.shares, 2) if self.shares else None


@dataclass(frozen=True)
class PilotComparison:
    group_id: int
    name: str
    pilot: Side | None  # None: fewer than SMALLEST_GROUP pilot members in the program
    rest: Side | None

    @property
    def compared(self) -> bool:
        return self.pilot is not None


def pilot_group(*, organization: Organization) -> Group | None:
    return Group.objects.filter(organization=organization, kind=GroupKind.PILOT).first()


def _side(activity: ProgramActivity, members: frozenset[int]) -> Side:
    figures = [activity.of(pk) for pk in members]
    return Side(
        members=len(members),
        sharers=sum(1 for figure in figures if figure.shares),
        shares=sum(figure.shares for figure in figures),
        clicks=sum(figure.clicks for figure in figures),
    )


def pilot_comparison(
    *, organization: Organization, activity: ProgramActivity
) -> PilotComparison | None:
    """None when the organization has no pilot cohort; two queries otherwise."""
    group = pilot_group(organization=organization)
    if group is None:
        return None
    in_pilot = frozenset(
        Group.members.through.objects.filter(group=group).values_list("membership_id", flat=True)
    )
    pilot = activity.members & in_pilot
    if len(pilot) < SMALLEST_GROUP:
        return PilotComparison(group.pk, group.name, None, None)
    return PilotComparison(
        group.pk,
        group.name,
        _side(activity, pilot),
        _side(activity, activity.members - pilot),
    )
