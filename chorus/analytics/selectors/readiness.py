"""The readiness map: per group, where the program can grow and where it must not push.

One line per group of 5 or more active members, and one for everyone. For each: mood and
pressure from the anonymous surveys (latest and a small trend over rounds), comfort,
confidence and time where the readiness survey ran, knowledge from the training quizzes,
the share certified by a certification the organization's gates ask for, participation
(program members who shared in the last 30 and 90 days) and concentration (how many of
the group's members made half its shares in 90 days), from the rollups. Then a verdict
in plain words, by the thresholds below (the page prints them).

Groups under 5 active members are not listed (no "Other" line either: it would mix
people whose groups share nothing). Survey figures come only as the surveys' anonymity
rules allow (5 answers or more, no differencing).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from chorus.accounts.models import Group, Membership, Organization, ProgramStatus
from chorus.analytics.models import DailyMemberStats
from chorus.analytics.rollups import SMALLEST_GROUP
from chorus.analytics.selectors.program import members_making_half
from chorus.surveys.selectors import measures as survey_measures
from chorus.surveys.selectors.measures import MeasurePoint
from chorus.training.models import Certificate, Course, CourseState, Gate, QuizAttempt
from chorus.training.selectors.certification import certificate_valid_q

EVERYONE = gettext_noop("Everyone")
TREND_ROUNDS = 6  # survey rounds in a line's trend
SURVEYS_SINCE_DAYS = 400
FEWEST_QUIZ_TAKERS = 5  # members of a group with a quiz score, before its mean is shown

# The verdict's thresholds (the page prints them).
PRESSURE_LIMIT = 20.0  # % feeling pressured at or above: don't push
MOOD_LOW = 50.0  # % answering the mood question favourably below: don't push
CONFIDENCE_LOW = 60.0  # % comfortable or confident below: train first
KNOWLEDGE_LOW = 70.0  # mean best quiz score below: train first
CERTIFIED_LOW = 50.0  # % certified below (where a gate asks for a certification): train first
PARTICIPATION_LOW = 30.0  # % of program members who shared in 30 days below: room to grow

# Verdicts: a key for exports and the API, words for people.
DONT_PUSH = "dont_push"
LISTEN_FIRST = "listen_first"
TRAIN_FIRST = "train_first"
ROOM_TO_GROW = "room_to_grow"
HEALTHY = "healthy"

# A survey measure's state in a line.
SHOWN = "shown"
NO_SURVEY = "no_survey"  # the organization has no answers to this measure yet
TOO_FEW = "too_few"  # there are, but not enough of this line's members answered

SURVEY_MEASURES = ("mood", "pressure", "comfort", "confidence", "time")
READINESS_MEASURES = ("comfort", "confidence", "time")


@dataclass(frozen=True)
class Measure:
    name: str
    state: str
    trend: list[float] = field(default_factory=list)  # percents, oldest round first
    respondents: int = 0
    day: date | None = None

    @property
    def latest(self) -> float | None:
        return self.trend[-1] if self.trend else None

    @property
    def change(self) -> float | None:
        """Since the round before, in percentage points."""
        if len(self.trend) < 2:
            return None
        return round(self.trend[-1] - self.trend[-2], 1)

    @property
    def words(self) -> str:
        if self.state == NO_SURVEY:
            return gettext("No survey yet")
        if self.state == TOO_FEW:
            return gettext("Too few answers")
        return f"{self.latest}%"


@dataclass(frozen=True)
class Verdict:
    key: str
    text: str


@dataclass(frozen=True)
class Line:
    key: str  # a group's id, or "all"
    label: str
    group_id: int | None
    members: int  # active members
    program_members: int  # of them, taking part in the program
    measures: dict[str, Measure]
    knowledge: float | None  # mean best quiz score, percent
    quiz_takers: int
    certified: float | None  # percent of active members
    sharers_30: int
    sharers_90: int
    shares_90: int
    half_shares_90: int | None  # the fewest members who made half the 90 days' shares
    verdict: Verdict

    @property
    def participation_30(self) -> float | None:
        return _percent(self.sharers_30, self.program_members)

    @property
    def participation_90(self) -> float | None:
        return _percent(self.sharers_90, self.program_members)


@dataclass(frozen=True)
class ReadinessMap:
    lines: list[Line]  # groups by name, then everyone
    training: bool  # the organization has a published course
    gated: bool  # a gate asks for a certification
    readiness_survey: bool  # comfort, confidence or time were asked
    as_of: date


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def verdict_of(
    *,
    measures: dict[str, Measure],
    knowledge: float | None,
    certified: float | None,
    participation: float | None,
) -> Verdict:
    """The first that holds: don't push (pressure or low mood), listen first (no survey
    answers), train first (low comfort, confidence, knowledge or certification), room to
    grow (low participation), healthy."""
    pressure = measures["pressure"].latest
    mood = measures["mood"].latest
    if pressure is not None and pressure >= PRESSURE_LIMIT:
        return Verdict(
            DONT_PUSH,
            gettext("Don't push — %(percent)s%% feel pressured") % {"percent": pressure},
        )
    if mood is not None and mood < MOOD_LOW:
        return Verdict(
            DONT_PUSH,
            gettext("Don't push — only %(percent)s%% are in a good mood") % {"percent": mood},
        )
    if pressure is None and mood is None:
        return Verdict(LISTEN_FIRST, gettext("Listen first — no survey answers to go by yet"))
    low = [
        measures[name].latest
        for name in ("comfort", "confidence")
        if measures[name].latest is not None
    ]
    if any(value is not None and value < CONFIDENCE_LOW for value in low):
        return Verdict(TRAIN_FIRST, gettext("Train first — few feel confident"))
    if knowledge is not None and knowledge < KNOWLEDGE_LOW:
        return Verdict(TRAIN_FIRST, gettext("Train first — quiz scores are low"))
    if certified is not None and certified < CERTIFIED_LOW:
        return Verdict(TRAIN_FIRST, gettext("Train first — few are certified"))
    if participation is None or participation < PARTICIPATION_LOW:
        if mood is None:
            return Verdict(ROOM_TO_GROW, gettext("Room to grow — no pressure felt, few share yet"))
        return Verdict(ROOM_TO_GROW, gettext("Room to grow — good mood, few share yet"))
    return Verdict(HEALTHY, gettext("Healthy"))


def _measures(points: list[MeasurePoint], asked: set[str]) -> dict[str, Measure]:
    by_name: dict[str, list[MeasurePoint]] = defaultdict(list)
    for point in points:
        by_name[point.measure].append(point)
    found = {}
    for name in SURVEY_MEASURES:
        rounds = sorted(by_name.get(name, []), key=lambda point: (point.day, point.round_id))
        if rounds:
            last = rounds[-1]
            found[name] = Measure(
                name,
                SHOWN,
                [round(float(point.percent), 1) for point in rounds[-TREND_ROUNDS:]],
                int(last.respondents),
                last.day,
            )
        else:
            found[name] = Measure(name, TOO_FEW if name in asked else NO_SURVEY)
    return found


def _member_groups(organization: Organization, group_ids: list[int]) -> dict[int, set[int]]:
    """Each listed group's active members."""
    members: dict[int, set[int]] = defaultdict(set)
    rows = Group.members.through.objects.filter(
        group_id__in=group_ids, membership__is_active=True
    ).values_list("group_id", "membership_id")
    for group_id, membership_id in rows:
        members[group_id].add(membership_id)
    return members


