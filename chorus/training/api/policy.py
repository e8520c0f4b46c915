"""The training API: the social media policy, members' acknowledgements of it, and
publishing a new version."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId
from chorus.training.models import PolicyAcknowledgement, PolicyVersion
from chorus.training.selectors import policy as selectors
from chorus.training.services import policy as services

router = Router(tags=["training"])


class PolicyVersionOut(Schema):
    id: int
    number: int
    title: str
    body: str = Field(description="Markdown")
    note: str = Field(description="What changed since the version before")
    published_at: datetime


class SocialMediaPolicyOut(Schema):
    version: PolicyVersionOut | None = Field(
        description="The current version (none published: null)"
    )
    acknowledged_at: datetime | None = Field(
        description="When the caller acknowledged the current version (null: not yet)"
    )
    required_before_sharing: bool = Field(
        description="Sharing waits until the current version is acknowledged"
    )


class PolicyAcknowledgementOut(Schema):
    member_id: int
    member_name: str
    member_email: str
    version_id: int
    version_number: int
    acknowledged_at: datetime

    @staticmethod
    def resolve_member_id(acknowledgement: PolicyAcknowledgement) -> int:
        return acknowledgement.membership_id

    @staticmethod
    def resolve_member_name(acknowledgement: PolicyAcknowledgement) -> str:
        return acknowledgement.membership.user.name

    @staticmethod
    def resolve_member_email(acknowledgement: PolicyAcknowledgement) -> str:
        return acknowledgement.membership.user.email

    @staticmethod
    def resolve_version_number(acknowledgement: PolicyAcknowledgement) -> int:
        return acknowledgement.version.number


class PolicyAcknowledgementFilters(Input):
    version: Id | None = Field(None, description="Only this version's (its id)")


class PolicyPublishIn(Input):
    note: str = Field("", max_length=services.MAX_NOTE, description="What changed")


def _version_out(version: PolicyVersion) -> PolicyVersionOut:
    return PolicyVersionOut(
        id=version.pk,
        number=version.number,
        title=version.title,
        body=version.body,
        note=version.note,
        published_at=version.published_at,
    )


@router.get(
    "/training/policy",
    response={200: SocialMediaPolicyOut},
    summary="The social media policy and my acknowledgement",
    description="The current version, and when the caller acknowledged it.",
)
@api_roles()
def policy_detail(request: HttpRequest) -> SocialMediaPolicyOut:
    caller = calling_member(request)
    latest = selectors.latest_version(organization=caller.organization)
    acknowledgement = (
        selectors.acknowledgement_of(membership=caller, version=latest) if latest else None
    )
    return SocialMediaPolicyOut(
        version=_version_out(latest) if latest is not None else None,
        acknowledged_at=acknowledgement.acknowledged_at if acknowledgement else None,
        required_before_sharing=selectors.required_before_sharing(organization=caller.organization),
    )


@router.post(
    "/training/policy/versions/{policy_version_id}/acknowledge",
    response={200: PolicyAcknowledgementOut, 404: Error, 422: Error},
    summary="Acknowledge the policy",
    description=(
        "The caller acknowledges this version, which must be the current one (422 for an "
        "earlier one). Acknowledging it again changes nothing."
    ),
)
@api_roles()
def policy_acknowledge(request: HttpRequest, policy_version_id: PathId) -> PolicyAcknowledgement:
    caller = calling_member(request)
    version = selectors.version_of_organization(
        organization=caller.organization, version_id=policy_version_id
    )
    if version is None:
        raise Http404("No such policy version.")
    return services.policy_acknowledge(membership=caller, version=version)


@router.get(
    "/training/policy/acknowledgements",
    response=list[PolicyAcknowledgementOut],
    summary="Who acknowledged the policy",
    description="Trainers: who acknowledged which version and when, the latest first.",
)
@api_roles("trainer")
@paginate(Pagination)
def policy_acknowledgement_list(
    request: HttpRequest, filters: Query[PolicyAcknowledgementFilters]
) -> QuerySet[PolicyAcknowledgement]:
    caller = calling_member(request)
    found = selectors.acknowledgements(organization=caller.organization)
    if filters.version is not None:
        found = found.filter(version_id=filters.version)
    return found


@router.post(
    "/training/policy/publish",
    response={201: PolicyVersionOut, 403: Error, 422: Error},
    summary="Publish the policy",
    description=(
        "Trainers: the saved draft becomes the next version, with what changed (required "
        "after the first). Every member in the program is asked to acknowledge it. 422 for "
        "an empty draft or one unchanged since the current version."
    ),
)
@api_roles("trainer")
def policy_publish(request: HttpRequest, payload: PolicyPublishIn) -> Status[PolicyVersionOut]:
    caller = calling_member(request)
    version = services.policy_publish(membership=caller, note=payload.note)
    return Status(201, _version_out(version))
