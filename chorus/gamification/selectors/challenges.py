"""Challenges: who takes part, and how far the group and each member got.

Progress is counted in the database (one GROUP BY per challenge) from the raw rows of the
challenge's days (site time zone, both days included):
- shares: the members' shares marked SHARED whose shared_at is in the period (undone
  shares are UNDONE, so they never count), of the campaign's posts when one is set;
- unique_clicks: the first click of each new visitor on a member's links in the period
  (kind "click", is_unique, not the member's own), of the campaign's posts when set;
- points: the ledger entries of the period's days, reversals included (a reward bought
  with points is spending, not earning: left out).

The audience is the organization's active members taking part in the program, and when
the challenge names groups, only the current members of any of them (a member in two of
the groups counts once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Sum

from chorus.accounts.models import Group, Membership, Organization, ProgramStatus
from chorus.analytics.rollups import day_bounds, today
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.gamification.models import Challenge, ChallengeMetric, PointEntry, Rule
from chorus.links.models import Click, ClickKind
from chorus.sharing.models import Share, ShareStatus

TOP = 10
TABLE_LIMIT = 500


@dataclass(frozen=True)
class Progress:
    """A challenge's figures: the group's total, and the viewer's when they take part."""

    total: int
    target: int
    percent: int
    mine: int | None = None
    member_target: int | None = None
    member_percent: int | None = None


@dataclass(frozen=True)
class MemberLine:
    rank: int
    member_id: int | None
    label: str
    value: int
    percent: int | None


def percent_of(value: int, target: int | None) -> int | None:
    """Whole percent of `target` reached, at most 100 (None without a target)."""
    if not target:
        return None
    return max(0, min(100, value * 100 // target))


def period_bounds(challenge: Challenge) -> tuple[datetime, datetime]:
    """From the first day's midnight to the day after the last (site time zone)."""
    return day_bounds(challenge.starts_on)[0], day_bounds(challenge.ends_on)[1]


def audience(challenge: Challenge) -> QuerySet[Membership]:
    """The members the challenge is for (each once, however many of its groups they are in)."""
    members = Membership.objects.filter(
        organization_id=challenge.organization_id,
        is_active=True,
        program_status=ProgramStatus.JOINED,
    )
    group_ids = list(challenge.groups.values_list("pk", flat=True))
    if group_ids:
        in_groups = Group.members.through.objects.filter(group_id__in=group_ids)
        members = members.filter(pk__in=in_groups.values("membership_id"))
    return members


def targets(challenge: Challenge, membership: Membership) -> bool:
    return audience(challenge).filter(pk=membership.pk).exists()


def member_values(challenge: Challenge, members: QuerySet[Membership]) -> dict[int, int]:
    """Each member's figure in the challenge's period (members with none left out)."""
    start, end = period_bounds(challenge)
    organization_id = challenge.organization_id
    if challenge.metric == ChallengeMetric.SHARES:
        shares = Share.objects.filter(
            organization_id=organization_id,
            status=ShareStatus.SHARED,
            shared_at__gte=start,
            shared_at__lt=end,
            membership__in=members,
        )
        if challenge.campaign:
            shares = shares.filter(post__campaign=challenge.campaign)
        by_member = shares.values("membership_id").annotate(value=Count("pk"))
        return {row["membership_id"]: row["value"] for row in by_member}
    if challenge.metric == ChallengeMetric.UNIQUE_CLICKS:
        clicks = Click.objects.filter(
            organization_id=organization_id,
            kind=ClickKind.CLICK,
            is_unique=True,
            is_self=False,
            created_at__gte=start,
            created_at__lt=end,
            link__membership__in=members,
        )
        if challenge.campaign:
            clicks = clicks.filter(link__post__campaign=challenge.campaign)
        by_link_owner = clicks.values("link__membership_id").annotate(value=Count("pk"))
        return {row["link__membership_id"]: row["value"] for row in by_link_owner}
    entries = (
        PointEntry.objects.filter(
            organization_id=organization_id,
            day__gte=challenge.starts_on,
            day__lte=challenge.ends_on,
            membership__in=members,
        )
        .exclude(rule=Rule.REWARD)
        .values("membership_id")
        .annotate(value=Sum("points"))
    )
    return {row["membership_id"]: row["value"] or 0 for row in entries}


def progress(challenge: Challenge, *, viewer: Membership | None = None) -> Progress:
    """The group's figure, and the viewer's own when the challenge is for them."""
    members = audience(challenge)
    values = member_values(challenge, members)
    total = sum(values.values())
    mine: int | None = None
    if viewer is not None and members.filter(pk=viewer.pk).exists():
        mine = values.get(viewer.pk, 0)
    return Progress(
        total=total,
        target=challenge.target,
        percent=percent_of(total, challenge.target) or 0,
        mine=mine,
        member_target=challenge.member_target,
        member_percent=percent_of(mine, challenge.member_target) if mine is not None else None,
    )


def member_table(challenge: Challenge, *, limit: int = TABLE_LIMIT) -> tuple[list[MemberLine], int]:
    """Every participant with their figure, best first (ties share a rank), and how many
    take part. Members who chose not to be ranked are not named."""
    members = audience(challenge)
    values = member_values(challenge, members)
    people = list(
        members.values_list("pk", "public_ranking", "user__name", "user__email").order_by("pk")
    )
    people.sort(key=lambda person: -values.get(person[0], 0))
    lines: list[MemberLine] = []
    rank = 0
    previous: int | None = None
    for position, (pk, public, name, email) in enumerate(people[:limit], start=1):
        value = values.get(pk, 0)
        if value != previous:
            rank, previous = position, value
        lines.append(
            MemberLine(
                rank=rank,
                member_id=pk if public else None,
                label=(name or email) if public else NOT_RANKED,
                value=value,
                percent=percent_of(value, challenge.member_target),
            )
        )
    return lines, len(people)


def challenges_of(*, organization: Organization) -> QuerySet[Challenge]:
    return Challenge.objects.filter(organization=organization).prefetch_related("groups")


def challenges_for(*, membership: Membership) -> QuerySet[Challenge]:
    """The challenges whose audience includes the member (everyone's, or one of their groups)."""
    mine = Group.members.through.objects.filter(membership_id=membership.pk).values("group_id")
    targeted = Challenge.objects.filter(
        organization_id=membership.organization_id, groups__in=mine
    ).values("pk")
    if membership.is_active and membership.program_status == ProgramStatus.JOINED:
        found = Challenge.objects.filter(organization_id=membership.organization_id).filter(
            Q(groups__isnull=True) | Q(pk__in=targeted)
        )
    else:
        found = Challenge.objects.none()
    return found.distinct()


def state_of(challenge: Challenge, *, day: date | None = None) -> str:
    """upcoming, active or ended (site time zone)."""
    day = day or today()
    if day < challenge.starts_on:
        return "upcoming"
    if day > challenge.ends_on:
        return "ended"
    return "active"


def days_left(challenge: Challenge, *, day: date | None = None) -> int:
    """Days left including today (1 on the last day, 0 once ended)."""
    day = day or today()
    return max(0, (challenge.ends_on - max(day, challenge.starts_on)).days + 1)


def challenges_to_close(*, day: date | None = None) -> QuerySet[Challenge]:
    """Ended challenges whose results were not sent yet."""
    day = day or today()
    return Challenge.objects.filter(results_sent_at__isnull=True, ends_on__lt=day).order_by("pk")
