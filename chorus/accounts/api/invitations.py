"""The invitations API: invite people, resend and revoke invitations.

Every lookup by id goes through the caller's organization, so a foreign id is 404.
Writes go through chorus.accounts.services, like the views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import Query

from chorus.accounts.api.members import GroupRef, RoleName, group_list_or_404
from chorus.accounts.models import Group, Invitation
from chorus.accounts.services import invitations as services
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId

router = Router(tags=["accounts"])


InvitationStatusName = Literal["pending", "accepted", "revoked", "expired"]


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
    roles: list[RoleName] = Field(
        default_factory=_employee_only, max_length=len(get_args(RoleName))
    )
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
        groups=group_list_or_404(request, payload.group_ids),
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
