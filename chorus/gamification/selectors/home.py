"""Points on the homes (chorus/home.py): a member's week on the leaderboard, the challenge
running for them, the reward requests waiting for an admin. Callers check first that the
organization has points on (`gamification_enabled`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chorus.accounts.models import Membership, Organization
from chorus.analytics.rollups import today as site_today
from chorus.core.waiting import Waiting, waiting
from chorus.gamification.models import Challenge, Period, RewardRequest
from chorus.gamification.selectors.challenges import Progress as ChallengeProgress
from chorus.gamification.selectors.challenges import challenges_for, days_left, progress
from chorus.gamification.selectors.leaderboard import my_rank
from chorus.gamification.selectors.rewards import reward_queue

SHOWN = 3


@dataclass(frozen=True)
class WeekPoints:
    points: int
    # The member's place on this week's board; None before they earn points this week.
    rank: int | None


def week_points(*, organization: Organization, membership: Membership) -> WeekPoints:
    """The member's points this week (Monday on) and their rank on the week's board."""
    found = my_rank(organization=organization, membership=membership, period=Period.WEEK)
    return WeekPoints(points=found.points, rank=found.rank)


@dataclass(frozen=True)
class RunningChallenge:
    challenge: Challenge
    progress: ChallengeProgress
    days_left: int
    # Other challenges running for the member at the same time.
    others: int


def challenge_running(
    *, membership: Membership, today: date | None = None
) -> RunningChallenge | None:
    """The challenge running for the member that ends first (None when none runs)."""
    day = today or site_today()
    running = challenges_for(membership=membership).filter(starts_on__lte=day, ends_on__gte=day)
    challenge = running.order_by("ends_on", "pk").first()
    if challenge is None:
        return None
    others = running.count() - 1
    return RunningChallenge(
        challenge=challenge,
        progress=progress(challenge, viewer=membership),
        days_left=days_left(challenge, day=day),
        others=others,
    )


def reward_requests_waiting(
    *, organization: Organization, limit: int = SHOWN
) -> Waiting[RewardRequest]:
    """Reward requests waiting for an admin's decision, the oldest first."""
    return waiting(reward_queue(organization=organization), limit=limit)
