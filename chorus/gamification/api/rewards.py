"""The rewards API: the catalogue, requesting a reward, and deciding requests.

Every operation answers 404 while the organization has points turned off.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Input, PathId
from chorus.gamification.models import Reward, RewardRequest, RewardStatus
from chorus.gamification.selectors import rewards as selectors
from chorus.gamification.services import rewards as services
from chorus.gamification.services.points import gamification_enabled

router = Router(tags=["gamification"])


class RewardOut(Schema):
    id: int
    name: str
    description: str
    price: int = Field(description="Points")
    stock: int = Field(description="Items left to request")
    active: bool
    picture_url: str = Field(description="The reward's picture on this site (empty without)")


def _picture_url(reward: Reward) -> str:
    if not reward.picture:
        return ""
    return f"{reverse('reward_picture', args=[reward.pk])}?v={reward.picture_version}"


class RewardRequestOut(Schema):
    id: int
    reward_id: int
    reward_name: str
    member_id: int
    points: int = Field(description="The price paid, set aside until a decline or cancel")
    status: RewardStatus
    reason: str = Field(description="The admin's reason, when given")
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_reward_name(item: RewardRequest) -> str:
        return item.reward.name

    @staticmethod
    def resolve_member_id(item: RewardRequest) -> int:
        return item.membership_id


class RequestFilters(Input):
    status: RewardStatus | None = Field(None, description="Only requests in this status")
    mine: bool = Field(False, description="Admins: only their own requests")


class DecisionIn(Input):
    reason: str = Field("", max_length=services.MAX_REASON, description="Told to the member")


def _member(request: HttpRequest) -> Membership:
    """The caller, when the organization has points on (404 otherwise)."""
    caller = calling_member(request)
    if not gamification_enabled(organization_id=caller.organization_id):
        raise Http404("Points are turned off in this organization.")
    return caller


def _pending_of(caller: Membership, reward_request_id: int, *, own: bool) -> RewardRequest:
    found = RewardRequest.objects.select_related("reward", "membership__organization").filter(
        organization=caller.organization
    )
    if own:
        found = found.filter(membership=caller)
    return get_object_or_404(found, pk=reward_request_id)


@router.get(
    "/rewards",
    response={200: list[RewardOut], 404: Error},
    summary="The rewards catalogue",
    description="Rewards members can request, cheapest first (out-of-stock ones included).",
)
@api_roles()
def reward_list(request: HttpRequest) -> list[RewardOut]:
    caller = _member(request)
    return [
        RewardOut(
            id=reward.pk,
            name=reward.name,
            description=reward.description,
            price=reward.price,
            stock=reward.stock,
            active=reward.active,
            picture_url=_picture_url(reward),
        )
        for reward in selectors.rewards_catalogue(organization=caller.organization)
    ]


@router.post(
    "/rewards/{reward_id}/request",
    response={201: RewardRequestOut, 404: Error, 422: Error},
    summary="Request a reward",
    description=(
        "Sets one item and the reward's price in points aside at once; an admin then "
        "approves or declines. 422 when the reward is out of stock or out of the catalogue, "
        "or the caller's balance is short."
    ),
)
@api_roles()
def reward_request(request: HttpRequest, reward_id: PathId) -> Status[RewardRequest]:
    caller = _member(request)
    reward = get_object_or_404(Reward, pk=reward_id, organization=caller.organization)
    made = services.reward_request(membership=caller, reward=reward)
    return Status(201, made)


@router.get(
    "/reward-requests",
    response={200: list[RewardRequestOut], 404: Error},
    summary="Reward requests",
    description="The caller's requests, newest first; admins see everyone's (mine=true: theirs).",
)
@api_roles()
@paginate(Pagination)
def reward_request_list(
    request: HttpRequest, filters: Query[RequestFilters]
) -> QuerySet[RewardRequest]:
    caller = _member(request)
    everyone = caller.has_role("admin") and not filters.mine
    return selectors.reward_requests(
        organization=caller.organization,
        membership=None if everyone else caller,
        status=filters.status or "",
    )


@router.post(
    "/reward-requests/{reward_request_id}/approve",
    response={200: RewardRequestOut, 404: Error, 422: Error},
    summary="Approve a pending reward request",
    description="The member is told, with the reason if given. 422 if already decided.",
)
@api_roles("admin")
def reward_request_approve(
    request: HttpRequest, reward_request_id: PathId, payload: DecisionIn
) -> RewardRequest:
    caller = _member(request)
    pending = _pending_of(caller, reward_request_id, own=False)
    decided = services.reward_decide(
        request=pending, actor=caller.user, approve=True, reason=payload.reason
    )
    return decided


@router.post(
    "/reward-requests/{reward_request_id}/decline",
    response={200: RewardRequestOut, 404: Error, 422: Error},
    summary="Decline a pending reward request",
    description="The item goes back to the stock and the points to the member, who is told.",
)
@api_roles("admin")
def reward_request_decline(
    request: HttpRequest, reward_request_id: PathId, payload: DecisionIn
) -> RewardRequest:
    caller = _member(request)
    pending = _pending_of(caller, reward_request_id, own=False)
    decided = services.reward_decide(
        request=pending, actor=caller.user, approve=False, reason=payload.reason
    )
    return decided


@router.post(
    "/reward-requests/{reward_request_id}/cancel",
    response={200: RewardRequestOut, 404: Error, 422: Error},
    summary="Cancel my pending reward request",
    description="The item and the points come back. 404 for another member's request.",
)
@api_roles()
def reward_request_cancel(request: HttpRequest, reward_request_id: PathId) -> RewardRequest:
    caller = _member(request)
    pending = _pending_of(caller, reward_request_id, own=True)
    return services.reward_cancel(request=pending, membership=caller)
