"""Writes for sessions: trainers plan, change, cancel and invite; members answer; trainers
mark who attended, which counts toward a certification.

Times are given as a local date and time in an IANA time zone and stored in UTC; every
occurrence of a series keeps the same local time, across daylight-saving changes. Every
change that members should know about goes out by email with the session's iCalendar file
(same UID, a higher SEQUENCE), from a task once the transaction commits.
"""

from __future__ import annotations

import calendar
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Group, Membership
from chorus.core.audit import audit_record
from chorus.core.validators import MAX_URL_LENGTH, validate_web_url
from chorus.notifications.services.notifications import notification_create
from chorus.training.models import (
    Certification,
    RsvpState,
    SessionFrequency,
    SessionKind,
    SessionRsvp,
    SessionSeries,
    TrainingSession,
)
from chorus.training.selectors import sessions as selectors
from chorus.training.services.certification import certificates_award_due

MAX_TITLE = 200
MAX_DESCRIPTION = 20000
MAX_LOCATION = 300
MAX_MINUTES = 24 * 60
MAX_CAPACITY = 100000
MAX_OCCURRENCES = 52
# What an email about a session says (the task picks subject and text by it).
EMAIL_KINDS = ("invitation", "update", "cancel", "place")

PLACE_MESSAGE = gettext_lazy("A place opened up: you are now going to “%(title)s”.")
CANCEL_MESSAGE = gettext_lazy("“%(title)s” on %(day)s was cancelled.")


@dataclass
class SessionFields:
    """What a trainer fills in. `starts_on` and `starts_time` are local to `time_zone`."""

    title: str
    starts_on: date
    starts_time: time
    time_zone: str
    minutes: int = 60
    kind: str = SessionKind.WORKSHOP
    description: str = ""
    location: str = ""
    video_url: str = ""
    capacity: int = 0
    target_all: bool = True
    target_groups: Sequence[Group] = field(default_factory=list)
    counts_toward: Certification | None = None


def time_zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA time zone of that name, or None when there is none."""
    if not name or len(name) > 64 or "\x00" in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def local_to_utc(*, day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC moment of a wall-clock time in a zone. An ambiguous time (clocks going back)
    is its first occurrence; a time that does not exist (clocks going forward) moves on by
    the gap, as calendar programs do."""
    local = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=zone)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def series_days(*, first: date, frequency: str, count: int) -> list[date]:
    """The dates of a series. Monthly keeps the day of the month; a month without it (the
    31st in April) takes its last day."""
    if frequency == SessionFrequency.WEEKLY:
        return [first + timedelta(weeks=index) for index in range(count)]
    if frequency != SessionFrequency.MONTHLY:
        return [first]
    days = []
    for index in range(count):
        month_index = first.month - 1 + index
        year, month = first.year + month_index // 12, month_index % 12 + 1
        last = calendar.monthrange(year, month)[1]
        days.append(date(year, month, min(first.day, last)))
    return days


def _require_trainer(membership: Membership) -> None:
    if not membership.has_role("trainer"):
        raise PermissionDenied(_("Only trainers and admins plan sessions."))


def _same_organization(membership: Membership, session: TrainingSession) -> None:
    if session.organization_id != membership.organization_id:
        raise PermissionDenied(_("This session belongs to another organization."))


