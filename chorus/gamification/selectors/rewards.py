"""Reads of the rewards catalogue and requests, each scoped to the organization."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from chorus.accounts.models import Membership, Organization
from chorus.gamification.models import Reward, RewardRequest, RewardStatus


def rewards_catalogue(*, organization: Organization) -> QuerySet[Reward]:
    """The rewards members can request (out-of-stock ones included, shown as such)."""
    return Reward.objects.filter(organization=organization, active=True).order_by(
        "price", "name", "pk"
    )


def rewards_all(*, organization: Organization) -> QuerySet[Reward]:
    """Every reward, active first, with how many requests wait for a decision."""
    return (
        Reward.objects.filter(organization=organization)
        .annotate(pending=Count("requests", filter=Q(requests__status=RewardStatus.REQUESTED)))
        .order_by("-active", "name", "pk")
    )


def reward_requests(
    *, organization: Organization, membership: Membership | None = None, status: str = ""
) -> QuerySet[RewardRequest]:
    """Requests, newest first: the organization's, or one member's; of one status or all."""
    found = RewardRequest.objects.filter(organization=organization).select_related(
        "reward", "membership__user", "decided_by"
    )
    if membership is not None:
        found = found.filter(membership=membership)
    if status:
        found = found.filter(status=status)
    return found.order_by("-created_at", "-pk")


def reward_queue(*, organization: Organization) -> QuerySet[RewardRequest]:
    """Pending requests, oldest first: the admins' queue."""
    return reward_requests(organization=organization, status=RewardStatus.REQUESTED).order_by(
        "created_at", "pk"
    )
