"""The me API: the calling member."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from chorus.api.auth import api_roles, calling_member

router = Router(tags=["accounts"])


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