def _clean(membership: Membership, fields: SessionFields) -> SessionFields:
    """The fields, tidied; a ValidationError naming each field that is wrong."""
    errors: dict[str, list[str]] = {}
    title = " ".join(fields.title.replace("\x00", "").split())
    if not title:
        errors["title"] = [_("Give the session a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("A title has at most %(max)s characters.") % {"max": MAX_TITLE}]
    description = fields.description.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("A description has at most %(max)s characters.") % {"max": MAX_DESCRIPTION}
        ]
    if time_zone_named(fields.time_zone) is None:
        errors["time_zone"] = [_("Choose a time zone from the list.")]
    if fields.kind not in SessionKind.values:
        errors["kind"] = [_("Choose a workshop, a one-on-one or a best-practice meeting.")]
    if not 5 <= fields.minutes <= MAX_MINUTES:
        errors["minutes"] = [
            _("A session lasts between 5 and %(max)s minutes.") % {"max": MAX_MINUTES}
        ]
    location = " ".join(fields.location.replace("\x00", "").split())
    if len(location) > MAX_LOCATION:
        errors["location"] = [_("A place has at most %(max)s characters.") % {"max": MAX_LOCATION}]
    video_url = fields.video_url.replace("\x00", "").strip()
    if video_url:
        try:
            if len(video_url) > MAX_URL_LENGTH:
                raise ValidationError(_("This link is too long."))
            validate_web_url(video_url)
        except ValidationError as error:
            errors["video_url"] = error.messages
    if not 0 <= fields.capacity <= MAX_CAPACITY:
        errors["capacity"] = [
            _("Places are between 0 (no limit) and %(max)s.") % {"max": MAX_CAPACITY}
        ]
    groups = list(fields.target_groups)
    if any(group.organization_id != membership.organization_id for group in groups):
        errors["target_groups"] = [_("Choose groups of your organization.")]
    elif not fields.target_all and not groups:
        errors["target_groups"] = [_("Choose at least one group, or invite everyone.")]
    certification = fields.counts_toward
    if certification is not None and certification.organization_id != membership.organization_id:
        errors["counts_toward"] = [_("Choose a certification of your organization.")]
    if errors:
        raise ValidationError(errors)
    return SessionFields(
        title=title,
        starts_on=fields.starts_on,
        starts_time=fields.starts_time,
        time_zone=fields.time_zone,
        minutes=fields.minutes,
        kind=fields.kind,
        description=description,
        location=location,
        video_url=video_url,
        capacity=fields.capacity,
        target_all=fields.target_all,
        target_groups=[] if fields.target_all else groups,
        counts_toward=certification,
    )


def _apply(session: TrainingSession, fields: SessionFields, starts_at: datetime) -> None:
    session.title = fields.title
    session.kind = fields.kind
    session.description = fields.description
    session.starts_at = starts_at
    session.minutes = fields.minutes
    session.time_zone = fields.time_zone
    session.location = fields.location
    session.video_url = fields.video_url
    session.capacity = fields.capacity
    session.target_all = fields.target_all
    session.counts_toward = fields.counts_toward


def _emails_on_commit(session: TrainingSession, membership_ids: list[int], kind: str) -> None:
    from chorus.training.tasks import session_emails_send

    if not membership_ids:
        return
    session_id, ids = session.pk, list(membership_ids)
    transaction.on_commit(
        lambda: session_emails_send.enqueue(session_id=session_id, membership_ids=ids, kind=kind)
    )


def _answered_ids(session: TrainingSession) -> list[int]:
    """Who said they come or wait for a place: the people told about a change."""
    return list(
        SessionRsvp.objects.filter(
            organization=session.organization_id,
            session=session,
            state__in=[RsvpState.GOING, RsvpState.WAITLIST],
        ).values_list("membership_id", flat=True)
    )


def session_create(
    *,
    membership: Membership,
    fields: SessionFields,
    frequency: str = "",
    occurrences: int = 1,
) -> list[TrainingSession]:
    """A trainer plans a session, or a series of `occurrences` (weekly or monthly), each its
    own session at the same local time. Returns the sessions, the first first."""
    _require_trainer(membership)
    cleaned = _clean(membership, fields)
    if frequency and frequency not in SessionFrequency.values:
        raise ValidationError({"frequency": [_("Choose weekly, monthly or a single session.")]})
    count = occurrences if frequency else 1
    if not 1 <= count <= MAX_OCCURRENCES:
        raise ValidationError(
            {
                "occurrences": [
                    _("A series has between 1 and %(max)s sessions.") % {"max": MAX_OCCURRENCES}
                ]
            }
        )
    zone = time_zone_named(cleaned.time_zone)
    assert zone is not None  # checked by _clean
    days = series_days(first=cleaned.starts_on, frequency=frequency, count=count)
    moments = [local_to_utc(day=day, clock=cleaned.starts_time, zone=zone) for day in days]
    if moments[0] <= timezone.now():
        raise ValidationError({"starts_on": [_("Choose a time in the future.")]})
    user = membership.user
    with transaction.atomic():
        series = None
        if frequency and count > 1:
            series = SessionSeries.objects.create(
                organization=membership.organization,
                title=cleaned.title,
                frequency=frequency,
                created_by=user,
            )
        made = []
        for moment in moments:
            session = TrainingSession(
                organization=membership.organization,
                series=series,
                uid=f"{uuid.uuid4()}@chorus",
                host=user,
                created_by=user,
            )
            _apply(session, cleaned, moment)
            session.save()
            session.target_groups.set(cleaned.target_groups)
            made.append(session)
        audit_record(
            organization=membership.organization,
            actor=user,
            action="training.session_created",
            target=made[0],
            data={"sessions": len(made), "frequency": frequency or "once"},
        )
    return made


def _later_in_series(session: TrainingSession) -> list[TrainingSession]:
    """The session and the occurrences of its series after it that are not cancelled."""
    if session.series_id is None:
        return [session]
    later = TrainingSession.objects.filter(
        organization=session.organization_id,
        series_id=session.series_id,
        starts_at__gt=session.starts_at,
        cancelled_at__isnull=True,
    ).order_by("starts_at", "id")
    return [session, *later]


def _promote(session: TrainingSession) -> list[SessionRsvp]:
    """Give free places to the waiting list, in order; tell each promoted member.
    Must run inside transaction.atomic with the session locked."""
    if session.cancelled_at is not None or selectors.session_started(session):
        return []
    promoted: list[SessionRsvp] = []
    while True:
        going = SessionRsvp.objects.filter(session=session, state=RsvpState.GOING).count()
        if session.capacity and going >= session.capacity:
            break
        first = selectors.waitlist(session=session).select_related("membership").first()
        if first is None:
            break
        first.state = RsvpState.GOING
        first.save(update_fields=["state", "updated_at"])
        promoted.append(first)
        notification_create(
            membership=first.membership,
            kind="session_place",
            message=PLACE_MESSAGE,
            params={"title": session.title},
            url=reverse("session_detail", args=[session.pk]),
        )
    _emails_on_commit(session, [rsvp.membership_id for rsvp in promoted], "place")
    return promoted


def _locked(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().get(
        organization=session.organization_id, pk=session.pk
    )


def session_update(
    *,
    membership: Membership,
    session: TrainingSession,
    fields: SessionFields,
    apply_to_series: bool = False,
) -> list[TrainingSession]:
    """Change a session that has not started (and, when asked, the later occurrences of
    its series: they keep their own dates and take the new local time). Each changed
    session's SEQUENCE grows and the people going or waiting get the update by email."""
    _require_trainer(membership)
    _same_organization(membership, session)
    if session.cancelled_at is not None:
        raise ValidationError(_("This session was cancelled; plan a new one instead."))
    if selectors.session_started(session):
        raise ValidationError(_("This session has started and can no longer be changed."))
    cleaned = _clean(membership, fields)
    zone = time_zone_named(cleaned.time_zone)
    assert zone is not None
    starts_at = local_to_utc(day=cleaned.starts_on, clock=cleaned.starts_time, zone=zone)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_on": [_("Choose a time in the future.")]})
    changed = []
    with transaction.atomic():
        targets = _later_in_series(session) if apply_to_series else [session]
        for index, item in enumerate(targets):
            item = _locked(item)
            if index == 0:
                moment = starts_at
            else:
                local_day = item.starts_at.astimezone(
                    time_zone_named(item.time_zone) or zone
                ).date()
                moment = local_to_utc(day=local_day, clock=cleaned.starts_time, zone=zone)
            _apply(item, cleaned, moment)
            item.sequence += 1
            item.save()
            item.target_groups.set(cleaned.target_groups)
            # Whoever just got a place hears about it once, with the new details.
            promoted = {rsvp.membership_id for rsvp in _promote(item)}
            told = [member_id for member_id in _answered_ids(item) if member_id not in promoted]
            _emails_on_commit(item, told, "update")
            changed.append(item)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.session_updated",
            target=changed[0],
            data={"sessions": len(changed)},
        )
    session.refresh_from_db()
    return changed


def session_cancel(
    *, membership: Membership, session: TrainingSession, apply_to_series: bool = False
) -> list[TrainingSession]:
    """Cancel a session that has not ended (and the rest of its series, when asked): the
    people going or waiting are told, by email with a METHOD:CANCEL file and in Chorus."""
    _require_trainer(membership)
    _same_organization(membership, session)
    if session.cancelled_at is not None:
        raise ValidationError(_("This session is already cancelled."))
    if selectors.session_ends_at(session) <= timezone.now():
        raise ValidationError(_("This session is over and can no longer be cancelled."))
    cancelled = []
    with transaction.atomic():
        for item in _later_in_series(session) if apply_to_series else [session]:
            item = _locked(item)
            item.cancelled_at = timezone.now()
            item.sequence += 1
            item.save(update_fields=["cancelled_at", "sequence", "updated_at"])
            told = _answered_ids(item)
            zone = time_zone_named(item.time_zone) or zoneinfo.ZoneInfo("UTC")
            for member in Membership.objects.filter(pk__in=told):
                notification_create(
                    membership=member,
                    kind="session_cancelled",
                    message=CANCEL_MESSAGE,
                    params={
                        "title": item.title,
                        "day": item.starts_at.astimezone(zone).date().isoformat(),
                    },
                    url=reverse("session_detail", args=[item.pk]),
                )
            _emails_on_commit(item, told, "cancel")
            cancelled.append(item)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.session_cancelled",
            target=cancelled[0],
            data={"sessions": len(cancelled)},
        )
    session.refresh_from_db()
    return cancelled


