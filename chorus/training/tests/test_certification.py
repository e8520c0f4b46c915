"""Certification: certificates issued when the requirements are met (and not before), their
expiry, reminders, renewal by retaking the refresher, revocation, the verification page,
role checks and the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.models import Notification
from chorus.training.models import (
    Certificate,
    Certification,
    Choice,
    Course,
    CourseCompletion,
    QuestionKind,
    QuizAttempt,
    ScenarioState,
    SessionRsvp,
    TrainingSession,
)
from chorus.training.selectors.certification import (
    certificate_valid_q,
    certifications_overview,
    membership_certified,
)
from chorus.training.services import scenarios as scenario_services
from chorus.training.services.certification import (
    CertificationFields,
    add_months,
    certificate_revoke,
    certificates_award_due,
    certification_create,
    certification_update,
)
from chorus.training.services.courses import CourseFields, course_create, course_publish
from chorus.training.services.lessons import LessonFields, lesson_create, lesson_mark_read
from chorus.training.services.quizzes import (
    QuestionFields,
    attempt_answer,
    attempt_start,
    question_create,
)
from chorus.training.tasks import certificates_remind_and_expire

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def quiz_course(trainer: Any, title: str, *, questions: int = 1) -> Course:
    course = course_create(
        membership=trainer,
        fields=CourseFields(title=title, attempts_allowed=0, cooldown_hours=0),
    )
    lesson_create(membership=trainer, course=course, fields=LessonFields(title=f"{title} 1"))
    for number in range(questions):
        question_create(
            membership=trainer,
            course=course,
            fields=QuestionFields(
                kind=QuestionKind.SINGLE,
                text=f"{title} question {number}?",
                choices=[("Right", True), ("Wrong", False)],
            ),
        )
    course_publish(membership=trainer, course=course)
    course.refresh_from_db()
    return course


def reading_course(trainer: Any, title: str) -> Course:
    course = course_create(membership=trainer, fields=CourseFields(title=title))
    lesson_create(membership=trainer, course=course, fields=LessonFields(title=f"{title} 1"))
    lesson_create(membership=trainer, course=course, fields=LessonFields(title=f"{title} 2"))
    course_publish(membership=trainer, course=course)
    course.refresh_from_db()
    return course


def take_quiz(member: Any, course: Course, *, right: bool = True) -> QuizAttempt:
    attempt = attempt_start(membership=member, course=course)
    for item in attempt.drawn:
        chosen = Choice.objects.filter(question_id=item["question"], is_correct=right).first()
        assert chosen is not None
        attempt_answer(
            membership=member, attempt=attempt, question_id=item["question"], choice_ids=[chosen.pk]
        )
    attempt.refresh_from_db()
    return attempt


def finish(member: Any, course: Course) -> None:
    for lesson in course.lessons.all():
        lesson_mark_read(membership=member, lesson=lesson)
    if course.questions.exists():
        take_quiz(member, course)


@pytest.fixture
def world(organization: Any) -> SimpleNamespace:
    org = organization
    trainer: Any = MembershipFactory(organization=org, is_trainer=True, user__email="tia@a.test")
    emma: Any = MembershipFactory(organization=org, user__email="emma@a.test")
    colleague: Any = MembershipFactory(organization=org, user__email="col@a.test")
    policy = quiz_course(trainer, "Policy")
    x_course = reading_course(trainer, "Posting on X")
    certification = certification_create(
        membership=trainer,
        fields=CertificationFields(
            name="Speaks for Acme on X",
            courses=[policy, x_course],
            validity_months=12,
            reminder_days=30,
            refresher_courses=[policy],
        ),
    )
    foreign_org: Any = OrganizationFactory(name="Globex", slug="globex")
    foreign_trainer: Any = MembershipFactory(organization=foreign_org, is_trainer=True)
    foreign_member: Any = MembershipFactory(organization=foreign_org)
    return SimpleNamespace(**locals())


def login(client: Client, membership: Any) -> Client:
    client.force_login(membership.user)
    return client


# Issuing ----------------------------------------------------------------------------------


def test_a_certificate_is_issued_when_the_last_requirement_is_done_not_before(world):
    finish(world.emma, world.policy)
    assert not Certificate.objects.exists()
    assert not membership_certified(membership=world.emma, certification=world.certification)
    with time_machine.travel(START, tick=False):
        finish(world.emma, world.x_course)
    certificate = Certificate.objects.get()
    assert (certificate.membership, certificate.certification) == (
        world.emma,
        world.certification,
    )
    assert certificate.issued_at == START
    assert certificate.expires_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert certificate.renewal is False
    assert len(certificate.code) >= 20
    assert membership_certified(membership=world.emma, certification=world.certification)
    told = Notification.objects.get(membership=world.emma, kind="certificate_issued")
    assert "Speaks for Acme on X" in told.message
    assert told.url == f"/certificates/{certificate.code}/"
    # Calling again issues nothing more.
    assert certificates_award_due(membership=world.emma) == []
    finish(world.emma, world.x_course)
    assert Certificate.objects.count() == 1


def test_scenarios_and_sessions_are_required_when_named(world):
    scenario = scenario_services.scenario_create(
        membership=world.trainer, title="Angry", situation="Answer", state=ScenarioState.PUBLISHED
    )
    world.certification.scenarios.add(scenario)
    world.certification.sessions_required = 1
    world.certification.save()
    finish(world.emma, world.policy)
    finish(world.emma, world.x_course)
    assert not Certificate.objects.exists()
    response = scenario_services.response_submit(
        membership=world.emma, scenario=scenario, text="Sorry"
    )
    scenario_services.response_review(
        reviewer=world.trainer, response=response, decision="pass", feedback=""
    )
    assert not Certificate.objects.exists()
    session = TrainingSession.objects.create(
        organization=world.org,
        title="Workshop",
        starts_at=START,
        uid="s1@test",
        counts_toward=world.certification,
    )
    SessionRsvp.objects.create(
        organization=world.org, session=session, membership=world.emma, attended=True
    )
    issued = certificates_award_due(membership=world.emma)
    assert [c.membership for c in issued] == [world.emma]


def test_inactive_certifications_and_new_major_versions(world):
    world.certification.is_active = False
    world.certification.save()
    finish(world.emma, world.policy)
    finish(world.emma, world.x_course)
    assert not Certificate.objects.exists()
    world.certification.is_active = True
    world.certification.save()
    # A new major version of a required course asks for it again first.
    course_publish(membership=world.trainer, course=world.x_course, retake=True)
    assert certificates_award_due(membership=world.emma) == []
    world.x_course.refresh_from_db()
    finish(world.emma, world.x_course)
    assert Certificate.objects.count() == 1


# Expiry, reminders, renewal --------------------------------------------------------------------


def certified(world: Any) -> Certificate:
    with time_machine.travel(START, tick=False):
        finish(world.emma, world.policy)
        finish(world.emma, world.x_course)
    return Certificate.objects.get(membership=world.emma)


def test_a_certificate_expires(world):
    certificate = certified(world)
    day_before = certificate.expires_at - timedelta(days=1)
    assert membership_certified(
        membership=world.emma, certification=world.certification, now=day_before
    )
    after = certificate.expires_at + timedelta(seconds=1)
    assert not membership_certified(
        membership=world.emma, certification=world.certification, now=after
    )
    with time_machine.travel(after, tick=False):
        assert not membership_certified(membership=world.emma, certification=world.certification)
        assert not Certificate.objects.filter(certificate_valid_q()).exists()


def test_reminders_and_expiry_notices_are_sent_once(world):
    certificate = certified(world)
    expires = certificate.expires_at
    assert expires is not None
    with time_machine.travel(expires - timedelta(days=31), tick=False):
        certificates_remind_and_expire.call()
    assert not Notification.objects.filter(kind="certificate_expiring").exists()
    with time_machine.travel(expires - timedelta(days=29), tick=False):
        certificates_remind_and_expire.call()
        certificates_remind_and_expire.call()
    reminder = Notification.objects.get(kind="certificate_expiring")
    assert reminder.membership == world.emma
    assert reminder.url == "/learning/certificates/"
    with time_machine.travel(expires + timedelta(hours=1), tick=False):
        certificates_remind_and_expire.call()
        certificates_remind_and_expire.call()
    notice = Notification.objects.get(kind="certificate_expired")
    assert "Policy" in notice.message
    assert Notification.objects.filter(kind="certificate_expiring").count() == 1
    certificate.refresh_from_db()
    assert certificate.reminded_at is not None and certificate.expiry_told_at is not None


def test_renewal_requires_retaking_the_refresher(world):
    certificate = certified(world)
    expires = certificate.expires_at
    assert expires is not None
    # Retaking before the renewal window opens does not renew.
    with time_machine.travel(expires - timedelta(days=60), tick=False):
        take_quiz(world.emma, world.policy)
    assert Certificate.objects.count() == 1
    # After expiry, reading the other course again does not renew either: it is no refresher.
    with time_machine.travel(expires + timedelta(days=2), tick=False):
        finish(world.emma, world.x_course)
        assert Certificate.objects.count() == 1
        assert not membership_certified(membership=world.emma, certification=world.certification)
        # A failed retake does not count.
        take_quiz(world.emma, world.policy, right=False)
        assert Certificate.objects.count() == 1
        take_quiz(world.emma, world.policy)
        assert membership_certified(membership=world.emma, certification=world.certification)
    renewed = Certificate.objects.order_by("-issued_at").first()
    assert renewed is not None and renewed.renewal is True
    assert renewed.expires_at == add_months(expires + timedelta(days=2), 12)
    assert CourseCompletion.objects.filter(membership=world.emma, course=world.policy).count() == 1
    assert Notification.objects.filter(kind="certificate_issued").count() == 2


def test_renewal_within_the_reminder_window(world):
    certificate = certified(world)
    expires = certificate.expires_at
    assert expires is not None
    with time_machine.travel(expires - timedelta(days=10), tick=False):
        take_quiz(world.emma, world.policy)
    assert Certificate.objects.filter(membership=world.emma).count() == 2
    with time_machine.travel(expires + timedelta(days=1), tick=False):
        assert membership_certified(membership=world.emma, certification=world.certification)
        # Renewed: no expiry notice for the old one.
        certificates_remind_and_expire.call()
    assert not Notification.objects.filter(kind="certificate_expired").exists()


def test_a_course_without_quiz_is_retaken_by_reading_it_again(world):
    world.certification.refresher_courses.set([world.x_course])
    certificate = certified(world)
    expires = certificate.expires_at
    assert expires is not None
    with time_machine.travel(expires + timedelta(days=1), tick=False):
        first = world.x_course.lessons.first()
        lesson_mark_read(membership=world.emma, lesson=first)
        assert Certificate.objects.count() == 1  # one of two lessons read again
        finish(world.emma, world.x_course)
        assert Certificate.objects.count() == 2


def test_validity_zero_never_expires(world):
    world.certification.validity_months = 0
    world.certification.save()
    certificate = certified(world)
    assert certificate.expires_at is None
    assert membership_certified(
        membership=world.emma,
        certification=world.certification,
        now=START + timedelta(days=3650),
    )


def test_add_months_keeps_the_day_or_takes_the_last():
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 14) == datetime(2028, 1, 15, tzinfo=UTC)


# Revoking ------------------------------------------------------------------------------------


def test_revoke_needs_a_reason_and_tells_the_member(world):
    certificate = certified(world)
    with pytest.raises(PermissionDenied):
        certificate_revoke(membership=world.colleague, certificate=certificate, reason="No")
    with pytest.raises(ValidationError):
        certificate_revoke(membership=world.trainer, certificate=certificate, reason="  ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    certificate_revoke(membership=world.trainer, certificate=certificate, reason="Broke the policy")
    assert not membership_certified(membership=world.emma, certification=world.certification)
    told = Notification.objects.get(kind="certificate_revoked")
    assert "Broke the policy" in told.message
    # Not given back by completing something else; retaking the refresher earns it again.
    finish(world.emma, world.x_course)
    assert not membership_certified(membership=world.emma, certification=world.certification)
    take_quiz(world.emma, world.policy)
    assert membership_certified(membership=world.emma, certification=world.certification)


# Trainers ------------------------------------------------------------------------------------


def test_certification_rules(world):
    with pytest.raises(PermissionDenied):
        certification_create(membership=world.emma, fields=CertificationFields(name="No"))
    before = Certification.objects.count()
    with pytest.raises(ValidationError) as refused:
        certification_create(
            membership=world.trainer,
            fields=CertificationFields(
                name=" ", validity_months=999, reminder_days=-1, sessions_required=-1
            ),
        )
    assert {"name", "validity_months", "reminder_days", "sessions_required"} <= set(
        refused.value.message_dict
    )
    foreign_course = reading_course(world.foreign_trainer, "Elsewhere")
    with pytest.raises(ValidationError):
        certification_create(
            membership=world.trainer,
            fields=CertificationFields(name="Foreign", courses=[foreign_course]),
        )
    with pytest.raises(ValidationError):  # asks for nothing
        certification_create(membership=world.trainer, fields=CertificationFields(name="Empty"))
    with pytest.raises(ValidationError):  # refresher not among the required
        certification_create(
            membership=world.trainer,
            fields=CertificationFields(
                name="Odd", courses=[world.policy], refresher_courses=[world.x_course]
            ),
        )
    assert Certification.objects.count() == before
    with pytest.raises(PermissionDenied):
        certification_update(
            membership=world.foreign_trainer,
            certification=world.certification,
            fields=CertificationFields(name="Mine", courses=[world.policy]),
        )


def test_trainer_pages_create_edit_and_see_holders(client, world):
    certificate = certified(world)
    login(client, world.trainer)
    listing = client.get("/manage/training/certifications/")
    assert listing.status_code == 200
    assert "Speaks for Acme on X" in listing.content.decode()
    response = client.post(
        "/manage/training/certifications/new/",
        {
            "name": "Answers customers",
            "courses": [world.policy.pk],
            "sessions_required": "0",
            "validity_months": "6",
            "reminder_days": "14",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    made = Certification.objects.get(name="Answers customers")
    assert (made.validity_months, list(made.courses.all())) == (6, [world.policy])
    refused = client.post(
        f"/manage/training/certifications/{made.pk}/edit/",
        {"name": "", "sessions_required": "0", "validity_months": "6", "reminder_days": "14"},
    )
    assert refused.status_code == 400
    made.refresh_from_db()
    assert made.name == "Answers customers"
    holders = client.get(f"/manage/training/certifications/{world.certification.pk}/")
    assert holders.status_code == 200
    assert world.emma.user.email in holders.content.decode() or str(world.emma.user) in (
        holders.content.decode()
    )
    revoke_url = f"/manage/training/certificates/{certificate.pk}/revoke/"
    assert client.get(revoke_url).status_code == 200
    assert client.post(revoke_url, {"reason": ""}).status_code == 400
    assert client.post(revoke_url, {"reason": "Left the team"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "Left the team"


def test_members_cannot_manage_certifications(client, world):
    certificate = certified(world)
    login(client, world.emma)
    assert client.get("/manage/training/certifications/").status_code == 403
    assert client.get("/manage/training/certifications/new/").status_code == 403
    url = f"/manage/training/certifications/{world.certification.pk}/"
    assert client.get(url).status_code == 403
    revoke = f"/manage/training/certificates/{certificate.pk}/revoke/"
    assert client.post(revoke, {"reason": "x"}).status_code == 403


def test_foreign_certifications_are_404(client, world):
    login(client, world.foreign_trainer)
    url = f"/manage/training/certifications/{world.certification.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}edit/").status_code == 404


# Members ------------------------------------------------------------------------------------


def test_my_certificates_shows_dates_state_and_what_is_left(client, world):
    login(client, world.emma)
    page = client.get("/learning/certificates/").content.decode()
    assert "Speaks for Acme on X" in page and "Posting on X" in page
    certificate = certified(world)
    page = client.get("/learning/certificates/").content.decode()
    assert f"/certificates/{certificate.code}/" in page
    assert "Valid" in page
    assert certificate.expires_at is not None
    with time_machine.travel(certificate.expires_at + timedelta(days=1)):
        page = login(client, world.emma).get("/learning/certificates/").content.decode()
    assert "Expired" in page
    assert f"/learning/{world.policy.pk}/" in page
    learning = client.get("/learning/").content.decode()
    assert "/learning/certificates/" in learning


def test_the_verification_page_is_for_the_organization_only(client, world):
    certificate = certified(world)
    url = f"/certificates/{certificate.code}/"
    page = login(client, world.colleague).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Speaks for Acme on X" in text and "Valid" in text
    assert login(client, world.foreign_member).get(url).status_code == 404
    assert login(client, world.colleague).get("/certificates/not-a-code/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    certificate_revoke(membership=world.trainer, certificate=certificate, reason="Misconduct")
    text = login(client, world.colleague).get(url).content.decode()
    assert "Revoked" in text


# API ----------------------------------------------------------------------------------------


def api(client: Client, membership: Any) -> Client:
    return login(client, membership)


def test_api_lists_verifies_and_checks_roles(client, world):
    certificate = certified(world)
    login(client, world.trainer)
    listed = client.get("/api/v1/training/certifications")
    assert listed.status_code == 200
    assert listed.json()[0]["name"] == "Speaks for Acme on X"
    holders = client.get(f"/api/v1/training/certifications/{world.certification.pk}/holders")
    assert holders.status_code == 200
    assert holders.json()[0]["state"] == "valid"
    login(client, world.emma)
    assert client.get("/api/v1/training/certifications").status_code == 403
    assert (
        client.get(f"/api/v1/training/certifications/{world.certification.pk}/holders").status_code
        == 403
    )
    mine = client.get("/api/v1/training/certificates")
    assert mine.status_code == 200
    assert mine.json()[0]["code"] == certificate.code
    login(client, world.colleague)
    verified = client.get(f"/api/v1/training/certificates/{certificate.code}")
    assert verified.status_code == 200
    assert verified.json()["valid"] is True
    login(client, world.foreign_member)
    assert client.get(f"/api/v1/training/certificates/{certificate.code}").status_code == 404
    login(client, world.foreign_trainer)
    assert (
        client.get(f"/api/v1/training/certifications/{world.certification.pk}/holders").status_code
        == 404
    )


def test_members_who_already_meet_a_new_certification_earn_it(
    world, django_capture_on_commit_callbacks
):
    finish(world.emma, world.policy)
    finish(world.colleague, world.x_course)
    with django_capture_on_commit_callbacks(execute=True):
        made = certification_create(
            membership=world.trainer,
            fields=CertificationFields(name="Knows the policy", courses=[world.policy]),
        )
    holders = Certificate.objects.filter(certification=made)
    assert [c.membership for c in holders] == [world.emma]


def test_the_overview_counts_holders_and_those_expiring_soon(world):
    certificate = certified(world)
    assert certificate.expires_at is not None
    overview = certifications_overview(organization=world.org, now=START + timedelta(days=1))
    assert [(c.holders, c.expiring) for c in overview] == [(1, 0)]
    in_window = certificate.expires_at - timedelta(days=5)
    overview = certifications_overview(organization=world.org, now=in_window)
    assert [(c.holders, c.expiring) for c in overview] == [(1, 1)]
    with time_machine.travel(in_window, tick=False):
        take_quiz(world.emma, world.policy)  # renewed: no longer expiring
    overview = certifications_overview(organization=world.org, now=in_window + timedelta(hours=1))
    assert [(c.holders, c.expiring) for c in overview] == [(1, 0)]


def test_api_revoke(client, world):
    certificate = certified(world)
    url = f"/api/v1/training/certificates/{certificate.code}/revoke"
    login(client, world.colleague)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    login(client, world.trainer)
    refused = client.post(url, {"reason": " "}, content_type="application/json")
    assert refused.status_code == 422
    done = client.post(url, {"reason": "Left"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["state"] == "revoked" and done.json()["valid"] is False
    assert not membership_certified(membership=world.emma, certification=world.certification)
