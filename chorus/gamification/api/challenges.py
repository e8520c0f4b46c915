"""The challenges API: my challenges with progress; curators create, change (before the
start) and delete them.

Every operation answers 404 while the organization has points turned off.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Membership
from chorus.analytics.rollups import today as current_day
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.gamification.models import Challenge, ChallengeMetric
from chorus.gamification.selectors import challenges as selectors
from chorus.gamification.services import challenges as services
from chorus.gamification.services.points import gamification_enabled

router = Router(tags=["gamification"])


class ChallengeOut(Schema):
    id: int
    title: str
    description: str
    metric: ChallengeMetric
    campaign: str = Field(description="Only posts of this campaign count; empty: every post")
    target: int = Field(description="The group goal")
    member_target: int | None = Field(description="The personal goal, when set")
    starts_on: date
    ends_on: date
    group_ids: list[int] = Field(description="Empty: everyone in the program")
    prize: str
    state: str = Field(description="upcoming, active or ended")
    days_left: int
    total: int = Field(description="The group's figure so far")
    percent: int = Field(description="Of the group goal, at most 100")
    mine: int | None = Field(description="The caller's figure, when the challenge is for them")
    member_percent: int | None = Field(description="Of the personal goal, at most 100")


class TopOut(Schema):
    rank: int
    member_id: int | None = Field(description="None for members who chose not to be ranked")
    label: str
    value: int


class ChallengeDetailOut(ChallengeOut):
    participants: int
    top: list[TopOut]


class ChallengeIn(Input):
    title: str = Field(max_length=services.MAX_TITLE)
    description: str = Field("", max_length=services.MAX_DESCRIPTION)
    metric: ChallengeMetric
    campaign: str = Field("", max_length=services.MAX_CAMPAIGN)
    target: int = Field(ge=1, le=services.MAX_TARGET)
    member_target: int | None = Field(None, ge=1, le=services.MAX_TARGET)
    starts_on: str = Field(description="First day, YYYY-MM-DD (site time zone)")
    ends_on: str = Field(description="Last day, YYYY-MM-DD (included)")
    group_ids: list[Id] = Field([], max_length=200)
    prize: str = Field("", max_length=services.MAX_PRIZE)


def _member(request: HttpRequest) -> Membership:
    caller = calling_member(request)
    if not gamification_enabled(organization_id=caller.organization_id):
        raise Http404("Points are turned off in this organization.")
    return caller


def _out(challenge: Challenge, viewer: Membership | None) -> ChallengeOut:
    progress = selectors.progress(challenge, viewer=viewer)
    return ChallengeOut(
        id=challenge.pk,
        title=challenge.title,
        description=challenge.description,
        metric=ChallengeMetric(challenge.metric),
        campaign=challenge.campaign,
        target=challenge.target,
        member_target=challenge.member_target,
        starts_on=challenge.starts_on,
        ends_on=challenge.ends_on,
        group_ids=sorted(group.pk for group in challenge.groups.all()),
        prize=challenge.prize,
        state=selectors.state_of(challenge),
        days_left=selectors.days_left(challenge),
        total=progress.total,
        percent=progress.percent,
        mine=progress.mine,
        member_percent=progress.member_percent,
    )


def _detail(challenge: Challenge, viewer: Membership) -> ChallengeDetailOut:
    lines, participants = selectors.member_table(challenge, limit=selectors.TOP)
    return ChallengeDetailOut(
        **_out(challenge, viewer).model_dump(),
        participants=participants,
        top=[
            TopOut(rank=line.rank, member_id=line.member_id, label=line.label, value=line.value)
            for line in lines
            if line.value > 0  # the top lists those who did something
        ],
    )


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: _("Give a date as YYYY-MM-DD.")}) from None


def _fields(payload: ChallengeIn) -> services.ChallengeFields:
    return services.ChallengeFields(
        title=payload.title,
        description=payload.description,
        metric=payload.metric.value,
        campaign=payload.campaign,
        target=payload.target,
        member_target=payload.member_target,
        starts_on=_day(payload.starts_on, "starts_on"),
        ends_on=_day(payload.ends_on, "ends_on"),
        prize=payload.prize,
        group_ids=list(payload.group_ids),
    )


def _of_organization(caller: Membership, challenge_id: int) -> Challenge:
    return get_object_or_404(
        Challenge.objects.prefetch_related("groups"),
        pk=challenge_id,
        organization_id=caller.organization_id,
    )


@router.get(
    "/challenges",
    response={200: list[ChallengeOut], 404: Error},
    summary="My challenges",
    description=(
        "The challenges for the caller (running, coming up, and the last 20 ended), with "
        "the group's progress and the caller's own."
    ),
)
@api_roles()
def challenge_list(request: HttpRequest) -> list[ChallengeOut]:
    caller = _member(request)
    found = selectors.challenges_for(membership=caller).prefetch_related("groups")
    today = current_day()
    current = list(found.filter(ends_on__gte=today).order_by("ends_on", "pk"))
    ended = list(found.filter(ends_on__lt=today).order_by("-ends_on", "-pk")[:20])
    return [_out(challenge, caller) for challenge in current + ended]


@router.get(
    "/challenges/{challenge_id}",
    response={200: ChallengeDetailOut, 404: Error},
    summary="A challenge with its top 10",
    description="Members: challenges for them; curators and admins: every challenge.",
)
@api_roles()
def challenge_get(request: HttpRequest, challenge_id: PathId) -> ChallengeDetailOut:
    caller = _member(request)
    if caller.has_role("curator"):
        challenge = _of_organization(caller, challenge_id)
    else:
        challenge = get_object_or_404(
            selectors.challenges_for(membership=caller).prefetch_related("groups"),
            pk=challenge_id,
        )
    return _detail(challenge, caller)


@router.post(
    "/challenges",
    response={201: ChallengeDetailOut, 404: Error, 422: Error},
    summary="Create a challenge",
    description="422 with the reason when a value is refused (e.g. a start in the past).",
)
@api_roles("curator")
def challenge_create(request: HttpRequest, payload: ChallengeIn) -> Status[ChallengeDetailOut]:
    caller = _member(request)
    created = services.challenge_create(
        organization=caller.organization, actor=caller.user, fields=_fields(payload)
    )
    return Status(201, _detail(_of_organization(caller, created.pk), caller))


@router.put(
    "/challenges/{challenge_id}",
    response={200: ChallengeDetailOut, 404: Error, 422: Error},
    summary="Change a challenge before it starts",
    description="422 once it has started.",
)
@api_roles("curator")
def challenge_update(
    request: HttpRequest, challenge_id: PathId, payload: ChallengeIn
) -> ChallengeDetailOut:
    caller = _member(request)
    challenge = _of_organization(caller, challenge_id)
    services.challenge_update(challenge=challenge, actor=caller.user, fields=_fields(payload))
    return _detail(_of_organization(caller, challenge_id), caller)


@router.delete(
    "/challenges/{challenge_id}",
    response={204: None, 404: Error, 422: Error},
    summary="Delete a challenge before it starts",
    description="422 once it has started.",
)
@api_roles("curator")
def challenge_delete(request: HttpRequest, challenge_id: PathId) -> Status[None]:
    caller = _member(request)
    challenge = _of_organization(caller, challenge_id)
    services.challenge_delete(challenge=challenge, actor=caller.user)
    return Status(204, None)
