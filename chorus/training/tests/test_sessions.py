"""Sessions: planning (time zones, series across daylight saving), answers with a capacity
and a waiting list, the audience, emails with their iCalendar file, attendance toward a
certification, and who may do what."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from chorus.accounts.services import tokens as account_services
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.notifications.models import Notification
from chorus.training.models import (
    Certificate,
    Certification,
    RsvpState,
    SessionRsvp,
    TrainingSession,
)
from chorus.training.selectors import sessions as selectors
from chorus.training.services import sessions as services
from chorus.training.services.sessions import SessionFields

# Before every session planned here; Europe moves its clocks on 29 March 2026, the USA
# on 8 March 2026.
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(db: None) -> Any:
    with time_machine.travel(NOW, tick=False):
        org: Any = OrganizationFactory(name="Acme", slug="acme")
        trainer: Any = MembershipFactory(
            organization=org, is_trainer=True, user__email="tia@acme.test", user__name="Tia"
        )
        emma: Any = MembershipFactory(organization=org, user__email="emma@acme.test")
        sam: Any = MembershipFactory(organization=org, user__email="sam@acme.test")
        kim: Any = MembershipFactory(organization=org, user__email="kim@acme.test")
        sales: Any = GroupFactory(organization=org, name="Sales")
        sales.members.add(sam)
        foreign_org: Any = OrganizationFactory(name="Globex", slug="globex")
        foreign_trainer: Any = MembershipFactory(organization=foreign_org, is_trainer=True)
        yield SimpleNamespace(**locals())


def fields(**values: Any) -> SessionFields:
    defaults: dict[str, Any] = {
        "title": "LinkedIn best practices",
        "starts_on": date(2026, 3, 19),
        "starts_time": time(10, 0),
        "time_zone": "Europe/Berlin",
        "minutes": 45,
        "location": "Room 4",
        "video_url": "https://meet.example.com/abc",
    }
    return SessionFields(**(defaults | values))


def plan(membership: Any, **values: Any) -> TrainingSession:
    return services.session_create(membership=membership, fields=fields(**values))[0]


def calendar_of(message: Any) -> Calendar:
    attachments = [item for item in message.attachments if item[2].startswith("text/calendar")]
    assert len(attachments) == 1
    return Calendar.from_ical(attachments[0][1])


def event_of(calendar: Calendar) -> Any:
    return calendar.walk("VEVENT")[0]


def call(client: Any, method: str, path: str, member: Any, body: Any = None) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


# Planning -----------------------------------------------------------------------------


def test_a_session_is_stored_in_utc_from_its_local_time(world):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer)
    assert session.starts_at == datetime(2026, 3, 19, 9, 0, tzinfo=UTC)  # CET is UTC+1
    assert session.time_zone == "Europe/Berlin"
    assert session.uid.endswith("@chorus") and session.sequence == 0
    assert session.host == world.trainer.user
    assert AuditEvent.objects.filter(
        action="training.session_created", target_id=session.pk
    ).exists()


def test_a_weekly_series_keeps_its_local_time_across_daylight_saving(world):
    with time_machine.travel(NOW, tick=False):
        made = services.session_create(
            membership=world.trainer, fields=fields(), frequency="weekly", occurrences=3
        )
    assert [session.starts_at for session in made] == [
        datetime(2026, 3, 19, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 26, 9, 0, tzinfo=UTC),
        # After 29 March Berlin is UTC+2: 10:00 there is 08:00 UTC.
        datetime(2026, 4, 2, 8, 0, tzinfo=UTC),
    ]
    assert len({session.series_id for session in made}) == 1
    assert made[0].series.frequency == "weekly"
    assert len({session.uid for session in made}) == 3


def test_a_monthly_series_keeps_the_day_or_the_month_end_and_the_local_time(world):
    with time_machine.travel(NOW, tick=False):
        made = services.session_create(
            membership=world.trainer,
            fields=fields(
                starts_on=date(2026, 3, 31), starts_time=time(9, 30), time_zone="America/New_York"
            ),
            frequency="monthly",
            occurrences=3,
        )
    assert [session.starts_at for session in made] == [
        datetime(2026, 3, 31, 13, 30, tzinfo=UTC),  # EDT, UTC-4
        datetime(2026, 4, 30, 13, 30, tzinfo=UTC),  # April has no 31st
        datetime(2026, 5, 31, 13, 30, tzinfo=UTC),
    ]
    assert services.series_days(first=date(2026, 1, 31), frequency="monthly", count=3) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


def test_a_monthly_series_across_the_change_of_clocks(world):
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        made = services.session_create(
            membership=world.trainer,
            fields=fields(starts_on=date(2026, 2, 10), starts_time=time(9, 0)),
            frequency="monthly",
            occurrences=3,
        )
    local = [
        session.starts_at.astimezone(services.time_zone_named("Europe/Berlin")) for session in made
    ]
    assert [moment.hour for moment in local] == [9, 9, 9]
    assert [moment.utcoffset() for moment in local] == [
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=2),
    ]


def test_bad_input_is_refused_and_nothing_is_made(world):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationError) as error:
            services.session_create(
                membership=world.trainer,
                fields=fields(
                    title=" ",
                    time_zone="Mars/Olympus",
                    video_url="javascript:alert(1)",
                    minutes=1,
                ),
            )
        assert {"title", "time_zone", "video_url", "minutes"} <= set(error.value.message_dict)
        with pytest.raises(ValidationError):
            plan(world.trainer, starts_on=date(2026, 2, 1))  # in the past
        with pytest.raises(ValidationError):
            services.session_create(
                membership=world.trainer, fields=fields(), frequency="weekly", occurrences=99
            )
    assert not TrainingSession.objects.exists()


def test_only_trainers_and_admins_plan_sessions(world):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(PermissionDenied):
            plan(world.emma)
        admin = MembershipFactory(organization=world.org, is_admin=True)
        assert plan(admin).pk


# Answers ------------------------------------------------------------------------------


def test_capacity_fills_then_the_waiting_list_is_promoted_in_order(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, capacity=1)
        first = services.rsvp_set(membership=world.emma, session=session, state="going")
        second = services.rsvp_set(membership=world.sam, session=session, state="going")
        third = services.rsvp_set(membership=world.kim, session=session, state="going")
        assert first.state == RsvpState.GOING
        assert second.state == third.state == RsvpState.WAITLIST
        assert selectors.waitlist_position(rsvp=second) == 1
        assert selectors.waitlist_position(rsvp=third) == 2
        # Answering "going" again changes nothing.
        again = services.rsvp_set(membership=world.sam, session=session, state="going")
        assert again.state == RsvpState.WAITLIST
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.rsvp_set(membership=world.emma, session=session, state="declined")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.state == RsvpState.GOING
    assert third.state == RsvpState.WAITLIST
    assert selectors.waitlist_position(rsvp=third) == 1
    assert Notification.objects.filter(membership=world.sam, kind="session_place").exists()
    assert [message.to for message in mail.outbox] == [["sam@acme.test"]]
    event = event_of(calendar_of(mail.outbox[0]))
    assert event["UID"] == session.uid


def test_more_places_promote_the_waiting_list(world):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, capacity=1)
        services.rsvp_set(membership=world.emma, session=session, state="going")
        waiting = services.rsvp_set(membership=world.sam, session=session, state="going")
        services.session_update(
            membership=world.trainer, session=session, fields=fields(capacity=2)
        )
    waiting.refresh_from_db()
    assert waiting.state == RsvpState.GOING


def test_only_the_audience_may_answer(world):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, target_all=False, target_groups=[world.sales])
        assert services.rsvp_set(membership=world.sam, session=session, state="going")
        with pytest.raises(PermissionDenied):
            services.rsvp_set(membership=world.emma, session=session, state="going")
        assert [
            item.pk for item in selectors.sessions_upcoming_for_member(membership=world.sam)
        ] == [session.pk]
        assert selectors.sessions_upcoming_for_member(membership=world.emma) == []
        assert selectors.session_for_member(membership=world.emma, session_id=session.pk) is None
    assert not SessionRsvp.objects.filter(membership=world.emma).exists()


def test_no_answers_after_the_start_or_when_cancelled(world):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer)
        later = plan(world.trainer, starts_on=date(2026, 3, 26))
        services.session_cancel(membership=world.trainer, session=later)
        with pytest.raises(ValidationError):
            services.rsvp_set(membership=world.emma, session=later, state="going")
    with (
        time_machine.travel(session.starts_at + timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError),
    ):
        services.rsvp_set(membership=world.emma, session=session, state="going")
    assert not SessionRsvp.objects.exists()


# Emails and the iCalendar file --------------------------------------------------------


def test_invitations_go_to_the_audience_with_a_request_ics(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, target_all=False, target_groups=[world.sales])
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = services.session_invitations_send(membership=world.trainer, session=session)
    assert count == 1
    assert [message.to for message in mail.outbox] == [["sam@acme.test"]]
    message = mail.outbox[0]
    assert "LinkedIn best practices" in message.subject
    assert message.alternatives[0][1] == "text/html"
    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    event = event_of(calendar)
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 3, 19, 9, 0, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert start.utcoffset() == timedelta(hours=1)
    assert event.decoded("DTEND") - start == timedelta(minutes=45)
    assert str(event["LOCATION"]) == "Room 4"
    assert str(event["URL"]) == "https://meet.example.com/abc"
    assert "tia@acme.test" in str(event["ORGANIZER"])
    assert calendar.walk("VTIMEZONE")  # the zone travels with the file


def test_invitations_speak_the_members_language(world, django_capture_on_commit_callbacks):
    world.sam.user.language = "de"
    world.sam.user.save()
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, target_all=False, target_groups=[world.sales])
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.session_invitations_send(membership=world.trainer, session=session)
    assert len(mail.outbox) == 1
    # The German catalog is filled in later: the email renders in German all the same.
    assert "LinkedIn best practices" in mail.outbox[0].body


def test_an_update_bumps_the_sequence_and_reaches_who_answered(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer)
        services.rsvp_set(membership=world.emma, session=session, state="going")
        services.rsvp_set(membership=world.sam, session=session, state="declined")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.session_update(
                membership=world.trainer,
                session=session,
                fields=fields(starts_time=time(11, 0), title="LinkedIn, updated"),
            )
    session.refresh_from_db()
    assert session.sequence == 1
    assert session.starts_at == datetime(2026, 3, 19, 10, 0, tzinfo=UTC)
    assert [message.to for message in mail.outbox] == [["emma@acme.test"]]
    event = event_of(calendar_of(mail.outbox[0]))
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == session.starts_at
    assert str(event["SUMMARY"]) == "LinkedIn, updated"


def test_an_update_can_apply_to_the_rest_of_the_series(world):
    with time_machine.travel(NOW, tick=False):
        made = services.session_create(
            membership=world.trainer, fields=fields(), frequency="weekly", occurrences=3
        )
        services.session_update(
            membership=world.trainer,
            session=made[1],
            fields=fields(starts_on=date(2026, 3, 26), starts_time=time(14, 0), location="Hall"),
            apply_to_series=True,
        )
    first, second, third = (TrainingSession.objects.get(pk=item.pk) for item in made)
    assert first.location == "Room 4" and first.sequence == 0
    assert second.starts_at == datetime(2026, 3, 26, 13, 0, tzinfo=UTC)
    assert third.starts_at == datetime(2026, 4, 2, 12, 0, tzinfo=UTC)  # 14:00 CEST
    assert second.location == third.location == "Hall"
    assert second.sequence == third.sequence == 1


def test_cancelling_sends_a_cancel_ics(world, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer)
        services.rsvp_set(membership=world.emma, session=session, state="going")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.session_cancel(membership=world.trainer, session=session)
        with pytest.raises(ValidationError):
            services.session_cancel(membership=world.trainer, session=session)
        with pytest.raises(ValidationError):
            services.session_update(membership=world.trainer, session=session, fields=fields())
    session.refresh_from_db()
    assert session.cancelled_at is not None and session.sequence == 1
    assert [message.to for message in mail.outbox] == [["emma@acme.test"]]
    calendar = calendar_of(mail.outbox[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    event = event_of(calendar)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 1
    assert Notification.objects.filter(membership=world.emma, kind="session_cancelled").exists()


# Attendance ---------------------------------------------------------------------------


def test_attendance_counts_toward_a_certification(world):
    certification = Certification.objects.create(
        organization=world.org, name="Session-certified", sessions_required=1
    )
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, counts_toward=certification)
        services.rsvp_set(membership=world.emma, session=session, state="going")
        services.rsvp_set(membership=world.sam, session=session, state="going")
        with pytest.raises(ValidationError):  # not started yet
            services.attendance_mark(
                membership=world.trainer, session=session, attended={world.emma.pk: True}
            )
    with time_machine.travel(session.starts_at + timedelta(hours=2), tick=False):
        with pytest.raises(PermissionDenied):
            services.attendance_mark(
                membership=world.emma, session=session, attended={world.emma.pk: True}
            )
        with pytest.raises(ValidationError):
            services.attendance_mark(
                membership=world.trainer,
                session=session,
                attended={world.foreign_trainer.pk: True},
            )
        marked = services.attendance_mark(
            membership=world.trainer,
            session=session,
            attended={world.emma.pk: True, world.sam.pk: False},
        )
    assert marked == 2
    assert SessionRsvp.objects.get(membership=world.emma).attended is True
    assert SessionRsvp.objects.get(membership=world.sam).attended is False
    assert Certificate.objects.filter(membership=world.emma, certification=certification).exists()
    assert not Certificate.objects.filter(membership=world.sam).exists()


# Pages --------------------------------------------------------------------------------


def test_a_trainer_plans_a_series_on_the_page(world, client):
    client.force_login(world.trainer.user)
    with time_machine.travel(NOW, tick=False):
        form = client.get("/manage/training/sessions/new/")
        assert form.status_code == 200
        response = client.post(
            "/manage/training/sessions/new/",
            {
                "title": "Weekly tips",
                "kind": "meeting",
                "starts_on": "2026-03-19",
                "starts_time": "10:00",
                "time_zone": "Europe/Berlin",
                "minutes": "30",
                "capacity": "0",
                "target": "all",
                "frequency": "weekly",
                "occurrences": "4",
            },
        )
    assert response.status_code == 302
    assert TrainingSession.objects.filter(title="Weekly tips").count() == 4
    with time_machine.travel(NOW, tick=False):
        listing = client.get("/manage/training/sessions/")
    assert listing.status_code == 200
    assert listing.content.decode().count("Weekly tips") == 4


def test_a_bad_form_keeps_what_was_typed(world, client):
    client.force_login(world.trainer.user)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/manage/training/sessions/new/",
            {
                "title": "Kept title",
                "kind": "workshop",
                "starts_on": "2020-01-01",
                "starts_time": "10:00",
                "time_zone": "Europe/Berlin",
                "minutes": "30",
                "capacity": "0",
                "target": "all",
                "occurrences": "1",
            },
        )
    assert response.status_code == 400
    assert "Kept title" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_a_member_answers_and_downloads_the_ics(world, client):
    client.force_login(world.emma.user)
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, capacity=5)
        listing = client.get("/learning/sessions/?tz=America/New_York")
        assert listing.status_code == 200
        page = listing.content.decode()
        assert "LinkedIn best practices" in page
        assert "America/New_York" in page and "Europe/Berlin" in page
        assert "5 places left" in page
        response = client.post(f"/learning/sessions/{session.pk}/rsvp/", {"state": "going"})
        assert response.status_code == 302
        assert SessionRsvp.objects.get(membership=world.emma).state == RsvpState.GOING
        ics = client.get(f"/learning/sessions/{session.pk}/calendar.ics")
        learning = client.get("/learning/")
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event_of(calendar)["UID"]) == session.uid
    assert f"/learning/sessions/{session.pk}/" in learning.content.decode()


def test_the_attendance_sheet(world, client):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer)
        services.rsvp_set(membership=world.emma, session=session, state="going")
    with time_machine.travel(session.starts_at + timedelta(minutes=10), tick=False):
        client.force_login(world.trainer.user)
        sheet = client.get(f"/manage/training/sessions/{session.pk}/attendance/")
        assert sheet.status_code == 200
        response = client.post(
            f"/manage/training/sessions/{session.pk}/attendance/",
            {"attended": [str(world.emma.pk)]},
        )
    assert response.status_code == 302
    assert SessionRsvp.objects.get(membership=world.emma).attended is True


def test_members_do_not_reach_trainer_pages_and_foreign_sessions_are_404(world, client):
    with time_machine.travel(NOW, tick=False):
        foreign = plan(world.foreign_trainer)
        own = plan(world.trainer)
        client.force_login(world.emma.user)
        assert client.get("/manage/training/sessions/").status_code == 403
        assert client.get(f"/manage/training/sessions/{own.pk}/").status_code == 403
        assert client.get(f"/learning/sessions/{foreign.pk}/").status_code == 404
        assert (
            client.post(f"/learning/sessions/{foreign.pk}/rsvp/", {"state": "going"}).status_code
            == 404
        )
        client.force_login(world.trainer.user)
        assert client.get(f"/manage/training/sessions/{foreign.pk}/").status_code == 404


# API ----------------------------------------------------------------------------------


def test_the_api_lists_answers_and_marks_attendance(world, client):
    with time_machine.travel(NOW, tick=False):
        created = call(
            client,
            "POST",
            "/training/manage/sessions",
            world.trainer,
            {
                "title": "API workshop",
                "starts_on": "2026-03-19",
                "starts_time": "10:00",
                "time_zone": "Europe/Berlin",
                "capacity": 1,
                "frequency": "weekly",
                "occurrences": 2,
            },
        )
        assert created.status_code == 201, created.content
        made = created.json()
        assert [item["starts_at"][:16] for item in made] == ["2026-03-19T09:00", "2026-03-26T09:00"]
        session_id = made[0]["id"]
        assert call(client, "POST", "/training/manage/sessions", world.emma, {}).status_code in (
            403,
            422,
        )
        mine = call(client, "GET", "/training/sessions", world.emma).json()
        assert [item["id"] for item in mine] == [item["id"] for item in made]
        answer = call(
            client, "PUT", f"/training/sessions/{session_id}/rsvp", world.emma, {"state": "going"}
        )
        assert answer.status_code == 200 and answer.json()["rsvp"] == "going"
        waiting = call(
            client, "PUT", f"/training/sessions/{session_id}/rsvp", world.sam, {"state": "going"}
        ).json()
        assert waiting["rsvp"] == "waitlist" and waiting["waitlist_position"] == 1
        listed = call(client, "GET", "/training/manage/sessions", world.trainer).json()
        assert listed[0]["going"] == 1 and listed[0]["waiting"] == 1
        assert call(client, "GET", "/training/manage/sessions", world.emma).status_code == 403
    with time_machine.travel(datetime(2026, 3, 19, 9, 30, tzinfo=UTC), tick=False):
        marked = call(
            client,
            "PUT",
            f"/training/manage/sessions/{session_id}/attendance",
            world.trainer,
            {"attended": {str(world.emma.pk): True}},
        )
        assert marked.status_code == 200 and marked.json() == {"marked": 1}
        late = call(
            client, "PUT", f"/training/sessions/{session_id}/rsvp", world.kim, {"state": "going"}
        )
        assert late.status_code == 422


def test_the_api_hides_foreign_sessions(world, client):
    with time_machine.travel(NOW, tick=False):
        foreign = plan(world.foreign_trainer)
        response = call(
            client, "PUT", f"/training/sessions/{foreign.pk}/rsvp", world.emma, {"state": "going"}
        )
        assert response.status_code == 404
        response = call(
            client,
            "PUT",
            f"/training/manage/sessions/{foreign.pk}/attendance",
            world.trainer,
            {"attended": {}},
        )
        assert response.status_code == 404


def test_the_trainer_session_page_invites_changes_and_cancels(
    world, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        made = services.session_create(
            membership=world.trainer, fields=fields(), frequency="weekly", occurrences=2
        )
        session = made[0]
        services.rsvp_set(membership=world.emma, session=session, state="going")
        client.force_login(world.trainer.user)
        page = client.get(f"/manage/training/sessions/{session.pk}/")
        assert page.status_code == 200
        assert "Apply to the later sessions" in page.content.decode()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invited = client.post(f"/manage/training/sessions/{session.pk}/invite/")
        assert invited.status_code == 302
        assert len(mail.outbox) == 4  # everyone: Tia, Emma, Sam, Kim
        changed = client.post(
            f"/manage/training/sessions/{session.pk}/",
            {
                "title": "Renamed",
                "kind": "workshop",
                "starts_on": "2026-03-19",
                "starts_time": "10:30",
                "time_zone": "Europe/Berlin",
                "minutes": "45",
                "capacity": "0",
                "target": "all",
                "apply_to_series": "on",
            },
        )
        assert changed.status_code == 302
        assert list(
            TrainingSession.objects.order_by("starts_at").values_list("title", "sequence")
        ) == [("Renamed", 1), ("Renamed", 1)]
        cancelled = client.post(f"/manage/training/sessions/{session.pk}/cancel/", {"series": "1"})
        assert cancelled.status_code == 302
        assert not TrainingSession.objects.filter(cancelled_at__isnull=True).exists()
        page = client.get(f"/manage/training/sessions/{session.pk}/")
        assert "This session is cancelled." in page.content.decode()


def test_the_member_session_page(world, client):
    with time_machine.travel(NOW, tick=False):
        session = plan(world.trainer, capacity=1, description="Bring **questions**.")
        services.rsvp_set(membership=world.sam, session=session, state="going")
        client.force_login(world.emma.user)
        page = client.get(f"/learning/sessions/{session.pk}/").content.decode()
        assert "<strong>questions</strong>" in page
        assert "Join the waiting list" in page
        client.post(f"/learning/sessions/{session.pk}/rsvp/", {"state": "going"})
        page = client.get(f"/learning/sessions/{session.pk}/").content.decode()
        assert "Waiting list: number 1" in page
        refused = client.post(f"/learning/sessions/{session.pk}/rsvp/", {"state": "maybe"})
        assert refused.status_code == 302
    assert SessionRsvp.objects.get(membership=world.emma).state == RsvpState.WAITLIST
