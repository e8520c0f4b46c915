"""Certification decides who may share to X, clicked through in a real browser.

An admin adds the starter curriculum, creates a certification that asks for the X course
and requires it for sharing to X. A member, on a phone, is stopped in the share dialog,
reads why and follows the one link to the course, reads the lessons, fails the quiz once,
passes, finds the certificate and its verification page, and shares to X. A year later
(time-machine: the live server runs in this process, so it travels too) the certificate
has expired and sharing to X is stopped again, until the member retakes the course's
quiz and the certificate is renewed. Every member page fits 390 px and is axe
clean; so are the trainers' and members' certification, gate, policy, session and report
pages.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.content.models import Caption, PostState
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, PostFactory
from chorus.sharing.models import Share, ShareStatus
from chorus.tests_browser.test_training_courses import check, sign_in
from chorus.training.models import (
    Certificate,
    Certification,
    Choice,
    Course,
    Gate,
    GateAction,
    QuestionKind,
    QuizAttempt,
)
from chorus.training.services.certification import (
    CertificationFields,
    certificate_issue,
    certificate_revoke,
    certification_create,
)
from chorus.training.services.courses import CourseFields, course_create, course_publish
from chorus.training.services.gates import gate_add
from chorus.training.services.lessons import LessonFields, lesson_create
from chorus.training.services.policy import (
    policy_acknowledge,
    policy_publish,
    policy_start_from_template,
)
from chorus.training.services.quizzes import (
    QuestionFields,
    attempt_answer,
    attempt_next_question,
    attempt_start,
    question_create,
)
from chorus.training.services.sessions import SessionFields, rsvp_set, session_create
from chorus.training.services.starter import starter_curriculum_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

X_COURSE = "x"  # the starter curriculum's X course (chorus/training/curriculum/x/)
CERTIFICATION = "X best practice"


def cut_selects(tab: Any) -> list[str]:
    """The pickers in the page showing their own words (the empty choice: "Every active
    certification") cut short. A chosen name may be longer than a phone is wide."""
    return list(
        tab.evaluate(
            """() => [...document.querySelectorAll("main select")].filter(select => {
              const probe = select.cloneNode(false);
              const chosen = select.options[select.selectedIndex];
              if (!chosen || chosen.value !== "") return false;
              probe.appendChild(chosen.cloneNode(true));
              probe.style.width = "max-content";
              select.after(probe);
              const needed = probe.getBoundingClientRect().width;
              probe.remove();
              return select.getBoundingClientRect().width + 0.5 < needed;
            }).map(select => select.name + ": " + select.options[select.selectedIndex].text)"""
        )
    )


def desktop_page(browser: Any, live_server: Any, errors: list[str]) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    return tab


def answer_the_quiz(tab: Any, *, right: bool) -> None:
    """Answer every question drawn, all right or all wrong (the right choices are read from
    the database: the page never shows them before an answer is given)."""
    first = True
    while True:
        tab.get_by_role("button", name="Answer").wait_for()
        assert re.fullmatch(r"Question \d+ of \d+", tab.locator("h1").inner_text())
        if first:
            check(tab)
        question_id = int(tab.locator("input[name=question]").input_value())
        choices = list(Choice.objects.filter(question_id=question_id).select_related("question"))
        correct = [choice for choice in choices if choice.is_correct]
        wrong = [choice for choice in choices if not choice.is_correct]
        if right:
            picks = correct if choices[0].question.kind == QuestionKind.MULTIPLE else correct[:1]
        else:
            picks = wrong[:1]
        shown = {
            int(value)
            for value in tab.locator("input[name=choice]").evaluate_all(
                "inputs => inputs.map(input => input.value)"
            )
        }
        assert {choice.pk for choice in picks} <= shown
        for choice in picks:
            tab.locator(f"input[name=choice][value='{choice.pk}']").check()
        tab.get_by_role("button", name="Answer").click()
        tab.get_by_text("Right!" if right else "Not quite.", exact=True).wait_for()
        if first:
            check(tab)
            first = False
        further = tab.get_by_role("link", name=re.compile(r"^(Next question|See your result)$"))
        last = further.inner_text() == "See your result"
        further.click()
        if last:
            tab.get_by_role("heading", name="Your result").wait_for()
            return


def open_x(tab: Any, post: Any) -> Any:
    """The share dialog with X opened: its body, the caption or why sharing is refused."""
    tab.goto(f"/feed/{post.pk}/share/")
    tab.locator("#share-x summary").click()
    body = tab.locator("#share-x .share-network-body")
    body.wait_for()
    return body


def test_a_member_earns_the_x_certification_shares_and_is_stopped_again_when_it_expires(
    page: Any, browser: Any, live_server: Any
) -> None:
    acme: Any = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(
        organization=acme,
        is_admin=True,
        user__email="ada@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    member: Any = MembershipFactory(
        organization=acme,
        user__email="maya@acme.test",
        user__name="Maya Schmidt",
        program_status=ProgramStatus.JOINED,
    )
    post: Any = PostFactory(
        organization=acme,
        state=PostState.LIVE,
        title="We opened a plant in Lyon",
        link_url="https://acme.example/news/lyon",
    )
    Caption.objects.create(post=post, network="x", text="Big news from Lyon!")
    # The share page of X itself is not part of the test: answer it locally.
    page.context.route("https://x.com/**", lambda route: route.fulfill(status=200, body="X"))

    # The admin, on a desktop: the starter curriculum, a certification, the gate.
    admin_errors: list[str] = []
    admin = desktop_page(browser, live_server, admin_errors)
    sign_in(admin, "ada@acme.test")
    admin.goto("/manage/training/")
    admin.get_by_role("button", name="Add the starter curriculum").click()
    admin.locator("#starter").wait_for(state="detached")
    course = Course.objects.get(organization=acme, starter_key=X_COURSE)
    admin.get_by_role("link", name=course.title).wait_for()

    admin.goto("/manage/training/certifications/")
    admin.get_by_role("link", name="New certification").click()
    admin.locator("#id_name").fill(CERTIFICATION)
    admin.get_by_label("Description").fill("Shares to X for Acme.")
    admin.get_by_role("group", name="Required courses").get_by_label(course.title).check()
    admin.locator("#id_validity_months").fill("12")
    admin.get_by_role("button", name="Save").click()
    admin.get_by_text("Certification saved.").wait_for()
    certification = Certification.objects.get(organization=acme, name=CERTIFICATION)
    assert list(certification.courses.all()) == [course]

    admin.goto("/manage/training/gates/")
    admin.locator("#id_action").select_option(label="Share to a network")
    admin.locator("#id_certification").select_option(label=CERTIFICATION)
    admin.locator("#id_network").select_option(label="X")
    admin.get_by_role("button", name="Require it").click()
    sentence = f"Sharing to X needs: the certification “{CERTIFICATION}”"
    admin.get_by_role("cell", name=sentence, exact=True).wait_for()
    gate = Gate.objects.get(organization=acme)
    assert (gate.action, gate.network, gate.certification) == (
        GateAction.NETWORK,
        "x",
        certification,
    )
    admin.context.close()
    assert admin_errors == [], admin_errors

    # The member, on a phone: the post, then sharing to X is stopped, with the reason and
    # one link to the course that fixes it.
    sign_in(page, "maya@acme.test")
    page.goto("/feed/")
    check(page)
    page.get_by_role("link", name="We opened a plant in Lyon").click()
    page.get_by_role("heading", name="We opened a plant in Lyon").wait_for()
    check(page)
    page.get_by_role("link", name="Share", exact=True).click()
    page.locator("#share-x summary").click()
    blocks = page.locator("#share-x .gate-blocks")
    blocks.wait_for()
    assert blocks.inner_text().startswith(
        f"Sharing to X needs the certification “{CERTIFICATION}”."
    )
    assert page.locator("#text-x").count() == 0
    check(page)
    links = blocks.get_by_role("link")
    assert links.count() == 1
    assert links.inner_text() == f"Take “{course.title}”"
    links.click()

    # The course: every lesson read, in order.
    page.get_by_role("heading", name=course.title, level=1).wait_for()
    check(page)
    lessons = list(course.lessons.order_by("position", "id"))
    assert len(lessons) >= 2
    page.get_by_role("link", name=lessons[0].title).click()
    for index, lesson in enumerate(lessons):
        page.get_by_role("heading", name=lesson.title, level=1).wait_for()
        if index == 0:
            check(page)
        last = index == len(lessons) - 1
        page.get_by_role(
            "button", name="Mark as read and finish" if last else "Mark as read and continue"
        ).click()
    page.get_by_text(f"{len(lessons)} of {len(lessons)} lessons read").wait_for()

    # The quiz: failed once, then passed (the starter course allows 3 attempts before a
    # cool-down, so no waiting).
    assert course.attempts_allowed >= 2
    page.get_by_role("button", name="Take the quiz").click()
    answer_the_quiz(page, right=False)
    page.get_by_text("Not passed.", exact=True).wait_for()
    assert page.locator(".figure-value").inner_text() == "0%"
    check(page)
    assert not Certificate.objects.filter(membership=member).exists()
    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("button", name="Take the quiz again").click()
    answer_the_quiz(page, right=True)
    page.get_by_text("Passed.", exact=True).wait_for()
    assert page.locator(".figure-value").inner_text() == "100%"
    check(page)
    assert [attempt.passed for attempt in QuizAttempt.objects.order_by("pk")] == [False, True]

    # The certificate: in My certificates, with its verification page.
    certificate = Certificate.objects.get(membership=member, certification=certification)
    assert certificate.expires_at is not None
    page.goto("/learning/")
    check(page)
    page.get_by_role("link", name="My certificates").click()
    page.get_by_role("heading", name="My certificates", level=1).wait_for()
    held = page.locator("article", has=page.get_by_role("link", name=CERTIFICATION))
    assert held.locator(".status-accepted").inner_text() == "Valid"
    check(page)
    held.get_by_role("link", name=CERTIFICATION).click()
    page.get_by_role("heading", name="Verification").wait_for()
    page.get_by_text("Maya Schmidt holds this certification.").wait_for()
    assert certificate.code in page.locator(".wrap-anywhere").inner_text()
    check(page)
    page.go_back()
    page.get_by_role("heading", name="My certificates", level=1).wait_for()

    # Sharing to X now works, through X's share link.
    body = open_x(page, post)
    caption = page.locator("#text-x")
    caption.wait_for()
    assert body.locator(".gate-blocks").count() == 0
    assert caption.input_value().startswith("Big news from Lyon!")
    check(page)
    sent = caption.input_value()
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Open X").click()
    popup = popup_info.value
    popup.wait_for_url(re.compile(r"^https://x\.com/intent/tweet\?"))
    assert parse_qs(urlsplit(popup.url).query)["text"] == [sent]
    popup.close()
    page.get_by_role("button", name="Done, I posted it").click()
    page.get_by_text("Thank you!").wait_for()
    share = Share.objects.get(membership=member)
    assert (share.network, share.status) == ("x", ShareStatus.SHARED)

    # A day after it expires, the certificate no longer lets the member share to X.
    with time_machine.travel(certificate.expires_at + timedelta(days=1), tick=True):
        # A year on, the member signs in again (sessions last two weeks).
        page.context.clear_cookies()
        sign_in(page, "maya@acme.test")
        body = open_x(page, post)
        blocks = body.locator(".gate-blocks")
        blocks.wait_for()
        assert blocks.inner_text().startswith(
            f"Sharing to X needs the certification “{CERTIFICATION}”."
        )
        assert page.locator("#text-x").count() == 0
        check(page)
        # The course is done: the one link is the course to retake, which renews it.
        links = blocks.get_by_role("link")
        assert links.count() == 1
        assert links.inner_text() == f"Take “{course.title}”"
        page.goto("/learning/certificates/")
        held = page.locator("article", has=page.get_by_role("link", name=CERTIFICATION))
        assert held.locator(".status-expired").inner_text() == "Expired"
        assert "Renew it by retaking:" in held.inner_text()
        assert held.get_by_role("link", name=course.title).count() == 1
        check(page)
        held.get_by_role("link", name=CERTIFICATION).click()
        page.get_by_text("This certificate is not valid now.").wait_for()
        check(page)
        open_x(page, post)
        blocks.get_by_role("link").click()

        # Retaking the refresher renews it, and X opens again.
        page.get_by_role("heading", name=course.title, level=1).wait_for()
        page.get_by_role("button", name="Take the quiz again").click()
        answer_the_quiz(page, right=True)
        page.get_by_text("Passed.", exact=True).wait_for()
        renewed = Certificate.objects.filter(membership=member).order_by("-issued_at").first()
        assert renewed is not None and renewed.pk != certificate.pk and renewed.renewal
        page.goto("/learning/certificates/")
        assert held.locator(".status-accepted").inner_text() == "Valid"
        open_x(page, post)
        page.locator("#text-x").wait_for()
        assert Share.objects.filter(membership=member).count() == 1


def take_quiz(membership: Any, course: Any, *, right: bool) -> None:
    """A quiz attempt answered through the services, all right or all wrong (the reports'
    data)."""
    attempt = attempt_start(membership=membership, course=course)
    while (question_id := attempt_next_question(attempt)) is not None:
        choices = list(Choice.objects.filter(question_id=question_id))
        picks = [c.pk for c in choices if c.is_correct == right]
        if not right or choices[0].question.kind != QuestionKind.MULTIPLE:
            picks = picks[:1]
        attempt_answer(
            membership=membership, attempt=attempt, question_id=question_id, choice_ids=picks
        )
        attempt.refresh_from_db()


def test_certification_gate_policy_session_and_report_pages_fit_a_phone(page: Any) -> None:
    """The trainers' pages (as an admin, who also sees the gates and the policy switch) and
    the members' pages, filled as in real use, at 390 px: no sideways scroll, axe clean."""
    acme: Any = OrganizationFactory(name="Acme Widgets International", slug="acme")
    admin: Any = MembershipFactory(
        organization=acme,
        is_admin=True,
        user__email="ada@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    sales: Any = GroupFactory(organization=acme, name="Customer Success and Field Sales")
    member: Any = MembershipFactory(
        organization=acme,
        user__email="maya@acme.test",
        user__name="Maya Schmidt-Konstantinopoulou",
        program_status=ProgramStatus.JOINED,
    )
    others: list[Any] = [
        MembershipFactory(
            organization=acme,
            user__email=f"colleague.with.a.long.address.{number}@acme-widgets.example",
            program_status=ProgramStatus.JOINED,
        )
        for number in range(6)
    ]
    sales.members.add(member, *others)
    starter_curriculum_add(organization=acme, actor=admin.user)
    x_course = Course.objects.get(organization=acme, starter_key=X_COURSE)
    policy_course = Course.objects.get(organization=acme, starter_key="policy")
    own = course_create(
        membership=admin, fields=CourseFields(title="Answering customers on social networks")
    )
    lesson_create(membership=admin, course=own, fields=LessonFields(title="Listen first"))
    question_create(
        membership=admin,
        course=own,
        fields=QuestionFields(kind="true_false", text="Answer at once.", true_is_correct=False),
    )
    course_publish(membership=admin, course=own)
    own.refresh_from_db()
    certification = certification_create(
        membership=admin,
        fields=CertificationFields(
            name="Social media advocate (X, LinkedIn and the policy)",
            description="Holders may share to X and answer customers.",
            courses=[x_course, policy_course],
            validity_months=12,
            refresher_courses=[policy_course],
        ),
    )
    certificate = certificate_issue(membership=member, certification=certification)
    revoked = certificate_issue(membership=others[0], certification=certification)
    certificate_revoke(membership=admin, certificate=revoked, reason="Shared a confidential plan.")
    gate_add(membership=admin, action=GateAction.NETWORK, certification=certification, network="x")
    gate_add(membership=admin, action=GateAction.CARE, certification=certification)
    policy_start_from_template(membership=admin)
    version = policy_publish(membership=admin, note="The first version, from Chorus's template.")
    policy_acknowledge(membership=member, version=version)
    sessions = session_create(
        membership=admin,
        fields=SessionFields(
            title="Best practice hour: what worked on X this month",
            starts_on=timezone.localdate() + timedelta(days=7),
            starts_time=time(10, 30),
            time_zone="Europe/Berlin",
            kind="meeting",
            description="Bring a post that worked, and one that did not.",
            location="Room 4.12, Building B",
            video_url="https://meet.example/best-practice-hour-with-a-long-identifier",
            capacity=12,
            counts_toward=certification,
        ),
        frequency="monthly",
        occurrences=3,
    )
    rsvp_set(membership=member, session=sessions[0], state="going")
    for membership in others[1:]:
        take_quiz(membership, own, right=False)
        take_quiz(membership, own, right=True)

    sign_in(page, "ada@acme.test")
    for url in (
        "/manage/training/certifications/",
        "/manage/training/certifications/new/",
        f"/manage/training/certifications/{certification.pk}/",
        f"/manage/training/certifications/{certification.pk}/edit/",
        f"/manage/training/certificates/{certificate.pk}/revoke/",
        "/manage/training/gates/",
        "/manage/training/policy/",
        "/manage/training/policy/acknowledgements/",
        "/manage/training/sessions/",
        "/manage/training/sessions/new/",
        f"/manage/training/sessions/{sessions[0].pk}/",
        "/manage/training/reports/",
        f"/manage/training/reports/courses/{own.pk}/questions/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        check(page)
        assert cut_selects(page) == [], url
    page.context.clear_cookies()
    sign_in(page, "maya@acme.test")
    for url in (
        "/learning/",
        "/learning/certificates/",
        f"/certificates/{certificate.code}/",
        f"/certificates/{revoked.code}/",
        "/policy/",
        f"/policy/versions/{version.pk}/",
        "/learning/sessions/",
        f"/learning/sessions/{sessions[0].pk}/",
        f"/learning/sessions/{sessions[1].pk}/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        check(page)
        assert cut_selects(page) == [], url