def session_invitations_send(*, membership: Membership, session: TrainingSession) -> int:
    """Email the invitation (with its .ics) to every active member of the audience who has
    not said they will not come. Returns how many are invited."""
    _require_trainer(membership)
    _same_organization(membership, session)
    if session.cancelled_at is not None:
        raise ValidationError(_("This session was cancelled."))
    if selectors.session_started(session):
        raise ValidationError(_("This session has started: it is too late to invite."))
    declined = set(
        SessionRsvp.objects.filter(
            organization=session.organization_id, session=session, state=RsvpState.DECLINED
        ).values_list("membership_id", flat=True)
    )
    members = Membership.objects.filter(
        organization=session.organization_id, is_active=True
    ).prefetch_related("groups")
    invited = []
    for member in members:
        if member.pk in declined:
            continue
        group_ids = {group.pk for group in member.groups.all()}
        if selectors.session_targets(session, member, group_ids):
            invited.append(member.pk)
    _emails_on_commit(session, invited, "invitation")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="training.session_invited",
        target=session,
        data={"invited": len(invited)},
    )
    return len(invited)


def rsvp_set(*, membership: Membership, session: TrainingSession, state: str) -> SessionRsvp:
    """A member says they come (a place, or the waiting list when the session is full) or
    not (their place goes to the first on the waiting list). Only for members of the
    session's audience, before it starts."""
    if state == RsvpState.WAITLIST:
        state = RsvpState.GOING
    if state not in (RsvpState.GOING, RsvpState.DECLINED):
        raise ValidationError(_("Answer going or not going."))
    _same_organization(membership, session)
    if not selectors.session_targets(session, membership):
        raise PermissionDenied(_("This session is not meant for you."))
    with transaction.atomic():
        session = _locked(session)
        if session.cancelled_at is not None:
            raise ValidationError(_("This session was cancelled."))
        if selectors.session_started(session):
            raise ValidationError(_("This session has started: answers are closed."))
        rsvp = SessionRsvp.objects.filter(session=session, membership=membership).first()
        before = rsvp.state if rsvp is not None else ""
        if state == RsvpState.GOING and before in (RsvpState.GOING, RsvpState.WAITLIST):
            assert rsvp is not None
            return rsvp
        if state == RsvpState.DECLINED and before == RsvpState.DECLINED:
            assert rsvp is not None
            return rsvp
        if state == RsvpState.GOING:
            going = SessionRsvp.objects.filter(session=session, state=RsvpState.GOING).count()
            full = bool(session.capacity) and going >= session.capacity
            state = RsvpState.WAITLIST if full else RsvpState.GOING
        if rsvp is None:
            rsvp = SessionRsvp.objects.create(
                organization=session.organization,
                session=session,
                membership=membership,
                state=state,
            )
        else:
            rsvp.state = state
            rsvp.save(update_fields=["state", "updated_at"])
        if before == RsvpState.GOING:
            _promote(session)
    rsvp.session = session
    return rsvp


