"""The members API: list, read and edit the organization's members.

Every lookup by id goes through the caller's organization, so a foreign id is 404.
Writes go through chorus.accounts.services, like the views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params import Query

from chorus.accounts.models import Group, Membership
from chorus.accounts.selectors import members as selectors
from chorus.accounts.selectors.groups import group_list_by_ids
from chorus.accounts.services import members as services
from chorus.actions.members import member_set_active
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId

router = Router(tags=["accounts"])

RoleName = Literal["employee", "curator", "approver", "trainer", "admin"]


ProgramStatusName = Literal["not_joined", "joined", "left"]


class GroupRef(Schema):
    id: int
    kind: str
    name: str


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    name: str
    title: str
    roles: list[str]
    is_active: bool
    program_status: str
    groups: list[GroupRef]
    created_at: datetime

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.name

    @staticmethod
    def resolve_groups(obj: Membership) -> list[Group]:
        return list(obj.groups.all())


class MemberFilters(Input):
    q: str = Field("", max_length=200, description="Part of the name or email")
    role: RoleName | None = None
    group_id: Id | None = None
    program_status: ProgramStatusName | None = None
    active: bool | None = None


class MemberPatch(Input):
    roles: list[RoleName] | None = Field(None, min_length=1, max_length=len(get_args(RoleName)))
    title: str | None = Field(None, max_length=150)
    group_ids: list[Id] | None = Field(None, max_length=1000)
    is_active: bool | None = None


def _member(request: HttpRequest, member_id: int) -> Membership:
    membership = selectors.member_get(
        organization=calling_member(request).organization, member_id=member_id
    )
    if membership is None:
        raise Http404(_("Unknown member."))
    return membership


def group_list_or_404(request: HttpRequest, group_ids: list[int]) -> list[Group]:
    """The caller's organization's groups with these ids; an unknown id is a 404, as
    every foreign id in this API (the members and invitations operations use it)."""
    try:
        return group_list_by_ids(
            organization=calling_member(request).organization, group_ids=group_ids
        )
    except ValidationError as unknown:
        raise Http404(unknown.message) from unknown


@router.get("/members", response=list[MemberOut], summary="List members")
@api_roles("admin")
@paginate(Pagination)
def member_list(request: HttpRequest, filters: Query[MemberFilters]) -> QuerySet[Membership]:
    return selectors.member_list(
        organization=calling_member(request).organization,
        q=filters.q,
        role=filters.role or "",
        group_id=filters.group_id,
        program_status=filters.program_status or "",
        active=filters.active,
    )


@router.get("/members/{member_id}", response={200: MemberOut, 404: Error}, summary="One member")
@api_roles("admin")
def member_detail(request: HttpRequest, member_id: PathId) -> Membership:
    return _member(request, member_id)


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, 404: Error, 422: Error},
    summary="Change a member's roles, title, groups or access",
)
@api_roles("admin")
def member_update(request: HttpRequest, member_id: PathId, payload: MemberPatch) -> Membership:
    actor = calling_member(request).user
    membership = _member(request, member_id)
    # All or nothing: a refused change leaves the member exactly as before.
    with transaction.atomic():
        if payload.is_active is not None:
            member_set_active(membership=membership, actor=actor, active=payload.is_active)
        if payload.roles is not None:
            services.membership_update_roles(
                membership=membership, actor=actor, roles=payload.roles
            )
        if payload.title is not None:
            services.membership_update_title(
                membership=membership, actor=actor, title=payload.title
            )
        if payload.group_ids is not None:
            groups = group_list_or_404(request, payload.group_ids)
            services.membership_update_groups(membership=membership, actor=actor, groups=groups)
    return _member(request, member_id)
