"""The accounts API: the caller, personal tokens, members, groups, invitations.

Every lookup by id goes through the caller's organization, so a foreign id is 404.
Writes go through chorus.accounts.services, like the views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import Query

from chorus.accounts import selectors, services
from chorus.accounts.models import ApiToken, Group, Invitation, Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId

router = Router(tags=["accounts"])

RoleName = Literal["employee", "curator", "approver", "admin"]
GroupKindName = Literal["department", "region", "language", "custom"]
ProgramStatusName = Literal["not_joined", "joined", "left"]
InvitationStatusName = Literal["pending", "accepted", "revoked", "expired"]


# The caller ---------------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    membership_id: int
    organization: OrganizationOut
    roles: list[str]
    program_status: str


@router.get("/me", response=MeOut, summary="The calling member")
@api_roles()
def me(request: HttpRequest) -> MeOut:
    membership = calling_member(request)
    return MeOut(
        id=membership.user.pk,
        email=membership.user.email,
        name=membership.user.name,
        membership_id=membership.pk,
        organization=OrganizationOut(
            id=membership.organization.pk,
            name=membership.organization.name,
            slug=membership.organization.slug,
        ),
        roles=membership.roles,
        program_status=membership.program_status,
    )


# Personal API tokens ------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Shown this once; only a hash is kept.")


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=100)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@api_roles()
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(membership=calling_member(request)).order_by(
        "-created_at", "-id"
    )


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token")
@api_roles()
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    token, secret = services.api_token_create(membership=calling_member(request), name=payload.name)
    return Status(
        201,
        TokenCreatedOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            secret=secret,
        ),
    )


@router.delete(
    "/tokens/{token_id}", response={204: None, 404: Error}, summary="Revoke an API token"
)
@api_roles()
def token_revoke(request: HttpRequest, token_id: PathId) -> Status[None]:
    caller = calling_member(request)
    token = get_object_or_404(ApiToken, pk=token_id, membership=caller)
    services.api_token_revoke(token=token, actor=caller.user)
    return Status(204, None)


# Members ------------------------------------------------------------------------------


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
    roles: list[RoleName] | None = Field(None, min_length=1, max_length=4)
    title: str | None = Field(None, max_length=150)
    group_ids: list[Id] | None = Field(None, max_length=1000)
    is_active: bool | None = None


def _member(request: HttpRequest, member_id: int) -> Membership:
    membership = selectors.member_get(
        organization=calling_member(request).organization, member_id=member_id
    )
    if membership is None:
        raise Http404("Unknown member.")
    return membership


def _groups(request: HttpRequest, group_ids: list[int]) -> list[Group]:
    """The caller's organization's groups with these ids; any unknown id is a 404."""
    wanted = set(group_ids)
    groups = list(
        Group.objects.filter(organization=calling_member(request).organization, pk__in=wanted)
    )
    if len(groups) != len(wanted):
        raise Http404("Unknown group.")
    return groups


def _members(request: HttpRequest, member_ids: list[int]) -> list[Membership]:
    wanted = set(member_ids)
    organization = calling_member(request).organization
    members = list(Membership.objects.filter(organization=organization, pk__in=wanted))
    if len(members) != len(wanted):
        raise Http404("Unknown member.")
    return members


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
            services.membership_set_active(
                membership=membership, actor=actor, active=payload.is_active
            )
        if payload.roles is not None:
            services.membership_update_roles(
                membership=membership, actor=actor, roles=payload.roles
            )
        if payload.title is not None:
            services.membership_update_title(
                membership=membership, actor=actor, title=payload.title
            )
        if payload.group_ids is not None:
            groups = _groups(request, payload.group_ids)
            services.membership_update_groups(membership=membership, actor=actor, groups=groups)
    return _member(request, member_id)


# Groups -------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    member_count: int
    created_at: datetime


class GroupIn(Input):
    kind: GroupKindName = "custom"
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


@router.delete("/groups/{group_id}", response={204: None, 404: Error}, summary="Delete a group")
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
    response={200: GroupMembersAdded, 404: Error},
    summary="Add members to a group",
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
    response={204: None, 404: Error},
    summary="Remove a member from a group",
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


# Invitations --------------------------------------------------------------------------


class InvitationOut(Schema):
    id: int
    email: str
    name: str
    title: str
    roles: list[str]
    groups: list[GroupRef]
    status: str
    created_at: datetime
    expires_at: datetime
    sent_count: int
    last_sent_at: datetime | None

    @staticmethod
    def resolve_groups(obj: Invitation) -> list[Group]:
        return list(obj.groups.all())


def _employee_only() -> list[RoleName]:
    return ["employee"]


class InvitationIn(Input):
    email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    name: str = Field("", max_length=150)
    title: str = Field("", max_length=150)
    roles: list[RoleName] = Field(default_factory=_employee_only, max_length=4)
    group_ids: list[Id] = Field(default_factory=list, max_length=1000)


class InvitationFilters(Input):
    status: InvitationStatusName | None = None


def _invitations_with_status(queryset: QuerySet[Invitation], status: str) -> QuerySet[Invitation]:
    """Filter on `Invitation.status`, which is computed, not stored."""
    now = timezone.now()
    is_open = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    conditions = {
        "accepted": Q(accepted_at__isnull=False),
        "revoked": Q(accepted_at__isnull=True, revoked_at__isnull=False),
        "expired": is_open & Q(expires_at__lte=now),
        "pending": is_open & Q(expires_at__gt=now),
    }
    return queryset.filter(conditions[status])


def _invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    return get_object_or_404(
        Invitation.objects.select_related("organization").prefetch_related("groups"),
        pk=invitation_id,
        organization=calling_member(request).organization,
    )


@router.get("/invitations", response=list[InvitationOut], summary="List invitations")
@api_roles("admin")
@paginate(Pagination)
def invitation_list(
    request: HttpRequest, filters: Query[InvitationFilters]
) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(organization=calling_member(request).organization)
    if filters.status:
        invitations = _invitations_with_status(invitations, filters.status)
    return invitations.prefetch_related("groups").order_by("-created_at", "-id")


@router.post(
    "/invitations",
    response={201: InvitationOut, 404: Error, 422: Error},
    summary="Invite someone (the email goes out)",
)
@api_roles("admin")
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Status[Invitation]:
    caller = calling_member(request)
    # Checked here rather than in the schema, so the role check answers first.
    validate_email(payload.email.strip())
    invitation = services.invitation_create(
        organization=caller.organization,
        actor=caller.user,
        email=payload.email,
        name=payload.name,
        title=payload.title,
        roles=payload.roles,
        groups=_groups(request, payload.group_ids),
    )
    return Status(201, _invitation(request, invitation.pk))


@router.post(
    "/invitations/{invitation_id}/resend",
    response={200: InvitationOut, 404: Error, 422: Error},
    summary="Send an invitation again, with a fresh link",
)
@api_roles("admin")
def invitation_resend(request: HttpRequest, invitation_id: PathId) -> Invitation:
    invitation = _invitation(request, invitation_id)
    services.invitation_resend(invitation=invitation, actor=calling_member(request).user)
    return _invitation(request, invitation_id)


@router.post(
    "/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, 404: Error, 422: Error},
    summary="Revoke an invitation",
)
@api_roles("admin")
def invitation_revoke(request: HttpRequest, invitation_id: PathId) -> Invitation:
    invitation = _invitation(request, invitation_id)
    services.invitation_revoke(invitation=invitation, actor=calling_member(request).user)
    return _invitation(request, invitation_id)
