"""Program health: the readiness map, the voluntariness card and the pilot comparison.

Figures are asserted exactly on small known organizations; rollup rows are written here
with known numbers (the rollups themselves are tested in test_rollups.py).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chorus.accounts.models import (
    ConsentAction,
    GroupKind,
    LeaveReason,
    ProgramConsent,
    ProgramStatus,
)
from chorus.analytics.models import DailyMemberStats
from chorus.analytics.selectors import pilot as pilot_selectors
from chorus.analytics.selectors import program as program_selectors
from chorus.analytics.selectors import readiness as readiness_selectors
from chorus.analytics.selectors import voluntariness as voluntariness_selectors
from chorus.analytics.selectors.program import members_making_half
from chorus.analytics.selectors.readiness import (
    DONT_PUSH,
    HEALTHY,
    LISTEN_FIRST,
    NO_SURVEY,
    ROOM_TO_GROW,
    SHOWN,
    TRAIN_FIRST,
    Measure,
    verdict_of,
)
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.surveys.models import Question, Template
from chorus.surveys.services.answers import Answer, answers_submit
from chorus.surveys.services.surveys import round_open, survey_create
from chorus.training.models import (
    Certificate,
    Certification,
    Course,
    CourseState,
    Gate,
    GateAction,
    QuizAttempt,
)

TODAY = date(2026, 3, 31)
NOON = datetime(2026, 3, 31, 12, 0)


def joined(organization: Any, **fields: Any) -> Any:
    return MembershipFactory(
        organization=organization, program_status=ProgramStatus.JOINED, **fields
    )


def left_member(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)


def shared(member: Any, day: date, shares: int, clicks: int = 0) -> None:
    DailyMemberStats.objects.create(
        organization_id=member.organization_id,
        membership=member,
        day=day,
        shares=shares,
        clicks=clicks,
    )


def measures(**percents: float | None) -> dict[str, Measure]:
    found = {}
    for name in readiness_selectors.SURVEY_MEASURES:
        value = percents.get(name)
        found[name] = (
            Measure(name, NO_SURVEY) if value is None else Measure(name, SHOWN, [value], 12)
        )
    return found


# -- the verdict --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("survey", "knowledge", "certified", "participation", "expected"),
    [
        ({"mood": 80, "pressure": 20}, None, None, 50, DONT_PUSH),  # pressure at the limit
        ({"mood": 80, "pressure": 19.9}, None, None, 50, HEALTHY),
        ({"mood": 49.9, "pressure": 0}, None, None, 50, DONT_PUSH),  # low mood
        ({}, 95, 100, 50, LISTEN_FIRST),  # no survey answers to go by
        ({"mood": 80, "pressure": 5, "confidence": 59}, None, None, 50, TRAIN_FIRST),
        ({"mood": 80, "pressure": 5, "comfort": 40}, None, None, 50, TRAIN_FIRST),
        ({"mood": 80, "pressure": 5}, 69.9, None, 50, TRAIN_FIRST),  # quiz scores
        ({"mood": 80, "pressure": 5}, 80, 49.9, 50, TRAIN_FIRST),  # certified
        ({"mood": 80, "pressure": 5}, 80, 50, 29.9, ROOM_TO_GROW),
        ({"mood": 80, "pressure": 5}, 80, 50, None, ROOM_TO_GROW),  # nobody in the program
        ({"mood": 80, "pressure": 5}, 70, 50, 30, HEALTHY),
        ({"pressure": 5}, None, None, 30, HEALTHY),  # mood not asked, pressure low
    ],
)
def test_verdict_thresholds(survey, knowledge, certified, participation, expected):
    verdict = verdict_of(
        measures=measures(**survey),
        knowledge=knowledge,
        certified=certified,
        participation=participation,
    )

    assert verdict.key == expected


def test_room_to_grow_claims_a_good_mood_only_when_the_mood_was_asked():
    asked = verdict_of(
        measures=measures(mood=80, pressure=5), knowledge=None, certified=None, participation=10
    )
    not_asked = verdict_of(
        measures=measures(pressure=5), knowledge=None, certified=None, participation=10
    )

    assert asked.text == "Room to grow — good mood, few share yet"
    assert not_asked.text == "Room to grow — no pressure felt, few share yet"


def test_dont_push_says_how_many_feel_pressured():
    verdict = verdict_of(
        measures=measures(mood=90, pressure=25.0), knowledge=None, certified=None, participation=1
    )

    assert verdict.text == "Don't push — 25.0% feel pressured"


# -- spread -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([0, 0], None),
        ([10], 1),
        ([5, 5], 1),  # exactly half counts
        ([4, 3, 3], 2),
        ([1] * 10, 5),
        ([90, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 1),
    ],
)
def test_members_making_half(values, expected):
    assert members_making_half(values) == expected


# -- the readiness map ----------------------------------------------------------------------


@pytest.fixture
def readiness_world(organization: Any) -> Any:
    """Sales: 6 active members (5 in the program), one inactive; Tiny: 4 members."""
    sales: Any = GroupFactory(organization=organization, name="Sales")
    members = [joined(organization) for _ in range(5)]
    outsider = MembershipFactory(organization=organization)  # not in the program
    gone = joined(organization, is_active=False)
    sales.members.set([*members, outsider, gone])
    tiny: Any = GroupFactory(organization=organization, name="Tiny")
    tiny.members.set(members[:4])
    # Shares in 30 days: 2 members; in 90 days one more. 10 of 14 shares by members[0].
    shared(members[0], TODAY - timedelta(days=3), 10, clicks=50)
    shared(members[1], TODAY - timedelta(days=10), 2)
    shared(members[2], TODAY - timedelta(days=60), 2)
    shared(members[3], TODAY - timedelta(days=120), 30)  # too long ago
    # Another organization's figures for a member of the same shape never count.
    foreign = joined(OrganizationFactory())
    shared(foreign, TODAY - timedelta(days=3), 99)
    return {"sales": sales, "tiny": tiny, "members": members, "outsider": outsider}


def line_of(found: Any, key: str) -> Any:
    return next(line for line in found.lines if line.key == key)


def test_readiness_lists_groups_of_five_or_more_and_everyone(organization, readiness_world):
    found = readiness_selectors.readiness_map(organization=organization, today=TODAY)

    assert [line.label for line in found.lines] == ["Sales", "Everyone"]
    sales = line_of(found, str(readiness_world["sales"].pk))
    assert (sales.members, sales.program_members) == (6, 5)
    assert (sales.sharers_30, sales.sharers_90) == (2, 3)
    assert (sales.participation_30, sales.participation_90) == (40.0, 60.0)
    assert sales.shares_90 == 14
    assert sales.half_shares_90 == 1
    everyone = line_of(found, "all")
    assert everyone.members == 6  # active members of the organization
    assert everyone.shares_90 == 14  # the foreign organization's 99 never count


def test_readiness_without_surveys_or_training_says_so(organization, readiness_world):
    found = readiness_selectors.readiness_map(organization=organization, today=TODAY)

    sales = line_of(found, str(readiness_world["sales"].pk))
    assert sales.measures["mood"].state == NO_SURVEY
    assert sales.measures["mood"].words == "No survey yet"
    assert sales.verdict.key == LISTEN_FIRST
    assert found.training is False
    assert sales.knowledge is None
    assert found.gated is False
    assert sales.certified is None


def test_readiness_knowledge_is_the_mean_best_score_from_five_quiz_takers(
    organization, readiness_world
):
    course = Course.objects.create(
        organization=organization, title="Basics", state=CourseState.PUBLISHED
    )
    members = readiness_world["members"]

    def attempt(member: Any, score: int) -> None:
        QuizAttempt.objects.create(
            organization=organization,
            membership=member,
            course=course,
            major_version=1,
            submitted_at=timezone.now(),
            score=score,
            passed=score >= 80,
        )

    for member in members[:4]:
        attempt(member, 40)
        attempt(member, 80)  # the best counts
    too_few = readiness_selectors.readiness_map(organization=organization, today=TODAY)
    attempt(readiness_world["outsider"], 100)
    attempt(joined(OrganizationFactory()), 0)  # another organization's

    found = readiness_selectors.readiness_map(organization=organization, today=TODAY)

    sales = str(readiness_world["sales"].pk)
    assert line_of(too_few, sales).knowledge is None
    assert line_of(too_few, sales).quiz_takers == 4
    assert line_of(found, sales).knowledge == 84.0  # (4 x 80 + 100) / 5
    assert line_of(found, sales).quiz_takers == 5


def test_readiness_certified_counts_certifications_the_gates_ask_for(organization, readiness_world):
    asked = Certification.objects.create(organization=organization, name="Social basics")
    other = Certification.objects.create(organization=organization, name="Care")
    Gate.objects.create(organization=organization, action=GateAction.SHARE, certification=asked)
    members = readiness_world["members"]
    for index, member in enumerate(members[:3]):
        Certificate.objects.create(
            organization=organization, certification=asked, membership=member, code=f"A{index}"
        )
    Certificate.objects.create(
        organization=organization,
        certification=asked,
        membership=members[3],
        code="EXPIRED",
        expires_at=timezone.now() - timedelta(days=1),
    )
    Certificate.objects.create(
        organization=organization, certification=other, membership=members[4], code="OTHER"
    )

    found = readiness_selectors.readiness_map(organization=organization, today=TODAY)

    assert found.gated is True
    assert line_of(found, str(readiness_world["sales"].pk)).certified == 50.0  # 3 of 6


# -- the readiness page, its export and the API -------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_readiness_page_shows_cards_and_the_thresholds(client, organization, readiness_world):
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)

    page = client.get("/analytics/readiness/")

    text = page.content.decode()
    assert page.status_code == 200
    assert f'id="readiness-{readiness_world["sales"].pk}"' in text
    assert 'id="readiness-all"' in text
    assert "Tiny" not in text
    assert "Listen first" in text
    assert "20% or more" in text  # the thresholds are printed
    assert "2 of 6 members made half the shares" not in text
    assert "1 of 6 members made half the shares" in text


def test_readiness_page_is_for_who_sees_the_dashboard(client, organization, readiness_world):
    client.force_login(readiness_world["members"][0].user)

    assert client.get("/analytics/readiness/").status_code == 403
    assert client.get("/analytics/readiness/export/").status_code == 403


@time_machine.travel(NOON, tick=False)
def test_readiness_export_has_the_pages_lines(client, organization, readiness_world):
    admin = MembershipFactory(organization=organization, is_admin=True)
    client.force_login(admin.user)

    answer = client.get("/analytics/readiness/export/", {"format": "csv"})
    xlsx = client.get("/analytics/readiness/export/", {"format": "xlsx"})
    wrong = client.get("/analytics/readiness/export/", {"format": "pdf"})

    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert rows[0][0] == "group"
    assert [row[0] for row in rows[1:]] == ["Sales", "Everyone"]
    assert rows[1][3] == "No survey yet"
    assert xlsx.status_code == 200
    assert wrong.status_code == 400
    assert wrong.content.decode() == "The format must be csv or xlsx."


@time_machine.travel(NOON, tick=False)
def test_readiness_api(client, organization, readiness_world):
    curator = MembershipFactory(organization=organization, is_approver=True)
    client.force_login(curator.user)

    answer = client.get("/api/v1/analytics/readiness")

    body = answer.json()
    assert answer.status_code == 200
    assert [line["key"] for line in body["lines"]] == [str(readiness_world["sales"].pk), "all"]
    assert body["lines"][0]["participation_30"] == 40.0
    assert body["lines"][0]["verdict"] == LISTEN_FIRST


# -- voluntariness ---------------------------------------------------------------------------


def consent(member: Any, action: str, when: datetime, reason: str = "") -> None:
    ProgramConsent.objects.create(
        organization_id=member.organization_id,
        membership=member,
        action=action,
        reason=reason,
        terms_version=1,
        terms_text="Voluntary.",
        created_at=timezone.make_aware(when),
    )


@time_machine.travel(NOON, tick=False)
def test_joins_and_leaves_per_month_over_twelve_months(organization):
    member = joined(organization)
    consent(member, ConsentAction.JOINED, datetime(2026, 3, 2, 9))
    consent(member, ConsentAction.LEFT, datetime(2026, 3, 20, 9))
    consent(member, ConsentAction.JOINED, datetime(2025, 4, 2, 9))  # the first month
    consent(member, ConsentAction.JOINED, datetime(2025, 3, 31, 9))  # 13 months ago
    consent(joined(OrganizationFactory()), ConsentAction.LEFT, datetime(2026, 3, 5, 9))

    months = voluntariness_selectors.consent_months(organization=organization, today=TODAY)

    assert len(months) == 12
    assert (months[0].month, months[0].joined, months[0].left) == (date(2025, 4, 1), 1, 0)
    assert (months[-1].month, months[-1].joined, months[-1].left) == (date(2026, 3, 1), 1, 1)
    assert sum(month.joined for month in months) == 2


@time_machine.travel(NOON, tick=False)
def test_leave_reasons_are_counted_only_from_five_leavers_who_gave_one(organization):
    reasons = [
        LeaveReason.NO_TIME,
        LeaveReason.NO_TIME,
        LeaveReason.PRESSURED,
        LeaveReason.OTHER,
    ]
    leavers = [joined(organization) for _ in reasons]
    for member, reason in zip(leavers, reasons, strict=True):
        consent(member, ConsentAction.LEFT, datetime(2026, 3, 1, 9), reason)
    consent(joined(organization), ConsentAction.LEFT, datetime(2026, 3, 1, 9))  # no reason
    # Another organization's leavers never help reach five.
    consent(joined(OrganizationFactory()), ConsentAction.LEFT, NOON, LeaveReason.NO_TIME)
    # The same member giving a reason twice is one leaver.
    consent(leavers[0], ConsentAction.LEFT, datetime(2026, 3, 10, 9), LeaveReason.NO_TIME)

    four = voluntariness_selectors.leave_reasons(organization=organization, today=TODAY)
    consent(joined(organization), ConsentAction.LEFT, datetime(2026, 3, 2, 9), LeaveReason.NO_TIME)
    five = voluntariness_selectors.leave_reasons(organization=organization, today=TODAY)

    assert four == (4, None)
    count, counted = five
    assert count == 5
    assert [(row.reason, row.count) for row in counted] == [
        ("no_time", 3),
        ("pressured", 1),
        ("other", 1),
    ]
    assert counted[0].label == "I don't have the time"


def program_activity(organization: Any) -> program_selectors.ProgramActivity:
    return program_selectors.program_activity(
        organization=organization, date_from=TODAY - timedelta(days=29), date_to=TODAY
    )


def test_spread_counts_who_made_half_the_shares_of_the_program(organization):
    members = [joined(organization) for _ in range(20)]
    for index, member in enumerate(members[:8]):
        shared(member, TODAY - timedelta(days=index), 5, clicks=1)
    left = MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)
    shared(left, TODAY, 500)  # not in the program now
    shared(members[0], TODAY - timedelta(days=40), 500)  # before the period
    shared(joined(OrganizationFactory()), TODAY, 500)

    spread = voluntariness_selectors.participation_spread(activity=program_activity(organization))

    assert (spread.members, spread.sharers, spread.shares, spread.activity) == (20, 8, 40, 48)
    assert (spread.half_shares, spread.half_activity) == (4, 4)
    assert spread.broad is True
    assert spread.reading == "Broad: 4 of 20 members made half the shares."


def test_spread_reads_concentrated_when_few_members_make_half(organization):
    members = [joined(organization) for _ in range(30)]
    shared(members[0], TODAY, 40)
    for member in members[1:11]:
        shared(member, TODAY, 2)

    spread = voluntariness_selectors.participation_spread(activity=program_activity(organization))

    assert spread.half_shares == 1
    assert spread.broad is False
    assert spread.reading == ("Concentrated: 1 member made half the shares (of 30 in the program).")


def test_spread_without_shares(organization):
    joined(organization)

    spread = voluntariness_selectors.participation_spread(activity=program_activity(organization))

    assert spread.half_shares is None
    assert spread.broad is None
    assert spread.reading == "Nobody in the program shared in this period."


# -- the pilot cohort -------------------------------------------------------------------------


def pilot_world(organization: Any, pilots: int) -> Any:
    pilot: Any = GroupFactory(organization=organization, name="First wave", kind=GroupKind.PILOT)
    members = [joined(organization) for _ in range(pilots)]
    pilot.members.set([*members, MembershipFactory(organization=organization)])
    rest = [joined(organization) for _ in range(10)]
    return pilot, members, rest


def test_pilot_is_compared_with_the_rest_of_the_program(organization):
    pilot, pilots, rest = pilot_world(organization, 5)
    for member in pilots[:4]:
        shared(member, TODAY, 3, clicks=6)
    shared(rest[0], TODAY, 4, clicks=2)
    shared(rest[1], TODAY - timedelta(days=45), 9, clicks=9)  # before the period
    shared(joined(OrganizationFactory()), TODAY, 50, clicks=50)

    found = pilot_selectors.pilot_comparison(
        organization=organization, activity=program_activity(organization)
    )

    assert found is not None
    assert (found.group_id, found.name, found.compared) == (pilot.pk, "First wave", True)
    assert (found.pilot.members, found.pilot.sharers, found.pilot.shares) == (5, 4, 12)
    assert found.pilot.shared_percent == 80.0
    assert found.pilot.shares_per_member == 2.4
    assert found.pilot.clicks_per_share == 2.0
    assert (found.rest.members, found.rest.sharers, found.rest.shares) == (10, 1, 4)
    assert found.rest.shared_percent == 10.0
    assert found.rest.shares_per_member == 0.4
    assert found.rest.clicks_per_share == 0.5


def test_a_pilot_of_fewer_than_five_program_members_is_not_compared(organization):
    pilot_world(organization, 4)

    found = pilot_selectors.pilot_comparison(
        organization=organization, activity=program_activity(organization)
    )

    assert found is not None
    assert found.compared is False
    assert found.pilot is None and found.rest is None


def test_no_pilot_no_comparison(organization):
    GroupFactory(organization=OrganizationFactory(), kind=GroupKind.PILOT)

    assert (
        pilot_selectors.pilot_comparison(
            organization=organization, activity=program_activity(organization)
        )
        is None
    )


# -- the dashboard's cards and the API ------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_dashboard_shows_the_voluntariness_and_pilot_cards(client, organization):
    admin = MembershipFactory(organization=organization, is_admin=True)
    _pilot, pilots, rest = pilot_world(organization, 5)
    for member in [*pilots, *rest]:
        shared(member, TODAY, 1, clicks=1)
    leavers = [left_member(organization) for _ in range(3)]
    for member in leavers:
        consent(member, ConsentAction.LEFT, datetime(2026, 3, 3, 9), LeaveReason.PRESSURED)
    client.force_login(admin.user)

    page = client.get("/analytics/", {"days": "30"}).content.decode()

    assert 'id="voluntariness"' in page
    assert "Broad: 8 of 15 members made half the shares." in page
    assert 'id="leave-reasons-hidden"' in page
    assert "I felt pressured to share" not in page  # 3 leavers: not counted yet
    assert 'id="pilot-table"' in page
    assert "Pilot cohort (First wave) and the rest" in page
    assert 'href="/analytics/readiness/"' in page


def test_dashboard_without_pilot_has_no_pilot_card(client, organization):
    admin = MembershipFactory(organization=organization, is_admin=True)
    client.force_login(admin.user)

    page = client.get("/analytics/").content.decode()

    assert 'id="voluntariness"' in page
    assert 'id="pilot"' not in page


@time_machine.travel(NOON, tick=False)
def test_voluntariness_and_pilot_api(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    _pilot, pilots, _rest = pilot_world(organization, 5)
    shared(pilots[0], TODAY, 2, clicks=3)
    for member in [left_member(organization) for _ in range(5)]:
        consent(member, ConsentAction.LEFT, datetime(2026, 3, 3, 9), LeaveReason.NO_TIME)
    client.force_login(curator.user)

    voluntariness = client.get("/api/v1/analytics/voluntariness", {"days": "30"}).json()
    pilot = client.get("/api/v1/analytics/pilot", {"days": "30"}).json()
    bad = client.get("/api/v1/analytics/pilot", {"days": "12"})

    assert voluntariness["left"] == 5
    assert voluntariness["reasons"] == [
        {"reason": "no_time", "label": "I don't have the time", "count": 5}
    ]
    assert voluntariness["spread"]["half_shares"] == 1
    assert voluntariness["spread"]["members"] == 15
    assert pilot["exists"] is True
    assert pilot["compared"] is True
    assert pilot["pilot"]["shares"] == 2
    assert pilot["rest"]["members"] == 10
    assert bad.status_code == 422


# -- what the anonymous surveys say (real answers through the surveys' services) -------------

SURVEY_DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


def answered(organization: Any, admin: Any, template: str, people: list[Any], **by: Any) -> None:
    """Open a round of a survey made from the template; each person answers the questions of
    the measures given (a value, or a list of values, one per person)."""
    survey = survey_create(organization=organization, actor=admin, template=template)
    round_ = round_open(survey=survey, actor=admin)
    questions = {q.measure: q for q in Question.objects.filter(survey=survey)}
    for index, person in enumerate(people):
        answers_submit(
            round=round_,
            membership=person,
            answers={
                questions[measure].pk: Answer(
                    value=values[index] if isinstance(values, list) else values
                )
                for measure, values in by.items()
            },
        )


@pytest.fixture
def surveyed_world(organization: Any) -> Any:
    """Field (5 members) answered the mood and pressure surveys: all in a good mood, 2 of 5
    feel pressured. Office (5 members) did not answer. (The surveys publish results at every
    fifth respondent.)"""
    admin = MembershipFactory(organization=organization, is_admin=True)
    field: Any = GroupFactory(organization=organization, name="Field")
    people = [joined(organization) for _ in range(5)]
    field.members.set(people)
    office: Any = GroupFactory(organization=organization, name="Office")
    office.members.set([joined(organization) for _ in range(5)])
    with time_machine.travel(SURVEY_DAY, tick=False):
        answered(organization, admin, Template.MOOD, people, mood=5)
        answered(organization, admin, Template.PRESSURE, people, pressure=[5, 4, 1, 1, 2])
    return {"admin": admin, "field": field, "office": office}


@time_machine.travel(SURVEY_DAY, tick=False)
def test_readiness_reads_mood_and_pressure_from_the_surveys(organization, surveyed_world):
    found = readiness_selectors.readiness_map(organization=organization)

    field = line_of(found, str(surveyed_world["field"].pk))
    office = line_of(found, str(surveyed_world["office"].pk))
    assert field.measures["pressure"].latest == 40.0
    assert field.measures["pressure"].respondents == 5
    assert field.measures["mood"].latest == 100.0
    assert field.verdict.key == DONT_PUSH
    assert field.verdict.text == "Don't push — 40.0% feel pressured"
    assert office.measures["pressure"].state == readiness_selectors.TOO_FEW
    assert office.measures["pressure"].words == "Too few answers"
    assert office.verdict.key == LISTEN_FIRST


@time_machine.travel(SURVEY_DAY, tick=False)
def test_the_dashboard_shows_the_pressure_answers_over_time(client, organization, surveyed_world):
    client.force_login(surveyed_world["admin"].user)

    page = client.get("/analytics/").content.decode()
    readiness = client.get("/analytics/readiness/").content.decode()

    assert 'id="pressure-rounds"' in page
    assert '<td class="num">40.0%</td>' in page
    assert "Don&#x27;t push — 40.0% feel pressured" in readiness


@time_machine.travel(SURVEY_DAY, tick=False)
def test_four_pressure_answers_show_nowhere(client, organization):
    """Below five answers the pressure survey shows on no path: the dashboard's card, the
    voluntariness API, the readiness map, its page and its export."""
    admin = MembershipFactory(organization=organization, is_admin=True)
    field: Any = GroupFactory(organization=organization, name="Field")
    people = [joined(organization) for _ in range(5)]
    field.members.set(people)
    answered(organization, admin, Template.PRESSURE, people[:4], pressure=5)
    client.force_login(admin.user)

    page = client.get("/analytics/").content.decode()
    api = client.get("/api/v1/analytics/voluntariness", {"days": "30"}).json()
    found = readiness_selectors.readiness_map(organization=organization)
    readiness_api = client.get("/api/v1/analytics/readiness").content.decode()
    export = client.get("/analytics/readiness/export/", {"format": "csv"})

    assert 'id="pressure-none"' in page and 'id="pressure-rounds"' not in page
    assert api["pressure"] == []
    assert line_of(found, str(field.pk)).measures["pressure"].latest is None
    assert "100.0" not in readiness_api and '"latest": 100' not in readiness_api
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert b"100.0" not in body and b"100%" not in body
