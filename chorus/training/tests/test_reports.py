"""Training reports: completion and certification per group (small groups folded), quiz item
analysis, the knowledge score per month, their exports, and the analytics dashboard's
knowledge figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook  # type: ignore[import-untyped]

from chorus.accounts.models import GroupKind
from chorus.accounts.services import tokens as account_services
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.training.models import (
    Certificate,
    Certification,
    Choice,
    Course,
    CourseCompletion,
    CourseState,
    Question,
    QuizAnswer,
    QuizAttempt,
    TrainingReportSnapshot,
)
from chorus.training.selectors import reports
from chorus.training.services import reports as report_services

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def members(org: Any, count: int, prefix: str) -> list[Any]:
    return [
        MembershipFactory(organization=org, user__email=f"{prefix}{n}@acme.test")
        for n in range(count)
    ]


def course(org: Any, title: str, **fields: Any) -> Course:
    values: dict[str, Any] = {
        "organization": org,
        "title": title,
        "required": True,
        "state": CourseState.PUBLISHED,
        "major_version": 2,
        "minor_version": 0,
        **fields,
    }
    return Course.objects.create(**values)


def complete(member: Any, done: Course, major: int | None = None) -> None:
    CourseCompletion.objects.create(
        organization=member.organization,
        membership=member,
        course=done,
        major_version=done.major_version if major is None else major,
        minor_version=0,
    )


def certify(member: Any, certification: Certification, **fields: Any) -> Certificate:
    values: dict[str, Any] = {
        "organization": member.organization,
        "membership": member,
        "certification": certification,
        "code": f"c{Certificate.objects.count()}-{member.pk}",
        "issued_at": NOW - timedelta(days=100),
        "expires_at": NOW + timedelta(days=200),
        **fields,
    }
    return Certificate.objects.create(**values)


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    org: Any = OrganizationFactory(name="Acme", slug="acme")
    trainer: Any = MembershipFactory(organization=org, is_trainer=True, user__email="t@acme.test")
    member: Any = MembershipFactory(organization=org, user__email="m@acme.test")
    sales: Any = GroupFactory(organization=org, name="Sales", kind=GroupKind.DEPARTMENT)
    legal: Any = GroupFactory(organization=org, name="Legal", kind=GroupKind.DEPARTMENT)
    tiny: Any = GroupFactory(organization=org, name="Tiny", kind=GroupKind.DEPARTMENT)
    also_tiny: Any = GroupFactory(organization=org, name="Also tiny", kind=GroupKind.REGION)
    sellers = members(org, 6, "s")
    lawyers = members(org, 5, "l")
    few = members(org, 3, "t")
    sales.members.add(*sellers)
    legal.members.add(*lawyers)
    tiny.members.add(*few)
    # One person in both small groups counts once in "Other".
    also_tiny.members.add(few[0], lawyers[0])
    basics = course(org, "Basics")
    foreign_org: Any = OrganizationFactory(name="Globex", slug="globex")
    foreign_course = course(foreign_org, "Elsewhere")
    return SimpleNamespace(**locals())


def line(overview: reports.Overview, key: str) -> reports.Line:
    return next(found for found in overview.lines if found.key == key)


# The overview --------------------------------------------------------------------------------


def test_groups_under_five_are_folded_into_other(world: Any) -> None:
    overview = reports.training_overview(organization=world.org)
    keys = [found.key for found in overview.lines]
    assert keys == [str(world.legal.pk), str(world.sales.pk), "other", "all"]
    assert line(overview, "other").members == 4  # the 3 tiny ones and the lawyer, once each
    assert line(overview, "all").members == 2 + 6 + 5 + 3
    assert "Tiny" not in [found.label for found in overview.lines]


def test_completion_counts_the_current_major_version_of_active_members(world: Any) -> None:
    for seller in world.sellers[:3]:
        complete(seller, world.basics)
    complete(world.sellers[3], world.basics, major=1)  # an older version: not current
    complete(world.sellers[4], world.basics)
    world.sellers[4].is_active = False
    world.sellers[4].save()
    complete(world.few[1], world.basics)
    complete(world.few[1], course(world.org, "Optional", required=False))
    complete(world.few[2], course(world.org, "Draft", state=CourseState.DRAFT))

    overview = reports.training_overview(organization=world.org)

    assert [found.title for found in overview.courses] == ["Basics"]
    sales = line(overview, str(world.sales.pk)).courses[world.basics.pk]
    assert (sales.count, sales.of, sales.percent) == (3, 5, 60.0)
    other = line(overview, "other").courses[world.basics.pk]
    assert (other.count, other.of, other.percent) == (1, 4, 25.0)
    everyone = line(overview, "all").courses[world.basics.pk]
    assert (everyone.count, everyone.of) == (4, 15)
    legal = line(overview, str(world.legal.pk)).courses[world.basics.pk]
    assert (legal.count, legal.of, legal.percent) == (0, 5, 0.0)


def test_a_course_for_some_groups_counts_only_its_audience(world: Any) -> None:
    for_sales = course(world.org, "Selling", target_all=False)
    for_sales.target_groups.add(world.sales)
    complete(world.sellers[0], for_sales)
    complete(world.lawyers[1], for_sales)  # not meant for them: not counted

    overview = reports.training_overview(organization=world.org)

    sales = line(overview, str(world.sales.pk)).courses[for_sales.pk]
    assert (sales.count, sales.of) == (1, 6)
    legal = line(overview, str(world.legal.pk)).courses[for_sales.pk]
    assert (legal.count, legal.of, legal.percent) == (0, 0, None)
    everyone = line(overview, "all").courses[for_sales.pk]
    assert (everyone.count, everyone.of) == (1, 6)


def test_certified_now_and_expiring_within_30_days(world: Any) -> None:
    certification = Certification.objects.create(organization=world.org, name="Ready")
    Certification.objects.create(organization=world.org, name="Retired", is_active=False)
    certify(world.sellers[0], certification)
    certify(world.sellers[1], certification, expires_at=NOW + timedelta(days=10))
    # Renewed early: the later certificate keeps them certified beyond 30 days.
    certify(world.sellers[2], certification, expires_at=NOW + timedelta(days=10))
    certify(world.sellers[2], certification, expires_at=None)
    certify(world.sellers[3], certification, revoked_at=NOW - timedelta(days=1))
    certify(world.sellers[4], certification, expires_at=NOW - timedelta(days=1))
    certify(world.sellers[5], certification, issued_at=NOW + timedelta(days=1))
    certify(world.few[0], certification)

    overview = reports.training_overview(organization=world.org)

    assert [found.name for found in overview.certifications] == ["Ready"]
    sales = line(overview, str(world.sales.pk)).certifications[certification.pk]
    assert (sales.count, sales.of, sales.expiring, sales.percent) == (3, 6, 1, 50.0)
    other = line(overview, "other").certifications[certification.pk]
    assert (other.count, other.of, other.expiring) == (1, 4, 0)
    assert line(overview, "all").certifications[certification.pk].count == 4


def test_filters_narrow_the_overview_and_ignore_what_is_not_ours(world: Any) -> None:
    second = course(world.org, "Advanced")
    params = {"course": str(second.pk), "kind": "region", "certification": "999999"}
    filters = reports.report_filters_parse(organization=world.org, params=params)
    assert filters == reports.ReportFilters(course_id=second.pk, kind="region")
    overview = reports.training_overview(organization=world.org, filters=filters)
    assert [found.title for found in overview.courses] == ["Advanced"]
    # Only region groups: the one small region group is "Other".
    assert [found.key for found in overview.lines] == ["other", "all"]
    assert line(overview, "other").members == 2
    foreign = reports.report_filters_parse(
        organization=world.org, params={"course": str(world.foreign_course.pk), "kind": "x"}
    )
    assert foreign == reports.ReportFilters()


def test_the_overview_reads_in_a_fixed_number_of_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        course(world.org, f"More {n}")
        Certification.objects.create(organization=world.org, name=f"Cert {n}")
    with django_assert_max_num_queries(8):
        reports.training_overview(organization=world.org)


# Quiz item analysis -----------------------------------------------------------------------


def question(done: Course, text: str, position: int) -> tuple[Question, Choice, Choice, Choice]:
    asked = Question.objects.create(course=done, text=text, position=position)
    right = Choice.objects.create(question=asked, text=f"{text} right", is_correct=True)
    wrong = Choice.objects.create(question=asked, text=f"{text} wrong", position=1)
    other = Choice.objects.create(question=asked, text=f"{text} other", position=2)
    return asked, right, wrong, other


def answer(member: Any, done: Course, asked: Question, choice: Choice) -> None:
    attempt = QuizAttempt.objects.create(
        organization=member.organization,
        membership=member,
        course=done,
        major_version=done.major_version,
        submitted_at=NOW,
        score=50,
    )
    QuizAnswer.objects.create(
        attempt=attempt, question=asked, chosen=[choice.pk], correct=choice.is_correct
    )


def test_item_analysis_puts_the_most_missed_question_first(world: Any) -> None:
    easy, easy_right, easy_wrong, _ = question(world.basics, "Easy", 0)
    hard, _hard_right, hard_wrong, hard_other = question(world.basics, "Hard", 1)
    rare, rare_right, _, _ = question(world.basics, "Rare", 2)
    people = world.sellers + world.lawyers
    for person in people[:5]:
        answer(person, world.basics, easy, easy_right)
    answer(people[5], world.basics, easy, easy_wrong)
    for person in people[:4]:
        answer(person, world.basics, hard, hard_wrong)
    answer(people[4], world.basics, hard, hard_other)
    answer(people[0], world.basics, rare, rare_right)

    found = reports.question_analysis(organization=world.org, course=world.basics)

    assert [item.question.text for item in found] == ["Hard", "Easy", "Rare"]
    assert (found[0].answered, found[0].wrong, found[0].percent_wrong) == (5, 5, 100.0)
    assert (found[0].common_wrong, found[0].common_wrong_count) == ("Hard wrong", 4)
    assert found[1].percent_wrong == round(100 / 6, 1)
    assert not found[2].enough
    assert found[2].percent_wrong is None
    assert found[2].common_wrong == ""


def test_the_item_analysis_page_says_too_few_answers(world: Any, client: Client) -> None:
    question(world.basics, "Nobody answered this yet", 0)
    client.force_login(world.trainer.user)
    page = client.get(reverse("training_report_questions", args=[world.basics.pk]))
    assert page.status_code == 200
    assert "Nobody answered this yet" in page.content.decode()
    assert "too few answers" in page.content.decode()


# Knowledge score -----------------------------------------------------------------------------


def attempt(member: Any, done: Course, score: int, at: datetime) -> None:
    QuizAttempt.objects.create(
        organization=member.organization,
        membership=member,
        course=done,
        major_version=done.major_version,
        started_at=at,
        submitted_at=at,
        score=score,
    )


def test_knowledge_score_is_the_monthly_mean_of_first_attempts(world: Any) -> None:
    may = NOW - timedelta(days=31)
    for seller in world.sellers[:5]:
        attempt(seller, world.basics, 60, NOW - timedelta(days=2))
        # A retake the same month does not count; one in another month does.
        attempt(seller, world.basics, 100, NOW - timedelta(days=1))
        attempt(seller, world.basics, 80, may)
    attempt(world.lawyers[0], world.basics, 40, NOW - timedelta(days=1))
    attempt(
        world.few[1],
        world.basics,
        20,
        NOW - timedelta(days=1),
    )
    QuizAttempt.objects.create(  # started, never submitted
        organization=world.org,
        membership=world.sellers[5],
        course=world.basics,
        major_version=2,
    )

    knowledge = reports.knowledge_over_time(organization=world.org)

    assert knowledge.months[-2:] == [NOW.date().replace(day=1, month=5), NOW.date().replace(day=1)]
    sales = next(found for found in knowledge.lines if found.key == str(world.sales.pk))
    assert [(score.attempts, score.mean) for score in sales.scores[-2:]] == [(5, 80.0), (5, 60.0)]
    legal = next(found for found in knowledge.lines if found.key == str(world.legal.pk))
    assert (legal.scores[-1].attempts, legal.scores[-1].mean) == (1, None)  # too few for a mean
    everyone = next(found for found in knowledge.lines if found.key == "all")
    assert everyone.scores[-1].attempts == 7
    assert everyone.scores[-1].mean == round((5 * 60 + 40 + 20) / 7, 1)
    other = next(found for found in knowledge.lines if found.key == "other")
    assert other.scores[-1].attempts == 2  # the lawyer in a small group, and a tiny one


# Pages, exports, roles -----------------------------------------------------------------------


def test_the_reports_page_shows_groups_and_links_the_item_analysis(
    world: Any, client: Client
) -> None:
    question(world.basics, "Why disclose?", 0)
    complete(world.sellers[0], world.basics)
    client.force_login(world.trainer.user)
    page = client.get(reverse("training_reports"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sales" in text and "1 / 6" in text
    assert "Other (groups of fewer than 5 members)" in text
    assert reverse("training_report_questions", args=[world.basics.pk]) in text
    assert reverse("training_reports") in text  # the navigation item


def test_admins_see_the_reports_and_members_do_not(world: Any, client: Client) -> None:
    admin: Any = MembershipFactory(organization=world.org, is_admin=True)
    client.force_login(admin.user)
    assert client.get(reverse("training_reports")).status_code == 200
    client.force_login(world.member.user)
    for url in (
        reverse("training_reports"),
        reverse("training_reports_export") + "?format=csv",
        reverse("training_report_questions", args=[world.basics.pk]),
        reverse("training_report_questions_export", args=[world.basics.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_another_organizations_course_is_not_found(world: Any, client: Client) -> None:
    client.force_login(world.trainer.user)
    for name in ("training_report_questions", "training_report_questions_export"):
        assert client.get(reverse(name, args=[world.foreign_course.pk])).status_code == 404


def test_exports_escape_formulas_in_csv_and_xlsx(world: Any, client: Client) -> None:
    world.sales.name = "=cmd|' /C calc'!A0"
    world.sales.save()
    complete(world.sellers[0], world.basics)
    client.force_login(world.trainer.user)
    url = reverse("training_reports_export")

    answer_csv = client.get(url, {"format": "csv"})
    assert answer_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(cast(Any, answer_csv).streaming_content).decode())))
    assert rows[0][:3] == ["group", "members", "kind"]
    sales = next(row for row in rows if row[0].startswith("'="))
    assert sales[0] == "'=cmd|' /C calc'!A0"
    assert sales[3:7] == ["Basics", "1", "6", "16.7"]

    answer_xlsx = client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(answer_xlsx.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == world.sales.name]
    assert cells and all(cell.data_type == "s" for cell in cells)

    assert client.get(url, {"format": "pdf"}).status_code == 400


def test_item_analysis_exports(world: Any, client: Client) -> None:
    asked, _right, wrong, _other = question(world.basics, "=SUM(1)", 0)
    for person in world.sellers[:5]:
        answer(person, world.basics, asked, wrong)
    client.force_login(world.trainer.user)
    url = reverse("training_report_questions_export", args=[world.basics.pk])
    answered = client.get(url, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(cast(Any, answered).streaming_content).decode())))
    assert rows[1] == ["'=SUM(1)", "5", "5", "100.0", "'=SUM(1) wrong", "5"]
    sheet = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content)).active
    assert sheet.cell(row=2, column=1).value == "=SUM(1)"
    assert sheet.cell(row=2, column=1).data_type == "s"


# API ------------------------------------------------------------------------------------------


def call(client: Client, path: str, member: Any) -> Any:
    _, secret = account_services.api_token_create(membership=member, name="test")
    return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {secret}"})


def test_the_api_gives_trainers_the_overview_and_item_analysis(world: Any, client: Client) -> None:
    complete(world.sellers[0], world.basics)
    found = call(client, "/training/reports/overview?kind=department", world.trainer)
    assert found.status_code == 200
    body = json.loads(found.content)
    assert [item["key"] for item in body["lines"]] == [
        str(world.legal.pk),
        str(world.sales.pk),
        "other",
        "all",
    ]
    sales = body["lines"][1]["courses"][0]
    assert (sales["count"], sales["of"]) == (1, 6)
    questions = call(
        client, f"/training/reports/courses/{world.basics.pk}/questions", world.trainer
    )
    assert questions.status_code == 200
    assert call(client, "/training/reports/overview", world.member).status_code == 403
    foreign = f"/training/reports/courses/{world.foreign_course.pk}/questions"
    assert call(client, foreign, world.trainer).status_code == 404


# The analytics dashboard -----------------------------------------------------------------------


def test_the_analytics_dashboard_shows_the_knowledge_score(world: Any, client: Client) -> None:
    certification = Certification.objects.create(organization=world.org, name="Ready")
    certify(world.sellers[0], certification)
    curator: Any = MembershipFactory(organization=world.org, is_curator=True)
    client.force_login(curator.user)
    assert (
        "figure-knowledge-score" not in client.get(reverse("analytics_dashboard")).content.decode()
    )

    attempt(world.sellers[0], world.basics, 70, NOW - timedelta(days=1))
    attempt(world.lawyers[0], world.basics, 90, NOW - timedelta(days=2))
    text = client.get(reverse("analytics_dashboard")).content.decode()
    assert "figure-knowledge-score" in text
    assert "80.0%" in text
    summary = reports.knowledge_summary(
        organization=world.org,
        start=NOW - timedelta(days=7),
        end=NOW + timedelta(days=1),
        group_id=world.sales.pk,
    )
    assert summary is not None
    assert (summary.attempts, summary.mean_score, summary.certified, summary.members) == (
        1,
        70.0,
        1,
        6,
    )
    assert summary.certified_percent == round(100 / 6, 1)
    tiny = reports.knowledge_summary(
        organization=world.org,
        start=NOW - timedelta(days=7),
        end=NOW + timedelta(days=1),
        group_id=world.tiny.pk,
    )
    assert tiny is None


# The stored report -----------------------------------------------------------------------------


def test_pages_read_the_stored_report_until_it_is_old(world: Any, client: Client) -> None:
    client.force_login(world.trainer.user)
    url = reverse("training_reports")
    assert "0 / 6" in client.get(url).content.decode()
    assert TrainingReportSnapshot.objects.filter(organization=world.org, kind="").exists()
    complete(world.sellers[0], world.basics)
    page = client.get(url).content.decode()
    assert "0 / 6" in page and "Counted at" in page  # as counted, until counted again
    with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
        assert "1 / 6" in client.get(url).content.decode()


def test_a_new_course_counts_the_report_again_at_once(world: Any, client: Client) -> None:
    client.force_login(world.trainer.user)
    client.get(reverse("training_reports"))
    course(world.org, "Brand new")
    assert "Brand new" in client.get(reverse("training_reports")).content.decode()


def test_the_stored_report_is_narrowed_by_the_filters(world: Any) -> None:
    second = course(world.org, "Advanced")
    complete(world.sellers[0], second)
    filters = reports.ReportFilters(course_id=second.pk)
    report = report_services.training_report(organization=world.org, filters=filters)
    again = report_services.training_report(organization=world.org, filters=filters)
    assert [found.title for found in again.overview.courses] == ["Advanced"]
    sales = line(again.overview, str(world.sales.pk))
    assert [(cell.count, cell.of) for cell in sales.course_cells] == [(1, 6)]
    assert again.taken_at == report.taken_at  # read, not counted again


def test_the_periodic_task_counts_every_kind(world: Any) -> None:
    from chorus.training.tasks import training_reports_refresh

    training_reports_refresh.call()
    kinds = set(
        TrainingReportSnapshot.objects.filter(organization=world.org).values_list("kind", flat=True)
    )
    assert kinds == {"", *GroupKind.values}
