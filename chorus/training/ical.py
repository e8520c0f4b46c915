"""The iCalendar file of a training session (RFC 5545), built with the icalendar library.

Invitations carry METHOD:REQUEST, cancellations METHOD:CANCEL (STATUS:CANCELLED), and the
"Add to calendar" download METHOD:PUBLISH. The UID never changes; SEQUENCE grows with every
update sent, so calendar programs replace the event they already hold instead of adding one.
Times carry the session's own time zone (TZID) with its VTIMEZONE.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from chorus.training.models import TrainingSession

PRODID = "-//Chorus//Training sessions//EN"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")


def session_zone(session: TrainingSession) -> zoneinfo.ZoneInfo:
    """The time zone the session was planned in (UTC when the stored name is unknown)."""
    try:
        return zoneinfo.ZoneInfo(session.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def session_page_url(session: TrainingSession) -> str:
    return settings.SITE_URL + reverse("session_detail", args=[session.pk])


def session_ics(
    *, session: TrainingSession, method: str = "PUBLISH", attendee_email: str = ""
) -> bytes:
    """The session as an iCalendar file. `attendee_email` names the person it is sent to."""
    if method not in METHODS:
        raise ValueError(f"Unknown iCalendar method {method!r}")
    zone = session_zone(session)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add("calscale", "GREGORIAN")
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now().astimezone(zoneinfo.ZoneInfo("UTC")))
    starts = session.starts_at.astimezone(zone)
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=session.minutes))
    event.add("summary", session.title)
    page = session_page_url(session)
    description = session.description.strip()
    links = [session.video_url, page] if session.video_url else [page]
    event.add("description", "\n\n".join([part for part in (description, *links) if part]))
    if session.location or session.video_url:
        event.add("location", session.location or session.video_url)
    event.add("url", session.video_url or page)
    cancelled = method == "CANCEL" or session.cancelled_at is not None
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    host = session.host
    if host is not None and host.email:
        organizer = vCalAddress(f"mailto:{host.email}")
        organizer.params["cn"] = vText(host.get_full_name())
        event.add("organizer", organizer)
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        # Answers go through Chorus (its page or API), not by email to the organizer.
        attendee.params["rsvp"] = vText("FALSE")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    calendar.add_component(event)
    # The zone's rules around the session only, not every change since 1970.
    calendar.add_missing_timezones(
        first_date=date(starts.year - 1, 1, 1), last_date=date(starts.year + 2, 1, 1)
    )
    ics: bytes = calendar.to_ical()
    return ics
