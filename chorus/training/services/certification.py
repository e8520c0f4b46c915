"""Certifications: trainers define them; members earn certificates, renew them, lose them.

`certificates_award_due` is called wherever something a certification asks for is done (a
course completed or retaken, a practice answer passed, a session attended): it issues the
certificates the member now qualifies for and tells them. Every write checks who may do it,
so pages and the API refuse the same things.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    ResponseState,
    Scenario,
)
from chorus.training.selectors.certification import (
    certificate_valid_q,
    certification_progress,
    latest_certificate,
    needs_certificate,
    refresher_courses,
)
from chorus.training.selectors.learning import current_completions
from chorus.training.selectors.scenarios import passed_scenarios
from chorus.webhooks.services.events import member_data, webhook_emit

MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_VALIDITY_MONTHS = 120
MAX_REMINDER_DAYS = 365
MAX_SESSIONS = 100
MAX_REASON = 300

ISSUED_MESSAGE = gettext_lazy("You earned the certificate “%(name)s”.")
RENEWED_MESSAGE = gettext_lazy("Your certificate “%(name)s” is renewed.")
REVOKED_MESSAGE = gettext_lazy("Your certificate “%(name)s” was revoked: %(reason)s")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    years, month_index = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def certificate_code() -> str:
    """A random, unguessable verification code (URL-safe)."""
    return secrets.token_urlsafe(18)[:24]


def certificate_issue(
    *,
    membership: Membership,
    certification: Certification,
    renewal: bool = False,
    now: datetime | None = None,
) -> Certificate:
    """Issue a certificate now (valid for the certification's validity months, for good
    when 0) and tell the member. Callers decide that it is due."""
    issued_at = now or timezone.now()
    months = certification.validity_months
    certificate = Certificate.objects.create(
        organization_id=membership.organization_id,
        certification=certification,
        membership=membership,
        code=certificate_code(),
        issued_at=issued_at,
        expires_at=add_months(issued_at, months) if months else None,
        renewal=renewal,
    )
    notification_create(
        membership=membership,
        kind="certificate_issued",
        message=RENEWED_MESSAGE if renewal else ISSUED_MESSAGE,
        params={"name": certification.name},
        url=reverse("certificate_detail", args=[certificate.code]),
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="training.certificate_issued",
        target=certificate,
        target_label=certification.name,
        data={"certification": certification.pk, "renewal": renewal},
    )
    webhook_emit(
        organization=membership.organization_id,
        event_type="certification.earned",
        data={
            "certificate": {
                "id": certificate.pk,
                "issued_at": issued_at.isoformat(),
                "expires_at": certificate.expires_at.isoformat()
                if certificate.expires_at
                else None,
                "renewal": renewal,
            },
            "certification": {"id": certification.pk, "name": certification.name},
            "member": member_data(membership),
        },
    )
    return certificate


def certificates_award_due(*, membership: Membership) -> list[Certificate]:
    """Issue every certificate the member now qualifies for and tell them; returns them.

    For each active certification of the member's organization: the first time, every
    required course done at its current major version, every practice scenario passed and
    the sessions attended; once they held it (expired, revoked, or within its reminder days
    of expiry), the refresher courses retaken since the renewal window opened. Nothing is
    issued while they hold a valid certificate outside its renewal window. Safe to call
    any number of times."""
    if not membership.is_active:
        return []
    certifications = list(
        Certification.objects.filter(
            organization_id=membership.organization_id, is_active=True
        ).prefetch_related("courses", "scenarios", "refresher_courses")
    )
    if not certifications:
        return []
    issued: list[Certificate] = []
    with transaction.atomic():
        # One award at a time per member: two completions at once issue one certificate.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        now = timezone.now()
        completions = current_completions(membership)
        passed: set[int] | None = None
        for certification in certifications:
            latest = latest_certificate(membership=membership, certification=certification)
            if not needs_certificate(latest, now):
                continue
            if latest is None and passed is None and certification.scenarios.all():
                passed = passed_scenarios(membership)
            progress = certification_progress(
                membership=membership,
                certification=certification,
                latest=latest,
                completions=completions,
                passed=passed or set(),
            )
            if progress.met:
                issued.append(
                    certificate_issue(
                        membership=membership,
                        certification=certification,
                        renewal=latest is not None,
                        now=now,
                    )
                )
    return issued


# Trainers -----------------------------------------------------------------------------


def require_trainer(membership: Membership) -> None:
    if not membership.has_role("trainer"):
        raise PermissionDenied(_("Only trainers and admins manage certifications."))


@dataclass
class CertificationFields:
    """What a trainer sets on a certification."""

    name: str
    description: str = ""
    courses: list[Course] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    sessions_required: int = 0
    validity_months: int = 12
    reminder_days: int = 30
    refresher_courses: list[Course] = field(default_factory=list)
    is_active: bool = True


def _check(membership: Membership, fields: CertificationFields) -> None:
    errors: dict[str, list[str]] = {}
    fields.name = " ".join(fields.name.replace("\x00", "").split())
    fields.description = fields.description.replace("\x00", "").strip()
    if not fields.name:
        errors["name"] = [_("Give the certification a name.")]
    elif len(fields.name) > MAX_NAME:
        errors["name"] = [_("A name has at most %(max)s characters.") % {"max": MAX_NAME}]
    if len(fields.description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("A description has at most %(max)s characters.") % {"max": MAX_DESCRIPTION}
        ]
    org = membership.organization_id
    if any(course.organization_id != org for course in fields.courses):
        errors["courses"] = [_("Choose courses of your organization.")]
    if any(scenario.organization_id != org for scenario in fields.scenarios):
        errors["scenarios"] = [_("Choose practice scenarios of your organization.")]
    if any(course.organization_id != org for course in fields.refresher_courses):
        errors["refresher_courses"] = [_("Choose courses of your organization.")]
    elif not {c.pk for c in fields.refresher_courses} <= {c.pk for c in fields.courses}:
        errors["refresher_courses"] = [_("Refresher courses are among the required courses.")]
    if not 0 <= fields.sessions_required <= MAX_SESSIONS:
        errors["sessions_required"] = [
            _("Ask for between 0 and %(max)s sessions.") % {"max": MAX_SESSIONS}
        ]
    if not 0 <= fields.validity_months <= MAX_VALIDITY_MONTHS:
        errors["validity_months"] = [
            _("A certificate is valid for between 0 (for good) and %(max)s months.")
            % {"max": MAX_VALIDITY_MONTHS}
        ]
    if not 0 <= fields.reminder_days <= MAX_REMINDER_DAYS:
        errors["reminder_days"] = [
            _("Remind between 0 and %(max)s days before expiry.") % {"max": MAX_REMINDER_DAYS}
        ]
    if not errors and not fields.courses and not fields.scenarios and not fields.sessions_required:
        errors["courses"] = [_("Ask for at least one course, scenario or session.")]
    if errors:
        raise ValidationError(errors)


def _apply(certification: Certification, fields: CertificationFields) -> None:
    certification.name = fields.name
    certification.description = fields.description
    certification.sessions_required = fields.sessions_required
    certification.validity_months = fields.validity_months
    certification.reminder_days = fields.reminder_days
    certification.is_active = fields.is_active


def _set_relations(certification: Certification, fields: CertificationFields) -> None:
    certification.courses.set(fields.courses)
    certification.scenarios.set(fields.scenarios)
    certification.refresher_courses.set(fields.refresher_courses)


def certification_create(*, membership: Membership, fields: CertificationFields) -> Certification:
    """A trainer defines a certification. Members already meeting it earn it the next time
    they complete something."""
    require_trainer(membership)
    _check(membership, fields)
    with transaction.atomic():
        certification = Certification(
            organization=membership.organization, created_by=membership.user
        )
        _apply(certification, fields)
        certification.save()
        _set_relations(certification, fields)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.certification_created",
            target=certification,
        )
        _award_existing_later(certification)
    return certification


def certification_update(
    *, membership: Membership, certification: Certification, fields: CertificationFields
) -> Certification:
    """A trainer changes a certification; certificates already issued keep their dates."""
    require_trainer(membership)
    if certification.organization_id != membership.organization_id:
        raise PermissionDenied(_("This certification is not in your organization."))
    _check(membership, fields)
    with transaction.atomic():
        _apply(certification, fields)
        certification.save()
        _set_relations(certification, fields)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.certification_updated",
            target=certification,
        )
        _award_existing_later(certification)
    return certification


def _award_existing_later(certification: Certification) -> None:
    """Members who already did what an (active) certification asks earn it in the
    background once the change is saved, without having to finish something else."""
    if not certification.is_active:
        return
    from chorus.training.tasks import certificates_award_existing

    certification_id = certification.pk
    transaction.on_commit(
        lambda: certificates_award_existing.enqueue(certification_id=certification_id)
    )


def certificates_award_existing(*, certification: Certification) -> int:
    """Issue the certification to every member who already meets it (after it was created
    or changed); returns how many certificates were issued. Only members who did anything
    that counts are looked at."""
    if not certification.is_active:
        return 0
    organization_id = certification.organization_id
    did_something = (
        Q(course_completions__organization_id=organization_id)
        | Q(scenario_responses__state=ResponseState.PASSED)
        | Q(session_rsvps__attended=True)
    )
    candidates = (
        Membership.objects.filter(organization_id=organization_id, is_active=True)
        .filter(did_something)
        .distinct()
        .select_related("user", "organization")
        .order_by("pk")
    )
    issued = 0
    for membership in candidates.iterator(chunk_size=500):
        issued += sum(
            1
            for certificate in certificates_award_due(membership=membership)
            if certificate.certification_id == certification.pk
        )
    return issued


def certificate_revoke(
    *, membership: Membership, certificate: Certificate, reason: str
) -> list[Certificate]:
    """A trainer revokes a member's certification (this certificate and any other of the
    same certification still valid), with a reason the member is told. Earning it again
    takes the refresher courses, retaken after the revocation."""
    require_trainer(membership)
    if certificate.organization_id != membership.organization_id:
        raise PermissionDenied(_("This certificate is not in your organization."))
    reason = " ".join(reason.replace("\x00", "").split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": [_("A reason has at most %(max)s characters.") % {"max": MAX_REASON}]}
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This certificate is already revoked."))
        revoked: list[Certificate] = list(
            Certificate.objects.select_for_update().filter(
                certificate_valid_q(now),
                organization_id=membership.organization_id,
                membership_id=locked.membership_id,
                certification_id=locked.certification_id,
            )
        )
        if locked.pk not in {c.pk for c in revoked}:
            revoked.append(locked)
        for item in revoked:
            item.revoked_at = now
            item.revoked_by = membership.user
            item.revoke_reason = reason
            item.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        certification = locked.certification
        notification_create(
            membership=locked.membership,
            kind="certificate_revoked",
            message=REVOKED_MESSAGE,
            params={"name": certification.name, "reason": reason},
            url=reverse("my_certificates"),
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.certificate_revoked",
            target=locked,
            target_label=certification.name,
            data={"member": locked.membership_id, "reason": reason},
        )
    return revoked


def certificates_award_due_all(*, memberships: Iterable[Membership]) -> list[Certificate]:
    """`certificates_award_due` for several members (after attendance is marked)."""
    issued: list[Certificate] = []
    for membership in memberships:
        issued.extend(certificates_award_due(membership=membership))
    return issued


EXPIRING_MESSAGE = gettext_lazy(
    "Your certificate “%(name)s” expires on %(date)s. Renew it by retaking: %(courses)s."
)
EXPIRED_MESSAGE = gettext_lazy(
    "Your certificate “%(name)s” expired. Retake %(courses)s to be certified again."
)


def _courses_label(certification: Certification) -> str:
    return ", ".join(course.title for course in refresher_courses(certification))


def certificates_remind_and_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Across organizations (the periodic task): remind members once, reminder_days before
    their certificate expires, and tell them once after it expired, with the way to renew.
    A member who renewed (holds a later valid certificate) hears nothing about the old one."""
    moment = now or timezone.now()
    counts = {"reminded": 0, "expired": 0}
    # Per certification (few), so only the certificates in their window are read.
    for certification in Certification.objects.order_by("pk"):
        window_opens = moment + timedelta(days=certification.reminder_days)
        due = (
            Certificate.objects.filter(
                organization_id=certification.organization_id,
                certification=certification,
                revoked_at__isnull=True,
                expires_at__isnull=False,
                membership__is_active=True,
            )
            .filter(
                Q(reminded_at__isnull=True, expires_at__gt=moment, expires_at__lte=window_opens)
                | Q(expiry_told_at__isnull=True, expires_at__lte=moment)
            )
            .select_related("membership__user")
            .order_by("pk")
        )
        for certificate in due.iterator(chunk_size=500):
            certificate.certification = certification
            _remind_or_tell(certificate, moment, counts)
    return counts


