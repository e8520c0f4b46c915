"""The organization API: its look (logo and accent colour), for admins."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from chorus.accounts.models import Organization
from chorus.accounts.selectors.branding import organization_logo_url
from chorus.accounts.services import branding
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input

router = Router(tags=["accounts"])


class OrganizationLookOut(Schema):
    id: int
    name: str
    accent_color: str = Field(description="#rrggbb, or empty for Chorus's own colour")
    logo_url: str = Field(description="The logo's absolute address (empty without a logo)")
    logo_width: int
    logo_height: int


class OrganizationLookIn(Input):
    accent_color: str = Field(
        max_length=20,
        description="#rrggbb, readable under white text (WCAG AA, 4.5:1); empty to reset",
    )


class OrganizationLogoIn(Input):
    content_base64: str = Field(
        max_length=8 * 1024 * 1024,
        description="The picture (PNG, JPEG or WebP; not SVG), base64-encoded",
    )
    file_name: str = Field("", max_length=200)


def _look(organization: Organization) -> OrganizationLookOut:
    return OrganizationLookOut(
        id=organization.pk,
        name=organization.name,
        accent_color=organization.accent_color,
        logo_url=organization_logo_url(organization=organization),
        logo_width=organization.logo_width,
        logo_height=organization.logo_height,
    )


@router.get("/organization/look", response=OrganizationLookOut, summary="The logo and colour")
@api_roles("admin")
def look_get(request: HttpRequest) -> OrganizationLookOut:
    return _look(calling_member(request).organization)


@router.put(
    "/organization/look",
    response={200: OrganizationLookOut, 422: Error},
    summary="Set the accent colour",
)
@api_roles("admin")
def look_set(request: HttpRequest, payload: OrganizationLookIn) -> OrganizationLookOut:
    membership = calling_member(request)
    branding.organization_set_accent_color(
        organization=membership.organization, actor=membership.user, value=payload.accent_color
    )
    return _look(membership.organization)


@router.put(
    "/organization/logo",
    response={200: OrganizationLookOut, 422: Error},
    summary="Upload the logo",
)
@api_roles("admin")
def logo_set(request: HttpRequest, payload: OrganizationLogoIn) -> OrganizationLookOut:
    membership = calling_member(request)
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationError(_("content_base64 is not valid base64.")) from error
    branding.organization_set_logo(
        organization=membership.organization,
        actor=membership.user,
        data=data,
        name=payload.file_name.strip() or _("The logo"),
    )
    return _look(membership.organization)


@router.delete("/organization/logo", response=OrganizationLookOut, summary="Remove the logo")
@api_roles("admin")
def logo_remove(request: HttpRequest) -> OrganizationLookOut:
    membership = calling_member(request)
    branding.organization_remove_logo(organization=membership.organization, actor=membership.user)
    return _look(membership.organization)
