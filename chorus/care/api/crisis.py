"""The care API: crisis. Anyone in the program flags a potential crisis; admins and
curators list and resolve flags; admins pause all sharing and resume it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from chorus.accounts.models import Organization
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.care.models import CrisisFlag
from chorus.care.selectors import crisis as selectors
from chorus.care.services import crisis as services
from chorus.core.validators import WebURLOrBlank
from chorus.sharing.models import AutoShare, Share
from chorus.sharing.selectors.pause import shares_held
from chorus.sharing.services import pause as pause_services

router = Router(tags=["care"])


class CareCrisisFlagOut(Schema):
    id: int
    description: str
    link: str
    page: str = Field(description="The page of Chorus it was flagged from")
    conversation_id: int | None
    raised_by_id: int | None = Field(description="The member who flagged it")
    raised_by_name: str
    created_at: datetime
    resolved: bool
    resolved_at: datetime | None
    resolved_by_id: int | None
    resolution: str


def _flag_out(flag: CrisisFlag) -> CareCrisisFlagOut:
    raised_by = flag.raised_by
    return CareCrisisFlagOut(
        id=flag.pk,
        description=flag.description,
        link=flag.link,
        page=flag.page,
        conversation_id=flag.conversation_id,
        raised_by_id=flag.raised_by_id,
        raised_by_name=str(raised_by.user) if raised_by is not None else "",
        created_at=flag.created_at,
        resolved=flag.resolved_at is not None,
        resolved_at=flag.resolved_at,
        resolved_by_id=flag.resolved_by_id,
        resolution=flag.resolution,
    )


class CareCrisisFlagFilters(Input):
    status: Literal["open", "resolved", "all"] = "all"


@router.get(
    "/care/crisis/flags",
    response={200: list[CareCrisisFlagOut], 403: Error},
    summary="Crisis flags (admins and curators)",
    description="Newest first; `status` open or resolved only.",
)
@api_roles("curator")
def care_crisis_flag_list(
    request: HttpRequest, filters: Query[CareCrisisFlagFilters]
) -> list[CareCrisisFlagOut]:
    caller = calling_member(request)
    resolved = {"open": False, "resolved": True, "all": None}[filters.status]
    flags = selectors.crisis_flags(organization=caller.organization, resolved=resolved)
    return [_flag_out(flag) for flag in flags[:500]]


class CareCrisisFlagIn(Input):
    description: str = Field(min_length=1, max_length=services.MAX_DESCRIPTION)
    link: WebURLOrBlank = ""
    page: str = Field(
        "",
        max_length=services.MAX_PAGE,
        description="The path on Chorus it is flagged from (another site's address is dropped)",
    )
    conversation_id: Id | None = None


@router.post(
    "/care/crisis/flags",
    response={201: CareCrisisFlagOut, 403: Error, 404: Error, 422: Error},
    summary="Flag a potential crisis",
    description="Anyone in the program. Admins and curators are told at once. 404 for a "
    "conversation that is not the organization's; 422 past 5 flags an hour.",
)
@api_roles()
def care_crisis_flag_create(
    request: HttpRequest, payload: CareCrisisFlagIn
) -> Status[CareCrisisFlagOut]:
    caller = calling_member(request)
    conversation = None
    if payload.conversation_id is not None:
        conversation = selectors.crisis_conversation(
            organization=caller.organization, conversation_id=payload.conversation_id
        )
        if conversation is None:
            raise Http404("No such conversation.")
    flag = services.crisis_flag(
        membership=caller,
        description=payload.description,
        link=payload.link,
        page=payload.page,
        conversation=conversation,
    )
    return Status(201, _flag_out(flag))


class CareCrisisResolveIn(Input):
    resolution: str = Field(min_length=1, max_length=services.MAX_RESOLUTION)


@router.post(
    "/care/crisis/flags/{crisis_flag_id}/resolve",
    response={200: CareCrisisFlagOut, 403: Error, 404: Error, 422: Error},
    summary="Resolve a crisis flag (admins and curators)",
    description="422 when it is already resolved.",
)
@api_roles("curator")
def care_crisis_flag_resolve(
    request: HttpRequest, crisis_flag_id: PathId, payload: CareCrisisResolveIn
) -> CareCrisisFlagOut:
    caller = calling_member(request)
    flag = selectors.crisis_flag_get(organization=caller.organization, flag_id=crisis_flag_id)
    if flag is None:
        raise Http404("No such flag.")
    resolved = services.crisis_resolve(flag=flag, membership=caller, resolution=payload.resolution)
    return _flag_out(resolved)


class CareSharingPauseOut(Schema):
    paused: bool
    paused_at: datetime | None
    reason: str = Field(description="What members read on every share button")


def _pause_out(organization: Organization) -> CareSharingPauseOut:
    return CareSharingPauseOut(
        paused=organization.sharing_paused,
        paused_at=organization.sharing_paused_at,
        reason=organization.sharing_pause_reason,
    )


@router.get(
    "/care/sharing-pause",
    response={200: CareSharingPauseOut},
    summary="Whether sharing is paused",
    description="While paused, every share is refused with the reason.",
)
@api_roles()
def care_sharing_pause_get(request: HttpRequest) -> CareSharingPauseOut:
    return _pause_out(calling_member(request).organization)


class CareSharingPauseIn(Input):
    reason: str = Field(min_length=1, max_length=pause_services.MAX_REASON)


@router.post(
    "/care/sharing-pause",
    response={200: CareSharingPauseOut, 403: Error, 422: Error},
    summary="Pause all sharing (admins)",
    description="Scheduled shares, auto-share and the post of the day are held until "
    "resumed. 422 when already paused.",
)
@api_roles("admin")
def care_sharing_pause(request: HttpRequest, payload: CareSharingPauseIn) -> CareSharingPauseOut:
    caller = calling_member(request)
    organization = pause_services.sharing_pause(
        organization=caller.organization, actor=caller.user, reason=payload.reason
    )
    return _pause_out(organization)


class CareHeldShareOut(Schema):
    id: int
    member_id: int
    post_id: int
    network: str
    due_at: datetime | None
    came_due: bool = Field(description="Due during the pause: published on resuming")


class CareHeldAutoShareOut(Schema):
    id: int = Field(description="The member's auto-share")
    member_id: int
    post_id: int
    networks: list[str]
    due_at: datetime


class CareSharingHeldOut(Schema):
    shares: list[CareHeldShareOut]
    auto_shares: list[CareHeldAutoShareOut]


@router.get(
    "/care/sharing-pause/held",
    response={200: CareSharingHeldOut, 403: Error},
    summary="What the pause holds (admins)",
    description="Scheduled shares (came due or later) and today's auto-shares whose time "
    "passed. Empty when sharing is not paused.",
)
@api_roles("admin")
def care_sharing_held(request: HttpRequest) -> CareSharingHeldOut:
    held = shares_held(organization=calling_member(request).organization)
    shares = [
        CareHeldShareOut(
            id=share.pk,
            member_id=share.membership_id,
            post_id=share.post_id,
            network=share.network,
            due_at=share.next_attempt_at or share.scheduled_for,
            came_due=came_due,
        )
        for came_due, group in ((True, held.due), (False, held.scheduled))
        for share in group
    ]
    autos = [
        CareHeldAutoShareOut(
            id=found.pk,
            member_id=found.auto.membership_id,
            post_id=found.post.pk,
            networks=found.networks,
            due_at=found.due,
        )
        for found in held.auto_shares
    ]
    return CareSharingHeldOut(shares=shares, auto_shares=autos)


class CareSharingResumeIn(Input):
    cancel_share_ids: list[Id] = Field(default_factory=list, max_length=10000)
    cancel_auto_share_ids: list[Id] = Field(default_factory=list, max_length=10000)


class CareSharingResumedOut(Schema):
    released: int = Field(description="Held shares that came due, published now")
    still_scheduled: int
    cancelled: int
    auto_shares_made: int
    auto_shares_cancelled: int


@router.post(
    "/care/sharing-pause/resume",
    response={200: CareSharingResumedOut, 403: Error, 404: Error, 422: Error},
    summary="Resume sharing (admins)",
    description="Releases what was held and cancels the chosen shares and auto-shares "
    "(their members are told why). 404 for ids that are not the organization's; 422 when "
    "sharing is not paused.",
)
@api_roles("admin")
def care_sharing_resume(
    request: HttpRequest, payload: CareSharingResumeIn
) -> CareSharingResumedOut:
    caller = calling_member(request)
    organization = caller.organization
    share_ids = set(payload.cancel_share_ids)
    auto_ids = set(payload.cancel_auto_share_ids)
    found = Share.objects.filter(organization=organization, pk__in=share_ids).count()
    found_auto = AutoShare.objects.filter(organization=organization, pk__in=auto_ids).count()
    if found != len(share_ids) or found_auto != len(auto_ids):
        raise Http404("No such share.")
    done = pause_services.sharing_resume(
        organization=organization,
        actor=caller.user,
        cancel_share_ids=share_ids,
        cancel_auto_share_ids=auto_ids,
    )
    return CareSharingResumedOut(
        released=done.released,
        still_scheduled=done.still_scheduled,
        cancelled=done.cancelled,
        auto_shares_made=done.auto_shares_made,
        auto_shares_cancelled=done.auto_shares_cancelled,
    )