def _best_scores(organization: Organization) -> dict[int, list[int]]:
    """Each active member's best score per course they took a quiz of."""
    best: dict[int, list[int]] = defaultdict(list)
    rows = (
        QuizAttempt.objects.filter(
            organization=organization, score__isnull=False, membership__is_active=True
        )
        .values("membership", "course")
        .annotate(best=Max("score"))
        .order_by()
    )
    for row in rows:
        best[row["membership"]].append(int(row["best"]))
    return best


def _certified_members(organization: Organization) -> tuple[bool, set[int]]:
    """Whether a gate asks for a certification, and the members holding a valid
    certificate of one of those certifications now."""
    gated = list(
        Gate.objects.filter(
            organization=organization,
            certification__isnull=False,
            certification__is_active=True,
        )
        .values_list("certification_id", flat=True)
        .distinct()
    )
    if not gated:
        return False, set()
    holders = Certificate.objects.filter(
        certificate_valid_q(), organization=organization, certification_id__in=gated
    ).values_list("membership_id", flat=True)
    return True, set(holders)


def _shares(organization: Organization, today: date) -> dict[int, tuple[int, int]]:
    """Each member's shares in the 30 and in the 90 days to today (member rollups)."""
    since_30 = today - timedelta(days=29)
    rows = (
        DailyMemberStats.objects.filter(
            organization=organization,
            day__gte=today - timedelta(days=89),
            day__lte=today,
            shares__gt=0,
        )
        .values("membership")
        .annotate(
            shares_30=Sum("shares", filter=Q(day__gte=since_30)),
            shares_90=Sum("shares"),
        )
        .order_by()
    )
    return {
        row["membership"]: (int(row["shares_30"] or 0), int(row["shares_90"] or 0)) for row in rows
    }


