"""Training's background work."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from chorus.accounts.models import Membership
from chorus.accounts.selectors.branding import organization_logo_url
from chorus.core.tenancy import runs_across_organizations, runs_in_organization_of
from chorus.training.ical import session_ics, session_page_url, session_zone
from chorus.training.models import Certification, TrainingSession

logger = logging.getLogger(__name__)

# Each kind of email about a session, and the iCalendar method its file carries.
EMAIL_METHODS = {
    "invitation": "REQUEST",
    "update": "REQUEST",
    "place": "REQUEST",
    "cancel": "CANCEL",
}


def _subject(kind: str, title: str) -> str:
    if kind == "invitation":
        return _("Invitation: %(title)s") % {"title": title}
    if kind == "update":
        return _("Updated: %(title)s") % {"title": title}
    if kind == "cancel":
        return _("Cancelled: %(title)s") % {"title": title}
    return _("You have a place: %(title)s") % {"title": title}


@task()
@runs_in_organization_of(TrainingSession, "session_id")
def session_emails_send(*, session_id: int, membership_ids: list[int], kind: str) -> int:
    """Email these members about the session (an invitation, an update, a cancellation or
    a place from the waiting list), each in their language, with the session's iCalendar
    file. Returns how many were sent."""
    session = (
        TrainingSession.objects.select_related("organization", "host").filter(pk=session_id).first()
    )
    if session is None or kind not in EMAIL_METHODS:
        return 0
    method = EMAIL_METHODS[kind]
    organization = session.organization
    zone = session_zone(session)
    members = Membership.objects.select_related("user").filter(
        organization=organization, pk__in=membership_ids, is_active=True
    )
    sent = 0
    for member in members:
        email = member.user.email
        if not email:
            continue
        context = {
            "session": session,
            "kind": kind,
            "zone": zone.key,
            "member": member,
            "link": session_page_url(session),
            "logo_url": organization_logo_url(organization=organization),
            "accent_color": organization.accent_color or "#3b4bdb",
        }
        with translation.override(member.user.language or settings.LANGUAGE_CODE):
            subject = _subject(kind, session.title)
            body = render_to_string("training/email/session.txt", context)
            html = render_to_string("training/email/session.html", context)
        message = EmailMultiAlternatives(subject, body, None, [email])
        message.attach_alternative(html, "text/html")
        ics = session_ics(session=session, method=method, attendee_email=email)
        message.attach("session.ics", ics.decode(), f"text/calendar; method={method}")
        try:
            message.send()
        except OSError:
            logger.exception("Could not send the session email to member %s", member.pk)
            continue
        sent += 1
    return sent


@task()
@runs_across_organizations("every organization's certificates near or past expiry")
def certificates_remind_and_expire() -> dict[str, int]:
    """Hourly: remind members once before a certificate expires, tell them once after."""
    from chorus.training.services.certification import certificates_remind_and_expire as run

    return run()


@task()
@runs_in_organization_of(Certification, "certification_id")
def certificates_award_existing(*, certification_id: int) -> int:
    """After a certification is created or changed: members who already meet it earn it."""
    from chorus.training.services.certification import certificates_award_existing as award

    certification = Certification.objects.filter(pk=certification_id).first()
    return award(certification=certification) if certification is not None else 0


@task()
@runs_across_organizations("every organization's training reports, counted ahead")
def training_reports_refresh() -> int:
    """Count the training reports of every organization with courses or certifications,
    so that their pages read them instead of counting 50,000 members while a trainer waits."""
    from django.db.models import Q

    from chorus.accounts.models import Organization
    from chorus.training.models import Course
    from chorus.training.services.reports import report_snapshots_refresh

    organizations = Organization.objects.filter(
        Q(pk__in=Course.objects.values("organization_id"))
        | Q(pk__in=Certification.objects.values("organization_id"))
    )
    return sum(
        report_snapshots_refresh(organization=organization) for organization in organizations
    )
