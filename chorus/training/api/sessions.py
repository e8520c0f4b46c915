"""The training API: sessions. Members list the upcoming sessions meant for them and answer;
trainers plan sessions (or series), list them and mark attendance."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Group, Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.training.models import (
    Certification,
    RsvpState,
    SessionFrequency,
    SessionKind,
    SessionRsvp,
    TrainingSession,
)
from chorus.training.selectors import sessions as selectors
from chorus.training.services import sessions as services

router = Router(tags=["training"])


class TrainingSessionOut(Schema):
    id: int
    title: str
    kind: SessionKind
    description: str = Field(description="Markdown")
    starts_at: datetime = Field(description="UTC")
    minutes: int
    time_zone: str = Field(description="The IANA time zone it is planned in")
    location: str
    video_url: str
    capacity: int = Field(description="0: no limit")
    places_left: int | None = Field(description="None: no limit")
    series_id: int | None
    counts_toward_id: int | None = Field(description="The certification attendance counts for")
    cancelled: bool
    uid: str = Field(description="The iCalendar UID")
    sequence: int = Field(description="The iCalendar SEQUENCE")


class TrainingSessionMineOut(TrainingSessionOut):
    rsvp: RsvpState | None = Field(description="The caller's answer (None: none yet)")
    waitlist_position: int | None = Field(description="1: first on the waiting list")


class TrainingSessionManagedOut(TrainingSessionOut):
    target_all: bool
    target_group_ids: list[int]
    going: int
    waiting: int


def _out(session: TrainingSession, going: int) -> dict[str, object]:
    return {
        "id": session.pk,
        "title": session.title,
        "kind": SessionKind(session.kind),
        "description": session.description,
        "starts_at": session.starts_at,
        "minutes": session.minutes,
        "time_zone": session.time_zone,
        "location": session.location,
        "video_url": session.video_url,
        "capacity": session.capacity,
        "places_left": selectors.places_left(session, going),
        "series_id": session.series_id,
        "counts_toward_id": session.counts_toward_id,
        "cancelled": session.cancelled_at is not None,
        "uid": session.uid,
        "sequence": session.sequence,
    }


def _mine(
    session: TrainingSession, going: dict[int, int], rsvp: SessionRsvp | None
) -> TrainingSessionMineOut:
    return TrainingSessionMineOut(
        **_out(session, going.get(session.pk, 0)),  # type: ignore[arg-type]
        rsvp=RsvpState(rsvp.state) if rsvp is not None else None,
        waitlist_position=selectors.waitlist_position(rsvp=rsvp) if rsvp is not None else None,
    )


def _managed(session: TrainingSession) -> TrainingSessionManagedOut:
    states = list(SessionRsvp.objects.filter(session=session).values_list("state", flat=True))
    going = states.count(RsvpState.GOING)
    return TrainingSessionManagedOut(
        **_out(session, going),  # type: ignore[arg-type]
        target_all=session.target_all,
        target_group_ids=[group.pk for group in session.target_groups.all()],
        going=going,
        waiting=states.count(RsvpState.WAITLIST),
    )


def _member_session(caller: Membership, session_id: int) -> TrainingSession:
    session = selectors.session_for_member(membership=caller, session_id=session_id)
    if session is None:
        raise Http404("No such session.")
    return session


@router.get(
    "/training/sessions",
    response={200: list[TrainingSessionMineOut]},
    summary="My upcoming sessions",
    description="Sessions meant for the caller that have not ended, soonest first, with "
    "their answer and place on the waiting list.",
)
@api_roles()
def training_session_list(request: HttpRequest) -> list[TrainingSessionMineOut]:
    caller = calling_member(request)
    upcoming = selectors.sessions_upcoming_for_member(membership=caller)
    going = selectors.going_counts(sessions=upcoming)
    rsvps = selectors.rsvps_of_member(membership=caller, sessions=upcoming)
    return [_mine(session, going, rsvps.get(session.pk)) for session in upcoming]


class TrainingRsvpIn(Input):
    state: Literal["going", "declined"] = Field(
        description="going: a place, or the waiting list when full; declined: not going"
    )


@router.put(
    "/training/sessions/{session_id}/rsvp",
    response={200: TrainingSessionMineOut, 403: Error, 404: Error, 422: Error},
    summary="Answer a session",
    description="403 for a session not meant for the caller; 422 once it started or when "
    "cancelled. A place given up goes to the first on the waiting list.",
)
@api_roles()
def training_session_rsvp(
    request: HttpRequest, session_id: PathId, payload: TrainingRsvpIn
) -> TrainingSessionMineOut:
    caller = calling_member(request)
    session = _member_session(caller, session_id)
    rsvp = services.rsvp_set(membership=caller, session=session, state=payload.state)
    going = selectors.going_counts(sessions=[rsvp.session])
    return _mine(rsvp.session, going, rsvp)


@router.get(
    "/training/manage/sessions",
    response={200: list[TrainingSessionManagedOut], 403: Error},
    summary="Upcoming sessions (trainers)",
    description="Every session that has not ended, cancelled ones included, soonest first.",
)
@api_roles("trainer")
def training_manage_session_list(request: HttpRequest) -> list[TrainingSessionManagedOut]:
    caller = calling_member(request)
    found = selectors.sessions_for_trainers(organization=caller.organization, upcoming=True)
    now = timezone.now()
    return [_managed(session) for session in found if selectors.session_ends_at(session) > now]


class TrainingSessionIn(Input):
    title: str = Field(max_length=services.MAX_TITLE)
    kind: SessionKind = SessionKind.WORKSHOP
    description: str = Field("", max_length=services.MAX_DESCRIPTION)
    starts_on: date = Field(description="Local date in time_zone")
    starts_time: time = Field(description="Local time in time_zone")
    time_zone: str = Field(max_length=64, description="An IANA time zone: Europe/Berlin")
    minutes: int = Field(60, ge=5, le=services.MAX_MINUTES)
    location: str = Field("", max_length=services.MAX_LOCATION)
    video_url: str = Field("", max_length=2000)
    capacity: int = Field(0, ge=0, le=services.MAX_CAPACITY, description="0: no limit")
    target_group_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="Empty: every member"
    )
    counts_toward_id: Id | None = Field(None, description="A certification")
    frequency: SessionFrequency | None = Field(None, description="None: a single session")
    occurrences: int = Field(1, ge=1, le=services.MAX_OCCURRENCES)


@router.post(
    "/training/manage/sessions",
    response={201: list[TrainingSessionManagedOut], 403: Error, 422: Error},
    summary="Plan a session or a series (trainers)",
    description="With a frequency, `occurrences` sessions at the same local time. Returns "
    "every session planned. Invitations are sent from the session's page.",
)
@api_roles("trainer")
def training_manage_session_create(
    request: HttpRequest, payload: TrainingSessionIn
) -> Status[list[TrainingSessionManagedOut]]:
    caller = calling_member(request)
    groups = list(
        Group.objects.filter(organization=caller.organization, pk__in=payload.target_group_ids)
    )
    if len(groups) != len(set(payload.target_group_ids)):
        raise ValidationError(_("Choose groups of this organization."))
    certification = None
    if payload.counts_toward_id is not None:
        certification = Certification.objects.filter(
            organization=caller.organization, pk=payload.counts_toward_id
        ).first()
        if certification is None:
            raise ValidationError(_("Choose a certification of this organization."))
    made = services.session_create(
        membership=caller,
        fields=services.SessionFields(
            title=payload.title,
            kind=payload.kind,
            description=payload.description,
            starts_on=payload.starts_on,
            starts_time=payload.starts_time,
            time_zone=payload.time_zone,
            minutes=payload.minutes,
            location=payload.location,
            video_url=payload.video_url,
            capacity=payload.capacity,
            target_all=not groups,
            target_groups=groups,
            counts_toward=certification,
        ),
        frequency=payload.frequency or "",
        occurrences=payload.occurrences,
    )
    return Status(201, [_managed(session) for session in made])


class TrainingAttendanceIn(Input):
    attended: dict[Id, bool] = Field(description="Member id: whether they came", max_length=5000)


class TrainingAttendanceOut(Schema):
    marked: int


@router.put(
    "/training/manage/sessions/{session_id}/attendance",
    response={200: TrainingAttendanceOut, 403: Error, 404: Error, 422: Error},
    summary="Mark attendance (trainers)",
    description="Once the session started. Attending counts toward the session's "
    "certification: certificates now earned are issued.",
)
@api_roles("trainer")
def training_manage_session_attendance(
    request: HttpRequest, session_id: PathId, payload: TrainingAttendanceIn
) -> TrainingAttendanceOut:
    caller = calling_member(request)
    session = selectors.session_of_organization(
        organization=caller.organization, session_id=session_id
    )
    if session is None:
        raise Http404("No such session.")
    marked = services.attendance_mark(membership=caller, session=session, attended=payload.attended)
    return TrainingAttendanceOut(marked=marked)