def _remind_or_tell(certificate: Certificate, moment: datetime, counts: dict[str, int]) -> None:
    """Remind or tell the member about one certificate, once (claimed by an update). A
    member who renewed since, or whose certification is no longer active, hears nothing."""
    assert certificate.expires_at is not None
    certification = certificate.certification
    expired = certificate.expires_at <= moment
    field_name = "expiry_told_at" if expired else "reminded_at"
    claimed = Certificate.objects.filter(
        pk=certificate.pk, **{f"{field_name}__isnull": True}
    ).update(**{field_name: moment})
    if not claimed or not certification.is_active:
        return
    renewed = Certificate.objects.filter(
        certificate_valid_q(moment),
        organization_id=certificate.organization_id,
        membership_id=certificate.membership_id,
        certification_id=certificate.certification_id,
        issued_at__gt=certificate.issued_at,
    ).exists()
    if renewed:
        return
    language = certificate.membership.user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        date = date_format(timezone.localtime(certificate.expires_at), "DATE_FORMAT")
    notification_create(
        membership=certificate.membership,
        kind="certificate_expired" if expired else "certificate_expiring",
        message=EXPIRED_MESSAGE if expired else EXPIRING_MESSAGE,
        params={"name": certification.name, "date": date, "courses": _courses_label(certification)},
        url=reverse("my_certificates"),
    )
    counts["expired" if expired else "reminded"] += 1
