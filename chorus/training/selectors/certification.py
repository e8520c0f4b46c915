"""Reads of certifications and certificates: who holds what, what is left to earn it.

A certificate is valid while it is issued, not expired and not revoked
(`certificate_valid_q`); a member is certified while they hold a valid certificate of the
certification (`membership_certified`). Gating and reports build on these two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    CourseCompletion,
    Scenario,
    SessionRsvp,
)
from chorus.training.selectors.learning import current_completions
from chorus.training.selectors.scenarios import passed_scenarios

# States of a certificate, as members and trainers see them.
VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
REVOKED = "revoked"


def certificate_valid_q(now: datetime | None = None, *, prefix: str = "") -> Q:
    """Certificates valid at `now`: issued by then, not expired, not revoked. `prefix`
    reaches them through a relation (e.g. "certificates__")."""
    moment = now or timezone.now()
    return (
        Q(**{f"{prefix}revoked_at__isnull": True})
        & Q(**{f"{prefix}issued_at__lte": moment})
        & (Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": moment}))
    )


def membership_certified(
    *, membership: Membership, certification: Certification, now: datetime | None = None
) -> bool:
    """Whether the member holds a valid certificate of the certification."""
    return Certificate.objects.filter(
        certificate_valid_q(now),
        organization_id=membership.organization_id,
        membership=membership,
        certification=certification,
    ).exists()


def certified_ids(*, membership: Membership, now: datetime | None = None) -> set[int]:
    """The ids of the certifications the member holds now (one query)."""
    return set(
        Certificate.objects.filter(
            certificate_valid_q(now),
            organization_id=membership.organization_id,
            membership=membership,
        ).values_list("certification_id", flat=True)
    )


def certificate_state(certificate: Certificate, now: datetime | None = None) -> str:
    """valid, expiring (within the certification's reminder days), expired or revoked."""
    moment = now or timezone.now()
    if certificate.revoked_at is not None:
        return REVOKED
    if certificate.expires_at is not None and certificate.expires_at <= moment:
        return EXPIRED
    if (
        certificate.expires_at is not None
        and certificate.expires_at - timedelta(days=certificate.certification.reminder_days)
        <= moment
    ):
        return EXPIRING
    return VALID


def renewal_opens_at(certificate: Certificate) -> datetime | None:
    """When retaking the refresher starts to count for renewing: reminder_days before expiry
    (never before the certificate was issued); a revoked one from its revocation on."""
    if certificate.revoked_at is not None:
        return certificate.revoked_at
    if certificate.expires_at is None:
        return None
    opens = certificate.expires_at - timedelta(days=certificate.certification.reminder_days)
    return max(opens, certificate.issued_at)


def refresher_courses(certification: Certification) -> list[Course]:
    """What renewing takes: the courses marked refresher, or every required course."""
    marked = list(certification.refresher_courses.all())
    return marked or list(certification.courses.all())


def certifications_of_organization(*, organization: Organization) -> QuerySet[Certification]:
    return Certification.objects.filter(organization=organization).prefetch_related(
        "courses", "scenarios", "refresher_courses"
    )


def certification_of_organization(
    *, organization: Organization, certification_id: int
) -> Certification | None:
    return (
        certifications_of_organization(organization=organization)
        .filter(pk=certification_id)
        .first()
    )


def certifications_overview(
    *, organization: Organization, now: datetime | None = None
) -> list[Certification]:
    """The organization's certifications with `holders` (members holding a valid certificate)
    and `expiring` (those whose certificate is in its reminder window) counted."""
    moment = now or timezone.now()
    certifications = list(certifications_of_organization(organization=organization))
    holders = dict(
        Certificate.objects.filter(certificate_valid_q(moment), organization=organization)
        .values("certification_id")
        .annotate(count=Count("membership_id", distinct=True))
        .values_list("certification_id", "count")
    )
    for certification in certifications:
        certification.holders = holders.get(certification.pk, 0)  # type: ignore[attr-defined]
        certification.expiring = expiring_count(  # type: ignore[attr-defined]
            certification=certification, now=moment
        )
    return certifications


def expiring_count(*, certification: Certification, now: datetime | None = None) -> int:
    """Holders whose every valid certificate is within its reminder days of expiry (one
    query): those who have not renewed yet."""
    moment = now or timezone.now()
    soon = moment + timedelta(days=certification.reminder_days)
    valid = Certificate.objects.filter(
        certificate_valid_q(moment),
        organization_id=certification.organization_id,
        certification=certification,
    )
    lasting = valid.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=soon))
    return (
        valid.filter(expires_at__lte=soon)
        .exclude(membership_id__in=lasting.values("membership_id"))
        .values("membership_id")
        .distinct()
        .count()
    )


@dataclass
class Holder:
    """A member's standing in a certification: their latest certificate and its state."""

    membership: Membership
    certificate: Certificate
    state: str


