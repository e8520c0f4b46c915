"""The training API: certifications, their holders, members' certificates and verifying one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input, PathId
from chorus.training.models import Certificate, Certification
from chorus.training.selectors import certification as selectors
from chorus.training.services import certification as services

router = Router(tags=["training"])

CertificateCode = Annotated[str, Path(max_length=32)]
STATES = "valid, expiring (within its reminder days), expired or revoked"


class CertificationOut(Schema):
    id: int
    name: str
    description: str
    course_ids: list[int] = Field(description="Courses to complete at their current version")
    scenario_ids: list[int] = Field(description="Practice scenarios to pass")
    sessions_required: int
    validity_months: int = Field(description="0: certificates never expire")
    reminder_days: int
    refresher_course_ids: list[int] = Field(
        description="What renewing takes (empty: every required course)"
    )
    is_active: bool
    holders: int = Field(description="Members holding a valid certificate")
    expiring: int = Field(description="Holders whose certificate expires within reminder_days")


class CertificateOut(Schema):
    code: str = Field(description="The verification code (/certificates/{code}/)")
    certification_id: int
    certification: str
    member_id: int
    member: str
    issued_at: datetime
    expires_at: datetime | None = Field(description="None: never expires")
    renewal: bool
    state: str = Field(description=STATES)
    valid: bool = Field(description="Holds the certification now")
    revoked_at: datetime | None


class CertificateHolderOut(CertificateOut):
    certificate_id: int


class CertificateRevokeIn(Input):
    reason: str = Field(max_length=services.MAX_REASON)


def _name(membership: Membership) -> str:
    user = membership.user
    return user.get_full_name() or user.email


def _certificate_out(certificate: Certificate) -> dict[str, Any]:
    state = selectors.certificate_state(certificate)
    return {
        "code": certificate.code,
        "certification_id": certificate.certification_id,
        "certification": certificate.certification.name,
        "member_id": certificate.membership_id,
        "member": _name(certificate.membership),
        "issued_at": certificate.issued_at,
        "expires_at": certificate.expires_at,
        "renewal": certificate.renewal,
        "state": state,
        "valid": state in (selectors.VALID, selectors.EXPIRING),
        "revoked_at": certificate.revoked_at,
    }


def _certification_out(certification: Certification) -> CertificationOut:
    return CertificationOut(
        id=certification.pk,
        name=certification.name,
        description=certification.description,
        course_ids=[course.pk for course in certification.courses.all()],
        scenario_ids=[scenario.pk for scenario in certification.scenarios.all()],
        sessions_required=certification.sessions_required,
        validity_months=certification.validity_months,
        reminder_days=certification.reminder_days,
        refresher_course_ids=[course.pk for course in certification.refresher_courses.all()],
        is_active=certification.is_active,
        holders=getattr(certification, "holders", 0),
        expiring=getattr(certification, "expiring", 0),
    )


@router.get(
    "/training/certifications",
    response={200: list[CertificationOut]},
    summary="Certifications",
    description="Trainers: the organization's certifications, with holders counted.",
)
@api_roles("trainer")
def certification_list(request: HttpRequest) -> list[CertificationOut]:
    caller = calling_member(request)
    return [
        _certification_out(certification)
        for certification in selectors.certifications_overview(organization=caller.organization)
    ]


@router.get(
    "/training/certifications/{certification_id}/holders",
    response={200: list[CertificateHolderOut], 404: Error},
    summary="A certification's holders",
    description=(
        "Trainers: everyone who held the certification, by their latest certificate (a valid "
        f"one first): {STATES}."
    ),
)
@api_roles("trainer")
def certification_holders(
    request: HttpRequest, certification_id: PathId
) -> list[CertificateHolderOut]:
    caller = calling_member(request)
    certification = selectors.certification_of_organization(
        organization=caller.organization, certification_id=certification_id
    )
    if certification is None:
        raise Http404("No such certification.")
    return [
        CertificateHolderOut(
            **_certificate_out(holder.certificate), certificate_id=holder.certificate.pk
        )
        for holder in selectors.certification_holders(certification=certification)
    ]


@router.get(
    "/training/certificates",
    response={200: list[CertificateOut]},
    summary="My certificates",
    description="The caller's certificates, newest first, renewed and revoked ones included.",
)
@api_roles()
def certificate_list(request: HttpRequest) -> list[CertificateOut]:
    caller = calling_member(request)
    found = selectors.certificates_of_member(membership=caller).select_related("membership__user")
    return [CertificateOut(**_certificate_out(certificate)) for certificate in found]


def _by_code(caller: Membership, code: str) -> Certificate:
    certificate = selectors.certificate_by_code(membership=caller, code=code)
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


@router.get(
    "/training/certificates/{certificate_code}",
    response={200: CertificateOut, 404: Error},
    summary="Verify a certificate",
    description=(
        "Any member of the same organization: who holds it, which certification, its dates "
        "and whether it is valid now. 404 for another organization's code."
    ),
)
@api_roles()
def certificate_verify(request: HttpRequest, certificate_code: CertificateCode) -> CertificateOut:
    caller = calling_member(request)
    return CertificateOut(**_certificate_out(_by_code(caller, certificate_code)))


@router.post(
    "/training/certificates/{certificate_code}/revoke",
    response={200: CertificateOut, 404: Error, 422: Error},
    summary="Revoke a certificate",
    description=(
        "Trainers: the member no longer holds the certification (any other valid "
        "certificate of it is revoked too) and is told the reason. 422 without a reason or "
        "when already revoked."
    ),
)
@api_roles("trainer")
def certificate_revoke(
    request: HttpRequest, certificate_code: CertificateCode, payload: CertificateRevokeIn
) -> CertificateOut:
    caller = calling_member(request)
    certificate = _by_code(caller, certificate_code)
    services.certificate_revoke(membership=caller, certificate=certificate, reason=payload.reason)
    certificate.refresh_from_db()
    return CertificateOut(**_certificate_out(certificate))