def readiness_map(*, organization: Organization, today: date | None = None) -> ReadinessMap:
    """Every line of the map, in a fixed number of queries whatever the organization's size."""
    today = today or timezone.localdate()
    sizes = dict(
        Group.objects.filter(organization=organization)
        .annotate(size=Count("members", filter=Q(members__is_active=True)))
        .values_list("pk", "size")
    )
    names = dict(Group.objects.filter(organization=organization).values_list("pk", "name"))
    large = sorted(
        (pk for pk, size in sizes.items() if size >= SMALLEST_GROUP),
        key=lambda pk: (names[pk].lower(), pk),
    )
    in_group = _member_groups(organization, large)
    active = dict(
        Membership.objects.filter(organization=organization, is_active=True).values_list(
            "pk", "program_status"
        )
    )
    shares = _shares(organization, today)
    training = Course.objects.filter(
        organization=organization, state=CourseState.PUBLISHED
    ).exists()
    best = _best_scores(organization) if training else {}
    gated, certified_members = _certified_members(organization)
    points = survey_measures.group_measures(
        organization=organization,
        group_ids=[*large, None],
        since=today - timedelta(days=SURVEYS_SINCE_DAYS),
        measures=SURVEY_MEASURES,
    )
    asked = {point.measure for found in points.values() for point in found}

    def line(key: str, label: str, group_id: int | None, members: set[int]) -> Line:
        program = {pk for pk in members if active.get(pk) == ProgramStatus.JOINED}
        measures = _measures(points.get(group_id, []), asked)
        takers = [pk for pk in members if best.get(pk)]
        scores = [score for pk in takers for score in best[pk]]
        knowledge = (
            round(sum(scores) / len(scores), 1)
            if len(takers) >= FEWEST_QUIZ_TAKERS and scores
            else None
        )
        certified = _percent(len(members & certified_members), len(members)) if gated else None
        sharers_30 = sum(1 for pk in program if shares.get(pk, (0, 0))[0])
        sharers_90 = sum(1 for pk in program if shares.get(pk, (0, 0))[1])
        shares_90 = [shares.get(pk, (0, 0))[1] for pk in members]
        return Line(
            key=key,
            label=label,
            group_id=group_id,
            members=len(members),
            program_members=len(program),
            measures=measures,
            knowledge=knowledge,
            quiz_takers=len(takers),
            certified=certified,
            sharers_30=sharers_30,
            sharers_90=sharers_90,
            shares_90=sum(shares_90),
            half_shares_90=members_making_half(shares_90),
            verdict=verdict_of(
                measures=measures,
                knowledge=knowledge,
                certified=certified,
                participation=_percent(sharers_30, len(program)),
            ),
        )

    lines = [line(str(pk), names[pk], pk, in_group.get(pk, set())) for pk in large]
    lines.append(line("all", gettext(EVERYONE), None, set(active)))
    return ReadinessMap(
        lines=lines,
        training=training,
        gated=gated,
        readiness_survey=bool(asked & set(READINESS_MEASURES)),
        as_of=today,
    )