def certification_holders(
    *, certification: Certification, now: datetime | None = None
) -> list[Holder]:
    """Everyone who ever held the certification, by their latest certificate (a valid one
    first if they hold any): valid, expiring, expired or revoked."""
    moment = now or timezone.now()
    certificates = (
        Certificate.objects.filter(
            organization_id=certification.organization_id, certification=certification
        )
        .select_related("membership__user", "certification")
        .order_by("-issued_at", "-id")
    )
    best: dict[int, Certificate] = {}
    for certificate in certificates:
        kept = best.get(certificate.membership_id)
        if kept is None or (not kept.is_valid(moment) and certificate.is_valid(moment)):
            best[certificate.membership_id] = certificate
    order = {VALID: 0, EXPIRING: 1, EXPIRED: 2, REVOKED: 3}
    holders = [
        Holder(
            membership=certificate.membership,
            certificate=certificate,
            state=certificate_state(certificate, moment),
        )
        for certificate in best.values()
    ]
    holders.sort(key=lambda h: (order[h.state], str(h.membership.user).lower()))
    return holders


def certificates_of_member(*, membership: Membership) -> QuerySet[Certificate]:
    """The member's certificates, newest first."""
    return Certificate.objects.filter(
        organization_id=membership.organization_id, membership=membership
    ).select_related("certification")


def certificate_by_code(*, membership: Membership, code: str) -> Certificate | None:
    """A certificate of the member's organization by its verification code (else None)."""
    return (
        Certificate.objects.filter(organization_id=membership.organization_id, code=code)
        .select_related("certification", "membership__user", "revoked_by")
        .first()
    )


@dataclass
class Progress:
    """What a member still has to do to earn (or renew) a certification."""

    certification: Certification
    renewal: bool
    courses_left: list[Course] = field(default_factory=list)
    scenarios_left: list[Scenario] = field(default_factory=list)
    sessions_attended: int = 0
    sessions_required: int = 0
    # A certification asking for nothing is never earned by itself.
    has_requirements: bool = True

    @property
    def sessions_left(self) -> int:
        return max(0, self.sessions_required - self.sessions_attended)

    @property
    def met(self) -> bool:
        return (
            self.has_requirements
            and not self.courses_left
            and not self.scenarios_left
            and not self.sessions_left
        )


def sessions_attended(
    *, membership: Membership, certification: Certification, since: datetime | None = None
) -> int:
    """Sessions counting toward the certification the member attended (since a moment)."""
    attended = SessionRsvp.objects.filter(
        organization_id=membership.organization_id,
        membership=membership,
        attended=True,
        session__counts_toward=certification,
    )
    if since is not None:
        attended = attended.filter(session__starts_at__gt=since)
    return attended.count()


def latest_certificate(
    *, membership: Membership, certification: Certification
) -> Certificate | None:
    return (
        Certificate.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            certification=certification,
        )
        .select_related("certification")
        .order_by("-issued_at", "-id")
        .first()
    )


def certification_progress(
    *,
    membership: Membership,
    certification: Certification,
    latest: Certificate | None = None,
    completions: dict[int, CourseCompletion] | None = None,
    passed: set[int] | None = None,
) -> Progress:
    """What is left: the first time, every required course done at its current major
    version, every scenario passed and the sessions attended; to renew (a certificate
    expired, revoked or in its renewal window), the refresher courses retaken since the
    renewal window opened (a certification without courses: its sessions attended since)."""
    if completions is None:
        completions = current_completions(membership)
    if latest is not None:
        opens = renewal_opens_at(latest)
        refresher = refresher_courses(certification)
        left = [
            course
            for course in refresher
            if opens is None
            or course.pk not in completions
            or completions[course.pk].completed_at <= opens
        ]
        required = 0 if refresher else certification.sessions_required
        return Progress(
            certification=certification,
            renewal=True,
            courses_left=left,
            sessions_required=required,
            sessions_attended=(
                sessions_attended(membership=membership, certification=certification, since=opens)
                if required
                else 0
            ),
            has_requirements=bool(refresher or required) and opens is not None,
        )
    if passed is None:
        passed = passed_scenarios(membership)
    courses = list(certification.courses.all())
    scenarios = list(certification.scenarios.all())
    return Progress(
        certification=certification,
        renewal=False,
        courses_left=[c for c in courses if c.pk not in completions],
        scenarios_left=[s for s in scenarios if s.pk not in passed],
        sessions_attended=(
            sessions_attended(membership=membership, certification=certification)
            if certification.sessions_required
            else 0
        ),
        sessions_required=certification.sessions_required,
        has_requirements=bool(courses or scenarios or certification.sessions_required),
    )


def needs_certificate(certificate: Certificate | None, now: datetime | None = None) -> bool:
    """Whether a member whose latest certificate is this one may be issued a new one: they
    have none, or it is revoked, expired or in its renewal window."""
    if certificate is None:
        return True
    return certificate_state(certificate, now) != VALID
