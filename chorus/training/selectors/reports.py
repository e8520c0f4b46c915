"""Reports for trainers and admins: what the organization knows, per group.

Every figure is counted in the database (GROUP BY), never by looping over members in
Python: the overview must stay fast for 50,000 members (`bench/bench_training_reports.py`).

Groups are shown as analytics shows them: a group of fewer than 5 active members is not a
line of its own but part of one "Other" line (each person once, whatever their groups),
so that nobody is singled out. Analytics sits above training, so its constant
(`analytics.rollups.SMALLEST_GROUP`) is mirrored here rather than imported.

The knowledge score is the mean score of quiz attempts: each member's FIRST attempt at a
course in a month counts (the first started of those submitted), their retakes that month
do not (a retake right after failing measures the retry, not what the member knew), so a
member weighs once per course and month however often they retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from chorus.accounts.models import Group, GroupKind, Membership, Organization
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

SMALLEST_GROUP = 5  # as analytics.rollups.SMALLEST_GROUP: smaller groups are one "Other" line
# The same words as analytics' "Other" line (analytics.selectors.dashboard.OTHER_GROUP).
OTHER_GROUP = gettext_noop("Other (groups of fewer than 5 members)")
EVERYONE = gettext_noop("Everyone")
EXPIRING_DAYS = 30
# A question's figures are shown from this many answers on (fewer say little, and could
# point at one person's answers); the same for a group's monthly knowledge score.
FEWEST_ANSWERS = 5
FEWEST_ATTEMPTS = 5
MONTHS = 6

Members = QuerySet[Membership]
MEMBERS_OF_GROUPS = Group.members.through


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


# -- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """What the overview shows: one course, one certification, groups of one kind (none:
    every required published course, every active certification, every group)."""

    course_id: int | None = None
    certification_id: int | None = None
    kind: str = ""

    def query(self) -> dict[str, str]:
        values = {}
        if self.course_id:
            values["course"] = str(self.course_id)
        if self.certification_id:
            values["certification"] = str(self.certification_id)
        if self.kind:
            values["kind"] = self.kind
        return values


def report_filters_parse(*, organization: Organization, params: Any) -> ReportFilters:
    """The filters of a query string; unknown or foreign values are ignored (the whole
    report is shown instead), never an error."""

    def number(name: str) -> int | None:
        value = str(params.get(name) or "").strip()
        return int(value) if value.isdigit() else None

    course_id = number("course")
    if course_id and not report_courses(organization=organization).filter(pk=course_id).exists():
        course_id = None
    certification_id = number("certification")
    if (
        certification_id
        and not report_certifications(organization=organization)
        .filter(pk=certification_id)
        .exists()
    ):
        certification_id = None
    kind = str(params.get("kind") or "")
    if kind not in GroupKind.values:
        kind = ""
    return ReportFilters(course_id=course_id, certification_id=certification_id, kind=kind)


def report_courses(*, organization: Organization) -> QuerySet[Course]:
    """The courses the overview counts: required and published."""
    return Course.objects.filter(
        organization=organization, required=True, state=CourseState.PUBLISHED
    ).order_by("title", "id")


def report_courses_with_quizzes(*, organization: Organization) -> QuerySet[Course]:
    """Every course with a question bank (any state: a draft's tries count too), for the
    item analysis links."""
    return (
        Course.objects.filter(organization=organization, questions__isnull=False)
        .distinct()
        .order_by("title", "id")
    )


def report_certifications(*, organization: Organization) -> QuerySet[Certification]:
    return Certification.objects.filter(organization=organization, is_active=True).order_by(
        "name", "id"
    )


# -- groups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSet:
    """The groups shown (5 or more active members), by name, and the small ones folded."""

    large: list[tuple[int, str, int]]  # (id, name, active members)
    small: list[int]
    other_members: int  # active members of the small groups, each once
    everyone: int  # active members of the organization

    @property
    def has_other(self) -> bool:
        return bool(self.small) and self.other_members > 0


def _active_members(organization: Organization) -> Members:
    return Membership.objects.filter(organization=organization, is_active=True)


def _in_groups(group_ids: list[int]) -> QuerySet[Any]:
    """The ids of the members of these groups (a subquery; no groups: nobody)."""
    # An empty IN would make Django drop the whole condition it sits in: 0 matches no row.
    return MEMBERS_OF_GROUPS.objects.filter(group_id__in=group_ids or [0]).values("membership_id")


def group_set(*, organization: Organization, kind: str = "") -> GroupSet:
    groups = Group.objects.filter(organization=organization)
    if kind:
        groups = groups.filter(kind=kind)
    names = dict(groups.values_list("pk", "name"))
    # Every place in the groups, less those of deactivated members (few): read from the
    # group places' index, without visiting each member.
    inactive = Membership.objects.filter(organization=organization, is_active=False).values("pk")
    sizes = {
        row["group_id"]: row["places"] - row["inactive"]
        for row in MEMBERS_OF_GROUPS.objects.filter(group_id__in=list(names) or [0])
        .values("group_id")
        .annotate(
            places=Count("membership_id"),
            inactive=Count("membership_id", filter=Q(membership_id__in=inactive)),
        )
        .order_by()
    }
    large, small = [], []
    for pk, name in names.items():
        size = sizes.get(pk, 0)
        if size >= SMALLEST_GROUP:
            large.append((pk, name, size))
        else:
            small.append(pk)
    large.sort(key=lambda row: (row[1].casefold(), row[0]))
    counts = _active_members(organization).aggregate(
        everyone=Count("pk"),
        other=Count("pk", filter=Q(pk__in=_in_groups(small))),
    )
    return GroupSet(
        large=large,
        small=small,
        other_members=int(counts["other"] or 0),
        everyone=int(counts["everyone"] or 0),
    )


# -- the overview -----------------------------------------------------------------------------


@dataclass
class Cell:
    """One course (or certification) in one line: how many, of whom, in percent."""

    count: int
    of: int
    expiring: int = 0

    @property
    def percent(self) -> float | None:
        return _percent(self.count, self.of)


@dataclass
class Line:
    key: str  # a group's id, "other" or "all"
    label: str
    members: int
    courses: dict[int, Cell] = field(default_factory=dict)
    certifications: dict[int, Cell] = field(default_factory=dict)
    # The same cells in the overview's order of courses and certifications (for tables).
    course_cells: list[Cell] = field(default_factory=list)
    certification_cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    filters: ReportFilters
    courses: list[Course]
    certifications: list[Certification]
    lines: list[Line]  # groups by name, then "Other", then everyone
    as_of: datetime

    @property
    def everyone(self) -> Line:
        return self.lines[-1]


# The overview counts with one statement for the courses and one for the certifications.
# Each first reduces the rows to one per member (which courses they completed and are meant
# for, which certifications they hold: bits of an integer), then joins that to the group
# memberships: about as many rows as group places (3 per member with departments, regions
# and languages) instead of group places x completions. "Everyone" (key -1) and "Other"
# (key -2, each person once) come from the same per-member rows.
BITS = 30  # bits per statement (courses or certifications), within any integer type
EVERYONE_KEY, OTHER_KEY = -1, -2
COMPLETIONS = CourseCompletion._meta.db_table
CERTIFICATES = Certificate._meta.db_table
MEMBERSHIPS = Membership._meta.db_table
GROUP_MEMBERS = MEMBERS_OF_GROUPS._meta.db_table


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _bit_sums(column: str, count: int) -> str:
    """For bits 0..count-1, the number of rows with the bit set in the column: the sum of
    the masked values divided by the bit (once per group, not once per row)."""
    return ", ".join(f"SUM(m.{column} & {1 << bit}) / {1 << bit}" for bit in range(count))


def _per_group(
    cte: str, params: list[Any], sums: str, large_ids: list[int], small_ids: list[int]
) -> dict[int, tuple[int, ...]]:
    """Run a statement over the per-member rows `m` of `cte`: the sums per large group,
    for everyone and for the members of the small groups."""
    large = large_ids or [0]
    small = small_ids or [0]
    # CROSS JOIN keeps SQLite scanning the group places and finding each member's row
    # (an automatic index); PostgreSQL plans it as any inner join.
    sql = f"""{cte}
        SELECT gm.group_id, {sums} FROM {GROUP_MEMBERS} gm CROSS JOIN m
        WHERE m.mid = gm.membership_id AND gm.group_id IN ({_marks(large)})
        GROUP BY gm.group_id
        UNION ALL SELECT {EVERYONE_KEY}, {sums} FROM m
        UNION ALL SELECT {OTHER_KEY}, {sums} FROM m WHERE m.mid IN (
            SELECT membership_id FROM {GROUP_MEMBERS} WHERE group_id IN ({_marks(small)}))"""  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *large, *small])
        # int(): PostgreSQL sums to numeric (Decimal), SQLite to integers.
        return {int(row[0]): tuple(int(value or 0) for value in row[1:]) for row in cursor}


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[index : index + BITS] for index in range(0, len(items), BITS)]


def _course_counts(
    organization: Organization, courses: list[Course], large_ids: list[int], small_ids: list[int]
) -> dict[int, dict[int, Cell]]:
    """{course id: {group id, EVERYONE_KEY or OTHER_KEY: Cell(completed, meant for)}}.

    A course is meant for everyone, or for the members of its groups (as
    `learning.course_targets`: groups of one kind OR'ed, kinds AND'ed); only active
    members count, and only completions at the course's current major version."""
    found: dict[int, dict[int, Cell]] = {}
    for chunk in _chunks(courses):
        done_cases, targeted_cases, params, target_params = [], [], [], []
        for bit, course in enumerate(chunk):
            done_cases.append(
                f"WHEN %s THEN CASE WHEN cc.major_version = %s THEN {1 << bit} ELSE 0 END"
            )
            params += [course.pk, course.major_version]
            if course.target_all:
                targeted_cases.append(str(1 << bit))
                continue
            by_kind: dict[str, list[int]] = {}
            for group in course.target_groups.all():
                by_kind.setdefault(group.kind, []).append(group.pk)
            if not by_kind:
                continue
            conditions = []
            for ids in by_kind.values():
                conditions.append(
                    f"a.id IN (SELECT membership_id FROM {GROUP_MEMBERS}"  # noqa: S608 (as below)
                    f" WHERE group_id IN ({_marks(ids)}))"
                )
                target_params += ids
            targeted_cases.append(
                f"CASE WHEN {' AND '.join(conditions)} THEN {1 << bit} ELSE 0 END"
            )
        ids = [course.pk for course in chunk]
        cte = f"""WITH done AS (
                SELECT cc.membership_id AS mid,
                  SUM(CASE cc.course_id {" ".join(done_cases)} ELSE 0 END) AS mask
                FROM {COMPLETIONS} cc WHERE cc.course_id IN ({_marks(ids)})
                GROUP BY cc.membership_id),
            m AS (
                SELECT mid, completed & targeted AS completed, targeted FROM (
                  SELECT a.id AS mid, COALESCE(done.mask, 0) AS completed,
                    {" + ".join(targeted_cases) or "0"} AS targeted
                  FROM {MEMBERSHIPS} a LEFT JOIN done ON done.mid = a.id
                  WHERE a.organization_id = %s AND a.is_active) AS members)"""  # noqa: S608 (as above)
        sums = f"{_bit_sums('targeted', len(chunk))}, {_bit_sums('completed', len(chunk))}"
        rows = _per_group(
            cte, [*params, *ids, *target_params, organization.pk], sums, large_ids, small_ids
        )
        for bit, course in enumerate(chunk):
            found[course.pk] = {
                key: Cell(count=values[len(chunk) + bit], of=values[bit])
                for key, values in rows.items()
            }
    return found


def _certification_counts(
    organization: Organization,
    certifications: list[Certification],
    large_ids: list[int],
    small_ids: list[int],
    now: datetime,
) -> dict[int, dict[int, tuple[int, int]]]:
    """{certification id: {group id, EVERYONE_KEY or OTHER_KEY: (certified, lasting)}}:
    active members holding a valid certificate now, and those of them holding one valid
    beyond 30 days from now (or for good)."""
    adapt = connection.ops.adapt_datetimefield_value
    soon = adapt(now + timedelta(days=EXPIRING_DAYS))
    moment = adapt(now)
    found: dict[int, dict[int, tuple[int, int]]] = {}
    for chunk in _chunks(certifications):
        cases = " ".join(f"WHEN %s THEN {1 << bit}" for bit in range(len(chunk)))
        ids = [certification.pk for certification in chunk]
        cte = f"""WITH valid AS (
                SELECT c.membership_id AS mid, c.certification_id AS cid,
                  MAX(CASE WHEN c.expires_at IS NULL OR c.expires_at > %s THEN 1 ELSE 0 END)
                    AS lasting
                FROM {CERTIFICATES} c
                WHERE c.certification_id IN ({_marks(ids)}) AND c.revoked_at IS NULL
                  AND c.issued_at <= %s AND (c.expires_at IS NULL OR c.expires_at > %s)
                GROUP BY c.membership_id, c.certification_id),
            m AS (
                SELECT valid.mid AS mid,
                  SUM(CASE valid.cid {cases} ELSE 0 END) AS held,
                  SUM(CASE WHEN valid.lasting = 1 THEN CASE valid.cid {cases} ELSE 0 END
                    ELSE 0 END) AS lasts
                FROM valid JOIN {MEMBERSHIPS} a ON a.id = valid.mid AND a.is_active
                GROUP BY valid.mid)"""  # noqa: S608 (as above)
        sums = f"{_bit_sums('held', len(chunk))}, {_bit_sums('lasts', len(chunk))}"
        params = [soon, *ids, moment, moment, *ids, *ids]
        rows = _per_group(cte, params, sums, large_ids, small_ids)
        for bit, certification in enumerate(chunk):
            found[certification.pk] = {
                key: (values[bit], values[len(chunk) + bit]) for key, values in rows.items()
            }
    return found


def training_overview(
    *, organization: Organization, filters: ReportFilters | None = None
) -> Overview:
    """Per group: the members a required course is meant for and how many of them completed
    it at its current major version; per active certification, how many members hold it
    now and how many of those lose it within 30 days (no valid certificate beyond then).
    Eight queries, whatever the number of members, groups, courses (up to 30) and
    certifications (up to 30)."""
    filters = filters or ReportFilters()
    now = timezone.now()
    groups = group_set(organization=organization, kind=filters.kind)
    courses_query = report_courses(organization=organization).prefetch_related("target_groups")
    if filters.course_id:
        courses_query = courses_query.filter(pk=filters.course_id)
    certifications_query = report_certifications(organization=organization)
    if filters.certification_id:
        certifications_query = certifications_query.filter(pk=filters.certification_id)
    courses = list(courses_query)
    certifications = list(certifications_query)

    lines = [Line(str(pk), name, size) for pk, name, size in groups.large]
    large_ids = [pk for pk, _, _ in groups.large]
    keyed = dict(zip(large_ids, lines, strict=True))
    keyed[OTHER_KEY] = Line("other", gettext(OTHER_GROUP), groups.other_members)
    keyed[EVERYONE_KEY] = Line("all", gettext(EVERYONE), groups.everyone)

    if courses:
        counted = _course_counts(organization, courses, large_ids, groups.small)
        for course in courses:
            for key, line in keyed.items():
                line.courses[course.pk] = counted[course.pk].get(key, Cell(0, 0))
    if certifications:
        held = _certification_counts(organization, certifications, large_ids, groups.small, now)
        for certification in certifications:
            for key, line in keyed.items():
                certified, lasting = held[certification.pk].get(key, (0, 0))
                line.certifications[certification.pk] = Cell(
                    certified, line.members, certified - lasting
                )

    shown = [*lines]
    if groups.has_other:
        shown.append(keyed[OTHER_KEY])
    shown.append(keyed[EVERYONE_KEY])
    for line in shown:
        line.course_cells = [line.courses[course.pk] for course in courses]
        line.certification_cells = [line.certifications[item.pk] for item in certifications]
    return Overview(
        filters=filters,
        courses=courses,
        certifications=certifications,
        lines=shown,
        as_of=now,
    )


# -- quiz item analysis -------------------------------------------------------------------------


def report_course_get(*, organization: Organization, course_id: int) -> Course:
    """The organization's course (404 for another organization's id)."""
    return get_object_or_404(Course, pk=course_id, organization=organization)


@dataclass(frozen=True)
class QuestionFigures:
    question: Question
    answered: int
    wrong: int
    # The wrong answer chosen most often (for several answers: the whole choice), its count.
    common_wrong: str
    common_wrong_count: int

    @property
    def enough(self) -> bool:
        return self.answered >= FEWEST_ANSWERS

    @property
    def percent_wrong(self) -> float | None:
        return _percent(self.wrong, self.answered) if self.enough else None


def question_analysis(*, organization: Organization, course: Course) -> list[QuestionFigures]:
    """Each question of the course that is active or was answered: how often it was
    answered (in any attempt) and answered wrong, and the most chosen wrong answer. Worst
    first; questions with fewer than 5 answers last, without figures ("too few answers")."""
    answers = QuizAnswer.objects.filter(attempt__organization=organization, attempt__course=course)
    counted = {
        row["question_id"]: row
        for row in answers.values("question_id")
        .annotate(answered=Count("pk"), wrong=Count("pk", filter=Q(correct=False)))
        .order_by()
    }
    # The wrong choices, each set of chosen answers counted as one (JSON lists are sorted
    # when stored, so the same choice reads the same).
    wrong_choices: dict[int, tuple[list[int], int]] = {}
    for row in (
        answers.filter(correct=False)
        .values("question_id", "chosen")
        .annotate(times=Count("pk"))
        .order_by("question_id", "-times")
    ):
        best = wrong_choices.get(row["question_id"])
        if best is None or row["times"] > best[1]:
            wrong_choices[row["question_id"]] = (list(row["chosen"] or []), row["times"])
    questions = list(
        Question.objects.filter(course=course)
        .filter(Q(is_active=True) | Q(pk__in=list(counted)))
        .order_by("position", "id")
    )
    choice_ids = {pk for chosen, _times in wrong_choices.values() for pk in chosen}
    texts = dict(
        Choice.objects.filter(pk__in=choice_ids, question__course=course).values_list("pk", "text")
    )
    found = []
    for question in questions:
        row = counted.get(question.pk, {})
        chosen, times = wrong_choices.get(question.pk, ([], 0))
        answered = int(row.get("answered", 0))
        enough = answered >= FEWEST_ANSWERS
        found.append(
            QuestionFigures(
                question=question,
                answered=answered,
                wrong=int(row.get("wrong", 0)),
                common_wrong=" + ".join(texts.get(pk, "?") for pk in chosen) if enough else "",
                common_wrong_count=times if enough else 0,
            )
        )
    found.sort(
        key=lambda item: (
            not item.enough,
            -(item.percent_wrong or 0.0),
            -item.answered,
            item.question.position,
            item.question.pk,
        )
    )
    return found


# -- knowledge score ----------------------------------------------------------------------------


def _month_start(day: date) -> datetime:
    """The first moment of the day's month in the site's time zone."""
    return timezone.make_aware(datetime.combine(day.replace(day=1), datetime.min.time()))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_bounds(start: datetime, end: datetime) -> list[datetime]:
    """The starts of the months from start's to the one after end's (local time)."""
    bounds = []
    day = timezone.localtime(start).date().replace(day=1)
    last = timezone.localtime(end).date()
    while True:
        bounds.append(_month_start(day))
        if day > last:
            return bounds
        day = _next_month(day)


def _month_index(bounds: list[datetime]) -> Case:
    """Which month an attempt was submitted in (0: the first of `bounds`), in plain SQL
    (SQLite truncates dates with a Python function, far slower over many rows)."""
    return Case(
        *[
            When(submitted_at__lt=bound, then=Value(index))
            for index, bound in enumerate(bounds[1:])
        ],
        default=Value(len(bounds)),
        output_field=IntegerField(),
    )


def first_attempts(*, organization: Organization, bounds: list[datetime]) -> QuerySet[QuizAttempt]:
    """Attempts submitted within the months of `bounds` that were the member's first at
    the course in their month (the first started: attempt ids grow as attempts start)."""
    submitted = QuizAttempt.objects.filter(
        organization=organization,
        submitted_at__gte=bounds[0],
        submitted_at__lt=bounds[-1],
        score__isnull=False,
    )
    firsts = (
        submitted.values("membership_id", "course_id", month=_month_index(bounds))
        .annotate(first=Min("pk"))
        .values("first")
    )
    return submitted.filter(pk__in=firsts)


@dataclass(frozen=True)
class Score:
    attempts: int
    mean: float | None  # None: fewer than FEWEST_ATTEMPTS attempts (or none)


@dataclass(frozen=True)
class ScoreLine:
    key: str
    label: str
    scores: list[Score]  # one per month, oldest first


@dataclass(frozen=True)
class KnowledgeOverTime:
    months: list[date]
    lines: list[ScoreLine]  # groups, "Other", everyone

    @property
    def any(self) -> bool:
        return any(score.attempts for line in self.lines for score in line.scores)


def _score(attempts: Any, mean: Any) -> Score:
    attempts = int(attempts or 0)
    if attempts < FEWEST_ATTEMPTS or mean is None:
        return Score(attempts, None)
    return Score(attempts, round(float(mean), 1))


def knowledge_over_time(
    *, organization: Organization, kind: str = "", months: int = MONTHS
) -> KnowledgeOverTime:
    """Per group and month (the last `months` months, this one included): the mean score of
    the first attempts (see the module's note) by the group's active members. A month with
    fewer than 5 such attempts in a line shows no mean, only the count.

    One statement, like the overview's: per member, their first attempts and the sum of
    their scores in each month, then summed per group."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    bounds = month_bounds(_month_start(first), timezone.now())
    starts = [timezone.localtime(bound).date() for bound in bounds[:-1]]
    groups = group_set(organization=organization, kind=kind)
    adapt = connection.ops.adapt_datetimefield_value
    moments = [adapt(bound) for bound in bounds]
    # The month of an attempt as a CASE on its date (SQLite truncates dates with a Python
    # function, far slower over many rows).
    month = (
        "CASE "
        + " ".join(f"WHEN q.submitted_at < %s THEN {index}" for index in range(len(starts)))
        + f" ELSE {len(starts)} END"
    )
    columns = ", ".join(
        f"SUM(CASE WHEN f.month = {index} THEN 1 ELSE 0 END) AS attempts_{index},"
        f" SUM(CASE WHEN f.month = {index} THEN q.score ELSE 0 END) AS points_{index}"
        for index in range(len(starts))
    )
    cte = f"""WITH firsts AS (
            SELECT MIN(q.id) AS id, {month} AS month FROM {QuizAttempt._meta.db_table} q
            WHERE q.organization_id = %s AND q.submitted_at >= %s AND q.submitted_at < %s
              AND q.score IS NOT NULL
            GROUP BY q.membership_id, q.course_id, {month}),
        m AS (
            SELECT q.membership_id AS mid, {columns}
            FROM firsts f JOIN {QuizAttempt._meta.db_table} q ON q.id = f.id
            JOIN {MEMBERSHIPS} a ON a.id = q.membership_id AND a.is_active
            GROUP BY q.membership_id)"""  # noqa: S608 (table names from the models, values as parameters)
    sums = ", ".join(
        f"SUM(m.attempts_{index}), SUM(m.points_{index})" for index in range(len(starts))
    )
    params = [*moments[1:], organization.pk, moments[0], moments[-1], *moments[1:]]
    rows = _per_group(cte, params, sums, [pk for pk, _, _ in groups.large], groups.small)

    def scores(key: int) -> list[Score]:
        values = rows.get(key, ())
        found = []
        for index in range(len(starts)):
            attempts, points = (values[2 * index], values[2 * index + 1]) if values else (0, 0)
            found.append(_score(attempts, points / attempts if attempts else None))
        return found

    lines = [ScoreLine(str(pk), name, scores(pk)) for pk, name, _size in groups.large]
    if groups.has_other:
        lines.append(ScoreLine("other", gettext(OTHER_GROUP), scores(OTHER_KEY)))
    lines.append(ScoreLine("all", gettext(EVERYONE), scores(EVERYONE_KEY)))
    return KnowledgeOverTime(months=starts, lines=lines)


# -- for the analytics dashboard -------------------------------------------------------------


@dataclass(frozen=True)
class KnowledgeSummary:
    attempts: int
    mean_score: float
    members: int
    certified: int

    @property
    def certified_percent(self) -> float | None:
        return _percent(self.certified, self.members)


def knowledge_summary(
    *,
    organization: Organization,
    start: datetime,
    end: datetime,
    group_id: int | None = None,
) -> KnowledgeSummary | None:
    """The mean score of first quiz attempts submitted in [start, end) and the share of
    active members certified now (any active certification), for the organization or one
    group's members. None when no quiz was taken then, or the group is smaller than 5.

    Three statements that each read their table once (the analytics dashboard shows it,
    and must stay fast for 50,000 members)."""
    members = _active_members(organization)
    if group_id is not None:
        members = members.filter(pk__in=_in_groups([group_id]))
    count = members.count()
    if group_id is not None and count < SMALLEST_GROUP:
        return None
    adapt = connection.ops.adapt_datetimefield_value
    bounds = month_bounds(start, end)
    month = (
        "CASE "
        + " ".join(f"WHEN q.submitted_at < %s THEN {index}" for index in range(len(bounds) - 1))
        + f" ELSE {len(bounds)} END"
    )
    in_group = (
        f"AND a.id IN (SELECT membership_id FROM {GROUP_MEMBERS} WHERE group_id = %s)"  # noqa: S608
        if group_id is not None
        else ""
    )
    group_params = [group_id] if group_id is not None else []
    attempts = QuizAttempt._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT COUNT(*), AVG(q.score) FROM {attempts} q
            JOIN (SELECT MIN(q.id) AS id FROM {attempts} q
                  WHERE q.organization_id = %s AND q.submitted_at >= %s
                    AND q.submitted_at < %s AND q.score IS NOT NULL
                  GROUP BY q.membership_id, q.course_id, {month}) f ON f.id = q.id
            JOIN {MEMBERSHIPS} a ON a.id = q.membership_id AND a.is_active {in_group}""",  # noqa: S608 (table names from the models, values as parameters)
            [
                organization.pk,
                adapt(start),
                adapt(end),
                *[adapt(bound) for bound in bounds[1:]],
                *group_params,
            ],
        )
        attempted, mean = cursor.fetchone()
        if not attempted:
            return None
        now = adapt(timezone.now())
        cursor.execute(
            f"""SELECT COUNT(DISTINCT c.membership_id) FROM {CERTIFICATES} c
            JOIN {Certification._meta.db_table} k ON k.id = c.certification_id AND k.is_active
            JOIN {MEMBERSHIPS} a ON a.id = c.membership_id AND a.is_active {in_group}
            WHERE c.organization_id = %s AND c.revoked_at IS NULL AND c.issued_at <= %s
              AND (c.expires_at IS NULL OR c.expires_at > %s)""",  # noqa: S608 (as above)
            [*group_params, organization.pk, now, now],
        )
        (certified,) = cursor.fetchone()
    return KnowledgeSummary(
        attempts=int(attempted),
        mean_score=round(float(mean), 1),
        members=count,
        certified=int(certified or 0),
    )


