"""Sessions: trainers plan workshops, one-on-ones and meetings, invite, and mark who came;
members see the sessions meant for them, answer, and add them to their calendar."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.accounts.models import Group, Membership
from chorus.sharing.models import AutoShare
from chorus.training.ical import session_ics, session_zone
from chorus.training.markdown import render_markdown
from chorus.training.models import (
    Certification,
    RsvpState,
    SessionFrequency,
    SessionKind,
    TrainingSession,
)
from chorus.training.selectors import sessions as selectors
from chorus.training.services import sessions as services

# The session that a member's browser remembers their chosen display time zone in.
ZONE_SESSION_KEY = "training_time_zone"


@cache
def _zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zoneinfo.available_timezones()) or ["UTC"]
    return [(zone, zone) for zone in zones]


def home_time_zone(membership: Membership) -> str:
    """The zone a member's times are shown in by default: the one they gave for auto-share,
    else the organization's (accounts keep no time zone of their own)."""
    chosen = (
        AutoShare.objects.filter(organization=membership.organization, membership=membership)
        .values_list("timezone", flat=True)
        .first()
    )
    if chosen and services.time_zone_named(chosen) is not None:
        return chosen
    return settings.TIME_ZONE


def _viewer_zone(request: MemberRequest) -> str:
    """The member's display zone: chosen on the sessions page (remembered), else their own."""
    asked = request.GET.get("tz", "")
    if asked and services.time_zone_named(asked) is not None:
        request.session[ZONE_SESSION_KEY] = asked
        return asked
    remembered = request.session.get(ZONE_SESSION_KEY, "")
    if isinstance(remembered, str) and services.time_zone_named(remembered) is not None:
        return remembered
    return home_time_zone(request.membership)


class SessionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.MAX_TITLE)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SessionKind.choices)
    starts_on = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    starts_time = forms.TimeField(
        label=gettext_lazy("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("The date and time are local to this zone."),
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Length (minutes)"), min_value=5, max_value=services.MAX_MINUTES
    )
    location = forms.CharField(
        label=gettext_lazy("Place"), max_length=services.MAX_LOCATION, required=False
    )
    video_url = forms.CharField(
        label=gettext_lazy("Video link"),
        required=False,
        max_length=2000,
        widget=forms.URLInput,
        help_text=gettext_lazy("For an online session: the meeting's address (https://…)."),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=0,
        max_value=services.MAX_CAPACITY,
        help_text=gettext_lazy("0 for no limit. Beyond it, members join a waiting list."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("What the session is about and how to prepare. Markdown."),
    )
    target = forms.ChoiceField(
        label=gettext_lazy("Audience"),
        choices=[("all", gettext_lazy("Everyone")), ("groups", gettext_lazy("Chosen groups"))],
        widget=forms.RadioSelect,
        initial="all",
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Groups"),
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    counts_toward = forms.ModelChoiceField(
        label=gettext_lazy("Attendance counts toward"),
        queryset=Certification.objects.none(),
        required=False,
        empty_label=gettext_lazy("No certification"),
    )

    def __init__(self, *args: Any, request: MemberRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field: Any = self.fields["time_zone"]
        zone_field.choices = _zone_choices()
        groups_field: Any = self.fields["target_groups"]
        groups_field.queryset = Group.objects.filter(organization=request.organization)
        certification_field: Any = self.fields["counts_toward"]
        certification_field.queryset = Certification.objects.filter(
            organization=request.organization, is_active=True
        )

    def session_fields(self) -> services.SessionFields:
        data = self.cleaned_data
        return services.SessionFields(
            title=data["title"],
            kind=data["kind"],
            starts_on=data["starts_on"],
            starts_time=data["starts_time"],
            time_zone=data["time_zone"],
            minutes=data["minutes"],
            location=data["location"],
            video_url=data["video_url"],
            capacity=data["capacity"],
            description=data["description"],
            target_all=data["target"] != "groups",
            target_groups=list(data["target_groups"]),
            counts_toward=data["counts_toward"],
        )


class NewSessionForm(SessionForm):
    frequency = forms.ChoiceField(
        label=gettext_lazy("Repeat"),
        choices=[("", gettext_lazy("Once")), *SessionFrequency.choices],
        required=False,
    )
    occurrences = forms.IntegerField(
        label=gettext_lazy("Number of sessions"),
        min_value=1,
        max_value=services.MAX_OCCURRENCES,
        initial=1,
        help_text=gettext_lazy("For a weekly or monthly series: how many sessions in all."),
    )


class EditSessionForm(SessionForm):
    apply_to_series = forms.BooleanField(
        label=gettext_lazy("Apply to the later sessions of this series as well"), required=False
    )


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _initial(session: TrainingSession) -> dict[str, Any]:
    local = session.starts_at.astimezone(session_zone(session))
    return {
        "title": session.title,
        "kind": session.kind,
        "starts_on": local.date(),
        "starts_time": local.time().replace(second=0, microsecond=0),
        "time_zone": session.time_zone,
        "minutes": session.minutes,
        "location": session.location,
        "video_url": session.video_url,
        "capacity": session.capacity,
        "description": session.description,
        "target": "all" if session.target_all else "groups",
        "target_groups": list(session.target_groups.all()),
        "counts_toward": session.counts_toward_id,
    }


def _trainer_session(request: MemberRequest, session_id: int) -> TrainingSession:
    session = selectors.session_of_organization(
        organization=request.organization, session_id=session_id
    )
    if session is None:
        raise Http404("No such session.")
    return session


def _row(session: TrainingSession, going: dict[int, int]) -> dict[str, Any]:
    count = going.get(session.pk, 0)
    return {
        "session": session,
        "going": count,
        "places_left": selectors.places_left(session, count),
        "zone": session_zone(session).key,
        "started": selectors.session_started(session),
    }


# Trainers -----------------------------------------------------------------------------


@require_GET
@role_required("trainer")
def training_sessions(request: MemberRequest) -> HttpResponse:
    """Upcoming sessions (soonest first) and past ones (latest first, the last 50)."""
    now = timezone.now()
    upcoming = [
        session
        for session in selectors.sessions_for_trainers(
            organization=request.organization, upcoming=True, now=now
        )
        if selectors.session_ends_at(session) > now
    ]
    # A session under way is still upcoming (its attendance sheet is open from there).
    past = [
        session
        for session in selectors.sessions_for_trainers(
            organization=request.organization, upcoming=False, now=now
        )[:60]
        if selectors.session_ends_at(session) <= now
    ][:50]
    going = selectors.going_counts(sessions=[*upcoming, *past])
    return render(
        request,
        "training/sessions_manage.html",
        {
            "upcoming": [_row(session, going) for session in upcoming],
            "past": [_row(session, going) for session in past],
        },
    )


@role_required("trainer")
def training_session_new(request: MemberRequest) -> HttpResponse:
    start = timezone.now() + timedelta(days=7)
    zone = home_time_zone(request.membership)
    local = start.astimezone(zoneinfo.ZoneInfo(zone))
    form = NewSessionForm(
        request.POST or None,
        request=request,
        initial={
            "time_zone": zone,
            "starts_on": local.date(),
            "starts_time": local.time().replace(minute=0, second=0, microsecond=0),
            "minutes": 60,
            "capacity": 0,
            "occurrences": 1,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.session_create(
                membership=request.membership,
                fields=form.session_fields(),
                frequency=form.cleaned_data["frequency"],
                occurrences=form.cleaned_data["occurrences"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if len(made) > 1:
                messages.success(request, _("%(count)s sessions planned.") % {"count": len(made)})
            else:
                messages.success(request, _("Session planned."))
            return redirect("training_session", session_id=made[0].pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "training/session_form.html", {"form": form, "session": None}, status=status
    )


@role_required("trainer")
def training_session(request: MemberRequest, session_id: int) -> HttpResponse:
    """A session: its answers, and its form while it has not started."""
    session = _trainer_session(request, session_id)
    editable = session.cancelled_at is None and not selectors.session_started(session)
    form = EditSessionForm(
        request.POST if request.method == "POST" and editable else None,
        request=request,
        initial=_initial(session),
    )
    if not session.series_id:
        del form.fields["apply_to_series"]
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("This session can no longer be changed."))
            return redirect("training_session", session_id=session.pk)
        if form.is_valid():
            try:
                changed = services.session_update(
                    membership=request.membership,
                    session=session,
                    fields=form.session_fields(),
                    apply_to_series=bool(form.cleaned_data.get("apply_to_series")),
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Saved. %(count)s session(s) updated; who answered gets the update.")
                    % {"count": len(changed)},
                )
                return redirect("training_session", session_id=session.pk)
        status = 400
    rsvps = selectors.session_rsvps(session=session)
    going = sum(1 for rsvp in rsvps if rsvp.state == RsvpState.GOING)
    context = {
        "session": session,
        "form": form,
        "editable": editable,
        "rsvps": rsvps,
        "going": going,
        "places_left": selectors.places_left(session, going),
        "zone": session_zone(session).key,
        "started": selectors.session_started(session),
        "ended": selectors.session_ends_at(session) <= timezone.now(),
        "description_html": render_markdown(session.description),
    }
    return render(request, "training/session_manage.html", context, status=status)


@require_POST
@role_required("trainer")
def training_session_cancel(request: MemberRequest, session_id: int) -> HttpResponse:
    session = _trainer_session(request, session_id)
    try:
        cancelled = services.session_cancel(
            membership=request.membership,
            session=session,
            apply_to_series=request.POST.get("series") == "1",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(count)s session(s) cancelled; who answered is told.") % {"count": len(cancelled)},
        )
    return redirect("training_session", session_id=session.pk)


@require_POST
@role_required("trainer")
def training_session_invite(request: MemberRequest, session_id: int) -> HttpResponse:
    session = _trainer_session(request, session_id)
    try:
        count = services.session_invitations_send(membership=request.membership, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Invitations are on their way to %(count)s members.") % {"count": count}
        )
    return redirect("training_session", session_id=session.pk)


@role_required("trainer")
def training_session_attendance(request: MemberRequest, session_id: int) -> HttpResponse:
    """The attendance sheet: everyone going or waiting (and whoever was marked), ticked
    when they came."""
    session = _trainer_session(request, session_id)
    rsvps = [
        rsvp
        for rsvp in selectors.session_rsvps(session=session)
        if rsvp.state != RsvpState.DECLINED or rsvp.attended is not None
    ]
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        came = set(request.POST.getlist("attended"))
        marks = {rsvp.membership_id: str(rsvp.membership_id) in came for rsvp in rsvps}
        try:
            services.attendance_mark(membership=request.membership, session=session, attended=marks)
        except ValidationError as error:
            errors = error.messages
            status = 400
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("training_session_attendance", session_id=session.pk)
    return render(
        request,
        "training/session_attendance.html",
        {
            "session": session,
            "rsvps": rsvps,
            "errors": errors,
            "zone": session_zone(session).key,
            "started": selectors.session_started(session),
        },
        status=status,
    )


# Members ------------------------------------------------------------------------------


def _member_session(request: MemberRequest, session_id: int) -> TrainingSession:
    session = selectors.session_for_member(membership=request.membership, session_id=session_id)
    if session is None:
        raise Http404("No such session.")
    return session


def _member_row(
    request: MemberRequest,
    session: TrainingSession,
    going: dict[int, int],
    rsvps: dict[int, Any],
    viewer_zone: str,
) -> dict[str, Any]:
    row = _row(session, going)
    rsvp = rsvps.get(session.pk)
    row["rsvp"] = rsvp
    row["position"] = selectors.waitlist_position(rsvp=rsvp) if rsvp is not None else None
    row["viewer_zone"] = viewer_zone
    row["same_zone"] = _same_wall_clock(session.starts_at, row["zone"], viewer_zone)
    row["open"] = session.cancelled_at is None and not row["started"]
    row["targeted"] = selectors.session_targets(session, request.membership)
    return row


def _same_wall_clock(moment: datetime, first: str, second: str) -> bool:
    """Whether the two zones show the same local time (then the page shows it once)."""
    return moment.astimezone(zoneinfo.ZoneInfo(first)).replace(tzinfo=None) == moment.astimezone(
        zoneinfo.ZoneInfo(second)
    ).replace(tzinfo=None)


@require_GET
@member_required
def sessions(request: MemberRequest) -> HttpResponse:
    """The upcoming sessions meant for the member, in their time zone and the session's."""
    viewer_zone = _viewer_zone(request)
    upcoming = selectors.sessions_upcoming_for_member(membership=request.membership)
    going = selectors.going_counts(sessions=upcoming)
    rsvps = selectors.rsvps_of_member(membership=request.membership, sessions=upcoming)
    rows = [_member_row(request, item, going, rsvps, viewer_zone) for item in upcoming]
    return render(
        request,
        "training/sessions.html",
        {"rows": rows, "viewer_zone": viewer_zone, "zones": _zone_choices()},
    )


@require_GET
@member_required
def session_detail(request: MemberRequest, session_id: int) -> HttpResponse:
    session = _member_session(request, session_id)
    viewer_zone = _viewer_zone(request)
    going = selectors.going_counts(sessions=[session])
    rsvps = selectors.rsvps_of_member(membership=request.membership, sessions=[session])
    row = _member_row(request, session, going, rsvps, viewer_zone)
    row["description_html"] = render_markdown(session.description)
    row["ended"] = selectors.session_ends_at(session) <= timezone.now()
    return render(request, "training/session_detail.html", {**row, "row": row})


@require_POST
@member_required
def session_rsvp(request: MemberRequest, session_id: int) -> HttpResponse:
    session = _member_session(request, session_id)
    state = request.POST.get("state", "")
    try:
        rsvp = services.rsvp_set(membership=request.membership, session=session, state=state)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        if rsvp.state == RsvpState.GOING:
            messages.success(request, _("You are going. See you there!"))
        elif rsvp.state == RsvpState.WAITLIST:
            messages.success(
                request,
                _(
                    "The session is full: you are on the waiting list and will be told when a "
                    "place opens up."
                ),
            )
        else:
            messages.success(request, _("Noted: you are not going."))
    back = request.POST.get("next", "")
    if back == "list":
        return redirect("sessions")
    return redirect("session_detail", session_id=session.pk)


@require_GET
@member_required
def session_calendar(request: MemberRequest, session_id: int) -> HttpResponse:
    """The session as an .ics file, for "Add to calendar"."""
    session = _member_session(request, session_id)
    ics = session_ics(session=session, method="PUBLISH")
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response
