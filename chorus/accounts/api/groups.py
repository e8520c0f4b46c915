"""The groups API: the organization's groups and their members.

Every lookup by id goes through the caller's organization, so a foreign id is 404.
Writes go through chorus.accounts.services, like the views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import Query

from chorus.accounts.api.members import MemberOut, _member
from chorus.accounts.models import Group, Membership
from chorus.accounts.selectors import groups as selectors
from chorus.accounts.services import groups as services
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId

router = Router(tags=["accounts"])


GroupKindName = Literal["department", "region", "language", "custom", "provisioned", "pilot"]
# What an admin creates here: the pilot cohort is made and filled by the pilot app, the
# provisioned groups by the identity provider (SCIM).
CreatableGroupKindName = Literal["department", "region", "language", "custom"]


def _members(request: HttpRequest, member_ids: list[int]) -> list[Membership]:
    wanted = set(member_ids)
    organization = calling_member(request).organization
    members = list(Membership.objects.filter(organization=organization, pk__in=wanted))
    if len(members) != len(wanted):
        raise Http404(_("Unknown member."))
    return members


class GroupOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    member_count: int
    created_at: datetime


class GroupIn(Input):
    kind: CreatableGroupKindName = "custom"
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=300)


class GroupPatch(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=300)


class GroupFilters(Input):
    kind: GroupKindName | None = None


class GroupMembersIn(Input):
    member_ids: list[Id] = Field(max_length=1000)


class GroupMembersAdded(Schema):
    added: int


def _group(request: HttpRequest, group_id: int) -> Group:
    groups = Group.objects.annotate(member_count=Count("members"))
    return get_object_or_404(groups, pk=group_id, organization=calling_member(request).organization)


@router.get("/groups", response=list[GroupOut], summary="List groups")
@api_roles("admin")
@paginate(Pagination)
def group_list(request: HttpRequest, filters: Query[GroupFilters]) -> QuerySet[Group]:
    return selectors.group_list(
        organization=calling_member(request).organization, kind=filters.kind or ""
    )


@router.post("/groups", response={201: GroupOut, 422: Error}, summary="Create a group")
@api_roles("admin")
def group_create(request: HttpRequest, payload: GroupIn) -> Status[Group]:
    caller = calling_member(request)
    group = services.group_create(
        organization=caller.organization,
        actor=caller.user,
        kind=payload.kind,
        name=payload.name,
        description=payload.description,
    )
    return Status(201, _group(request, group.pk))


@router.get("/groups/{group_id}", response={200: GroupOut, 404: Error}, summary="One group")
@api_roles("admin")
def group_detail(request: HttpRequest, group_id: PathId) -> Group:
    return _group(request, group_id)


@router.patch(
    "/groups/{group_id}", response={200: GroupOut, 404: Error, 422: Error}, summary="Edit a group"
)
@api_roles("admin")
def group_update(request: HttpRequest, group_id: PathId, payload: GroupPatch) -> Group:
    group = _group(request, group_id)
    services.group_update(
        group=group,
        actor=calling_member(request).user,
        name=group.name if payload.name is None else payload.name,
        description=group.description if payload.description is None else payload.description,
    )
    return _group(request, group_id)


@router.delete(
    "/groups/{group_id}",
    response={204: None, 404: Error, 422: Error},
    summary="Delete a group",
    description="The pilot cohort cannot be deleted here (422).",
)
@api_roles("admin")
def group_delete(request: HttpRequest, group_id: PathId) -> Status[None]:
    services.group_delete(group=_group(request, group_id), actor=calling_member(request).user)
    return Status(204, None)


@router.get(
    "/groups/{group_id}/members",
    response=list[MemberOut],
    summary="A group's members",
)
@api_roles("admin")
@paginate(Pagination)
def group_member_list(request: HttpRequest, group_id: PathId) -> QuerySet[Membership]:
    group = _group(request, group_id)
    members = selectors.group_members(organization=group.organization, group=group)
    return members.prefetch_related("groups")


@router.post(
    "/groups/{group_id}/members",
    response={200: GroupMembersAdded, 404: Error, 422: Error},
    summary="Add members to a group",
    description="The pilot cohort's members join by invitation, not here (422).",
)
@api_roles("admin")
def group_member_add(
    request: HttpRequest, group_id: PathId, payload: GroupMembersIn
) -> GroupMembersAdded:
    group = _group(request, group_id)
    members = _members(request, payload.member_ids)
    added = services.group_add_members(
        group=group, actor=calling_member(request).user, memberships=members
    )
    return GroupMembersAdded(added=added)


@router.delete(
    "/groups/{group_id}/members/{member_id}",
    response={204: None, 404: Error, 422: Error},
    summary="Remove a member from a group",
    description="The pilot cohort's members leave it themselves (422).",
)
@api_roles("admin")
def group_member_remove(
    request: HttpRequest,
    group_id: PathId,
    member_id: PathId,
) -> Status[None]:
    group = _group(request, group_id)
    membership = _member(request, member_id)
    services.group_remove_member(
        group=group, actor=calling_member(request).user, membership=membership
    )
    return Status(204, None)
