"""The badges API: my badges with progress, and the admins' badge management.

Every operation answers 404 while the organization has gamification turned off.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.gamification.models import Badge, Criterion
from chorus.gamification.selectors import badges as selectors
from chorus.gamification.services import badges as services
from chorus.gamification.services.points import gamification_enabled

router = Router(tags=["gamification"])


class MyBadgeOut(Schema):
    id: int
    name: str
    description: str
    criterion: Criterion
    threshold: int
    earned: bool
    awarded_at: datetime | None
    value: int = Field(description="The member's figure for the criterion")
    progress: str = Field(description="In words, e.g. '7 of 10 shares'")


class MyBadgesOut(Schema):
    streak_current: int = Field(description="Weeks in a row with a share, up to this or last week")
    streak_best: int = Field(description="The longest run of weeks with a share")
    badges: list[MyBadgeOut]


class BadgeOut(Schema):
    id: int
    name: str
    description: str
    criterion: Criterion
    threshold: int
    active: bool
    earned: int = Field(description="How many members earned it")
    created_at: datetime


class BadgeIn(Input):
    name: str = Field(max_length=services.MAX_NAME)
    description: str = Field("", max_length=services.MAX_DESCRIPTION)
    criterion: Criterion
    threshold: int = Field(1, ge=1, le=services.MAX_THRESHOLD, description="1 for yes/no ones")
    active: bool = True

    def fields_value(self) -> services.BadgeFields:
        return services.BadgeFields(
            name=self.name,
            description=self.description,
            criterion=self.criterion,
            threshold=self.threshold,
            active=self.active,
        )


def _member(request: HttpRequest) -> Membership:
    """The caller, when the organization has gamification on (404 otherwise)."""
    caller = calling_member(request)
    if not gamification_enabled(organization_id=caller.organization_id):
        raise Http404("Gamification is turned off in this organization.")
    return caller


def _badge_out(caller: Membership, badge_id: int) -> BadgeOut:
    badge = get_object_or_404(selectors.badges_all(organization=caller.organization), pk=badge_id)
    return BadgeOut.from_orm(badge)


@router.get(
    "/badges",
    response={200: MyBadgesOut, 404: Error},
    summary="My badges",
    description="Earned badges (newest first) with their date, then those still to earn with "
    "progress; the caller's current and best weekly sharing streak.",
)
@api_roles()
def my_badges(request: HttpRequest) -> MyBadgesOut:
    caller = _member(request)
    current, best = selectors.sharing_streak(caller)
    return MyBadgesOut(
        streak_current=current,
        streak_best=best,
        badges=[
            MyBadgeOut(
                id=item.badge.pk,
                # A suggested badge in the caller's language, like its progress.
                name=str(item.badge.shown_name),
                description=str(item.badge.shown_description),
                criterion=Criterion(item.badge.criterion),
                threshold=item.threshold,
                earned=item.earned,
                awarded_at=item.awarded_at,
                value=item.value,
                progress=item.progress,
            )
            for item in selectors.badges_progress(membership=caller)
        ],
    )


@router.get(
    "/manage/badges",
    response={200: list[BadgeOut], 404: Error},
    summary="The organization's badges",
    description="Every badge, active first, with how many members earned it.",
)
@api_roles("admin")
def badge_list(request: HttpRequest) -> list[Badge]:
    caller = _member(request)
    return list(selectors.badges_all(organization=caller.organization))


@router.post(
    "/manage/badges",
    response={201: BadgeOut, 404: Error, 422: Error},
    summary="Add a badge",
    description="Members who already meet it get it at once.",
)
@api_roles("admin")
def badge_create(request: HttpRequest, payload: BadgeIn) -> Status[BadgeOut]:
    caller = _member(request)
    badge = services.badge_create(
        organization=caller.organization, actor=caller.user, fields=payload.fields_value()
    )
    return Status(201, _badge_out(caller, badge.pk))


@router.post(
    "/manage/badges/suggested",
    response={201: list[BadgeOut], 404: Error, 422: Error},
    summary="Add the suggested badges",
    description="The six suggested badges; 422 when the organization already has badges.",
)
@api_roles("admin")
def badges_suggested(request: HttpRequest) -> Status[list[Badge]]:
    caller = _member(request)
    services.badges_add_suggested(organization=caller.organization, actor=caller.user)
    return Status(201, list(selectors.badges_all(organization=caller.organization)))


@router.get(
    "/manage/badges/{badge_id}",
    response={200: BadgeOut, 404: Error},
    summary="A badge",
)
@api_roles("admin")
def badge_detail(request: HttpRequest, badge_id: PathId) -> BadgeOut:
    return _badge_out(_member(request), badge_id)


@router.put(
    "/manage/badges/{badge_id}",
    response={200: BadgeOut, 404: Error, 422: Error},
    summary="Change a badge",
    description="Members who earned it keep it; active=false stops awarding it.",
)
@api_roles("admin")
def badge_update(request: HttpRequest, badge_id: PathId, payload: BadgeIn) -> BadgeOut:
    caller = _member(request)
    badge = get_object_or_404(Badge, pk=badge_id, organization=caller.organization)
    services.badge_update(badge=badge, actor=caller.user, fields=payload.fields_value())
    return _badge_out(caller, badge.pk)


@router.delete(
    "/manage/badges/{badge_id}",
    response={200: BadgeOut, 404: Error},
    summary="Deactivate a badge",
    description="Badges are never deleted: it is no longer awarded, and members keep it.",
)
@api_roles("admin")
def badge_deactivate(request: HttpRequest, badge_id: PathId) -> BadgeOut:
    caller = _member(request)
    badge = get_object_or_404(Badge, pk=badge_id, organization=caller.organization)
    services.badge_set_active(badge=badge, actor=caller.user, active=False)
    return _badge_out(caller, badge.pk)