def attendance_mark(
    *, membership: Membership, session: TrainingSession, attended: Mapping[int, bool]
) -> int:
    """A trainer marks who came (membership id: came or not) once the session has started.
    Attendance counts toward the session's certification: each member who came gets the
    certificates they now qualify for. Returns how many were marked."""
    _require_trainer(membership)
    _same_organization(membership, session)
    if session.cancelled_at is not None:
        raise ValidationError(_("This session was cancelled."))
    if not selectors.session_started(session):
        raise ValidationError(_("Attendance is marked once the session has started."))
    ids = {int(member_id) for member_id in attended}
    members = {
        member.pk: member
        for member in Membership.objects.filter(organization=session.organization_id, pk__in=ids)
    }
    if len(members) != len(ids):
        raise ValidationError(_("Mark members of your organization only."))
    came: list[Membership] = []
    with transaction.atomic():
        existing = {
            rsvp.membership_id: rsvp
            for rsvp in SessionRsvp.objects.filter(session=session, membership_id__in=ids)
        }
        for member_id, value in attended.items():
            member = members[int(member_id)]
            rsvp = existing.get(member.pk)
            if rsvp is None:
                # Someone who came without answering: they were there all the same.
                rsvp = SessionRsvp(
                    organization=session.organization,
                    session=session,
                    membership=member,
                    state=RsvpState.GOING,
                )
            rsvp.attended = bool(value)
            rsvp.attendance_marked_by = membership.user
            rsvp.save()
            if value:
                came.append(member)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="training.session_attendance",
            target=session,
            data={"marked": len(ids), "attended": len(came)},
        )
        if session.counts_toward_id is not None:
            for member in came:
                certificates_award_due(membership=member)
    return len(ids)
