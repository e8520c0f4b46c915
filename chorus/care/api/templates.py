"""The care API: approved replies (templates), kept by approvers and admins."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.care.models import CareTag, ReplyTemplate
from chorus.care.selectors import templates as selectors
from chorus.care.services import templates as services
from chorus.core.validators import WebURLOrBlank

router = Router(tags=["care"])

VARIABLES = "{customer} (the customer's handle), {first_name} (the member's), {link}"


class CareTemplateOut(Schema):
    id: int
    name: str
    body: str = Field(description=f"The default text; variables: {VARIABLES}")
    network_bodies: dict[str, str] = Field(description="A shorter text per network")
    link: str
    language: str
    tag_ids: list[int]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CareTemplateIn(Input):
    name: str = Field(min_length=1, max_length=services.MAX_NAME)
    body: str = Field(
        min_length=1,
        max_length=services.MAX_BODY,
        description=f"Variables: {VARIABLES}; anything else in braces is refused",
    )
    network_bodies: dict[str, str] = Field(
        default_factory=dict,
        description="A shorter text per network (x, bluesky, mastodon, ...)",
    )
    link: WebURLOrBlank = ""
    language: str = Field(default="", max_length=services.MAX_LANGUAGE)
    tag_ids: list[Id] = Field(default_factory=list, max_length=100)
    is_active: bool = True


def _out(template: ReplyTemplate) -> CareTemplateOut:
    return CareTemplateOut(
        id=template.pk,
        name=template.name,
        body=template.body,
        network_bodies={str(k): str(v) for k, v in (template.network_bodies or {}).items()},
        link=template.link,
        language=template.language,
        tag_ids=[tag.pk for tag in template.tags.all()],
        is_active=template.is_active,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def _fields(caller: Membership, payload: CareTemplateIn) -> services.TemplateFields:
    tags = list(CareTag.objects.filter(organization=caller.organization, pk__in=payload.tag_ids))
    if len(tags) != len(set(payload.tag_ids)):
        raise ValidationError({"tags": [_("Choose tags of your organization.")]})
    return services.TemplateFields(
        name=payload.name,
        body=payload.body,
        network_bodies=dict(payload.network_bodies),
        link=payload.link,
        language=payload.language,
        tags=tags,
        is_active=payload.is_active,
    )


def _template(caller: Membership, template_id: int) -> ReplyTemplate:
    template = selectors.template_of_organization(
        organization=caller.organization, template_id=template_id
    )
    if template is None:
        raise Http404("No such template.")
    return template


@router.get(
    "/care/templates",
    response={200: list[CareTemplateOut]},
    summary="Approved replies",
    description="Approvers: the organization's reply templates, active or not.",
)
@api_roles("approver")
def care_template_list(request: HttpRequest) -> list[CareTemplateOut]:
    caller = calling_member(request)
    return [
        _out(template)
        for template in selectors.templates_of_organization(organization=caller.organization)
    ]


@router.post(
    "/care/templates",
    response={201: CareTemplateOut, 422: Error},
    summary="Create an approved reply",
    description=(
        "Approvers: checked by the organization's compliance rules and each network's length "
        "with the variables at their longest; 422 with the reasons when it does not pass."
    ),
)
@api_roles("approver")
def care_template_create(request: HttpRequest, payload: CareTemplateIn) -> Status[CareTemplateOut]:
    caller = calling_member(request)
    template = services.template_create(membership=caller, fields=_fields(caller, payload))
    return Status(201, _out(template))


@router.get(
    "/care/templates/{template_id}",
    response={200: CareTemplateOut, 404: Error},
    summary="An approved reply",
)
@api_roles("approver")
def care_template_get(request: HttpRequest, template_id: PathId) -> CareTemplateOut:
    caller = calling_member(request)
    return _out(_template(caller, template_id))


@router.put(
    "/care/templates/{template_id}",
    response={200: CareTemplateOut, 404: Error, 422: Error},
    summary="Change an approved reply",
    description="Approvers: checked again as on creation.",
)
@api_roles("approver")
def care_template_update(
    request: HttpRequest, template_id: PathId, payload: CareTemplateIn
) -> CareTemplateOut:
    caller = calling_member(request)
    template = _template(caller, template_id)
    saved = services.template_update(
        membership=caller, template=template, fields=_fields(caller, payload)
    )
    return _out(saved)


@router.delete(
    "/care/templates/{template_id}",
    response={204: None, 404: Error},
    summary="Delete an approved reply",
    description="Approvers: replies sent with it keep their text.",
)
@api_roles("approver")
def care_template_delete(request: HttpRequest, template_id: PathId) -> Status[None]:
    caller = calling_member(request)
    services.template_delete(membership=caller, template=_template(caller, template_id))
    return Status(204, None)