# -- the stored report --------------------------------------------------------------------------

# The periodic task counts every 10 minutes; a report older than this is counted again
# when a page asks (the task may not run, as in development).
SNAPSHOT_FRESH = timedelta(minutes=20)


@dataclass(frozen=True)
class TrainingReport:
    overview: Overview
    knowledge: KnowledgeOverTime
    taken_at: datetime


def report_snapshot_data(*, organization: Organization, kind: str = "") -> dict[str, Any]:
    """The overview (every course and certification) and the knowledge score per month for
    the groups of a kind, counted now, as JSON for `TrainingReportSnapshot.data`."""
    overview = training_overview(organization=organization, filters=ReportFilters(kind=kind))
    knowledge = knowledge_over_time(organization=organization, kind=kind)
    return {
        "courses": [course.pk for course in overview.courses],
        "certifications": [item.pk for item in overview.certifications],
        "lines": [
            {
                "key": line.key,
                "members": line.members,
                "courses": {str(pk): [cell.count, cell.of] for pk, cell in line.courses.items()},
                "certifications": {
                    str(pk): [cell.count, cell.of, cell.expiring]
                    for pk, cell in line.certifications.items()
                },
            }
            for line in overview.lines
        ],
        "months": [month.isoformat() for month in knowledge.months],
        "knowledge": [
            {"key": line.key, "scores": [[score.attempts, score.mean] for score in line.scores]}
            for line in knowledge.lines
        ],
    }


def _label(key: str, names: dict[int, str]) -> str | None:
    if key == "other":
        return gettext(OTHER_GROUP)
    if key == "all":
        return gettext(EVERYONE)
    return names.get(int(key))


def report_from_snapshot(
    *, organization: Organization, snapshot: Any, filters: ReportFilters
) -> TrainingReport | None:
    """The stored report, narrowed to the filters; None when it no longer matches the
    organization (a course published or retired, a certification added, a group gone)."""
    data = snapshot.data
    courses = list(report_courses(organization=organization))
    certifications = list(report_certifications(organization=organization))
    if [course.pk for course in courses] != data.get("courses") or [
        item.pk for item in certifications
    ] != data.get("certifications"):
        return None
    names = dict(Group.objects.filter(organization=organization).values_list("pk", "name"))
    lines = []
    for stored in data["lines"]:
        label = _label(stored["key"], names)
        if label is None:
            return None
        line = Line(stored["key"], label, stored["members"])
        line.courses = {int(pk): Cell(*cell) for pk, cell in stored["courses"].items()}
        line.certifications = {
            int(pk): Cell(*cell) for pk, cell in stored["certifications"].items()
        }
        lines.append(line)
    if filters.course_id:
        courses = [course for course in courses if course.pk == filters.course_id]
    if filters.certification_id:
        certifications = [item for item in certifications if item.pk == filters.certification_id]
    for line in lines:
        line.course_cells = [line.courses[course.pk] for course in courses]
        line.certification_cells = [line.certifications[item.pk] for item in certifications]
    score_lines = []
    for stored in data["knowledge"]:
        label = _label(stored["key"], names)
        if label is None:
            return None
        score_lines.append(
            ScoreLine(stored["key"], label, [Score(*score) for score in stored["scores"]])
        )
    return TrainingReport(
        overview=Overview(
            filters=filters,
            courses=courses,
            certifications=certifications,
            lines=lines,
            as_of=snapshot.taken_at,
        ),
        knowledge=KnowledgeOverTime(
            months=[date.fromisoformat(month) for month in data["months"]], lines=score_lines
        ),
        taken_at=snapshot.taken_at,
    )


def report_snapshot_get(*, organization: Organization, kind: str = "") -> Any:
    """The stored report of the groups of a kind if it is fresh, else None."""
    return TrainingReportSnapshot.objects.filter(
        organization=organization,
        kind=kind,
        taken_at__gt=timezone.now() - SNAPSHOT_FRESH,
    ).first()
