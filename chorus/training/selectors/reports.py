"""Reports for trainers and admins: what the organization knows, per group.

Every figure is counted in the database (GROUP BY), never by looping over members in
Python: the overview must stay fast for 50,000 members (`bench/bench_training_reports.py`).

Groups are shown as analytics shows them: a group of fewer than 5 active members is not a
line of its own but part of one "Other" line (each person once, whatever their groups),
so that nobody is singled out. Analytics sits above training, so its constant
(`analytics.rollups.SMALLEST_GROUP`) is mirrored here rather than imported.

The knowledge score is the mean score of quiz attempts: each member's FIRST submitted
attempt at a course in a month counts, their retakes that month do not (a retake right
after failing measures the retry, not what the member knew), so a member weighs once per
course and month however often they retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
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
    sized = groups.annotate(size=Count("members", filter=Q(members__is_active=True))).values_list(
        "pk", "name", "size"
    )
    large, small = [], []
    for pk, name, size in sized:
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


def _targeted(course: Course, organization: Organization) -> Members:
    """The active members a course is meant for (as `learning.course_targets`, in SQL):
    everyone, or the members of its groups, groups of one kind OR'ed, kinds AND'ed."""
    members = _active_members(organization)
    if course.target_all:
        return members
    by_kind: dict[str, list[int]] = {}
    for group in course.target_groups.all():
        by_kind.setdefault(group.kind, []).append(group.pk)
    if not by_kind:
        return members.none()
    for ids in by_kind.values():
        members = members.filter(pk__in=_in_groups(ids))
    return members


def training_overview(
    *, organization: Organization, filters: ReportFilters | None = None
) -> Overview:
    """Per group: the members a required course is meant for and how many of them completed
    it at its current major version; per active certification, how many members hold it
    now and how many of those lose it within 30 days (no valid certificate beyond then)."""
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
    by_group = {int(line.key): line for line in lines}
    other = Line("other", gettext(OTHER_GROUP), groups.other_members)
    everyone = Line("all", gettext(EVERYONE), groups.everyone)
    large_ids = list(by_group)
    small_members = _in_groups(groups.small)

    # Courses for everyone: the group's active members are its audience; completions are
    # counted per group and course in one query, and for "Other" and everyone in another.
    for_all = [course for course in courses if course.target_all]
    if for_all:
        completions = CourseCompletion.objects.filter(
            organization=organization,
            course__in=for_all,
            major_version=F("course__major_version"),
            membership__is_active=True,
        )
        per_group: dict[int, dict[int, int]] = {}
        if large_ids:
            for row in (
                completions.filter(membership__groups__in=large_ids)
                .values("membership__groups", "course_id")
                .annotate(done=Count("pk"))
                .order_by()
            ):
                per_group.setdefault(row["course_id"], {})[row["membership__groups"]] = row["done"]
        totals = {
            row["course_id"]: row
            for row in completions.values("course_id")
            .annotate(
                done=Count("pk"),
                other=Count("pk", filter=Q(membership_id__in=small_members)),
            )
            .order_by()
        }
        for course in for_all:
            row = totals.get(course.pk, {})
            done_in = per_group.get(course.pk, {})
            for pk, line in by_group.items():
                line.courses[course.pk] = Cell(done_in.get(pk, 0), line.members)
            other.courses[course.pk] = Cell(row.get("other", 0), other.members)
            everyone.courses[course.pk] = Cell(row.get("done", 0), everyone.members)

    # Courses for some groups: their audience is counted too, two queries each.
    for course in courses:
        if course.target_all:
            continue
        audience = _targeted(course, organization)
        done = CourseCompletion.objects.filter(
            organization=organization, course=course, major_version=course.major_version
        ).values("membership_id")
        figures: dict[int, dict[str, int]] = {}
        if large_ids:
            figures = {
                row["group_id"]: row
                for row in MEMBERS_OF_GROUPS.objects.filter(
                    group_id__in=large_ids, membership_id__in=audience.values("pk")
                )
                .values("group_id")
                .annotate(
                    targeted=Count("membership_id"),
                    done=Count("membership_id", filter=Q(membership_id__in=done)),
                )
                .order_by()
            }
        summed = audience.aggregate(
            targeted=Count("pk"),
            done=Count("pk", filter=Q(pk__in=done)),
            other_targeted=Count("pk", filter=Q(pk__in=small_members)),
            other_done=Count("pk", filter=Q(pk__in=small_members) & Q(pk__in=done)),
        )
        for pk, line in by_group.items():
            found = figures.get(pk, {})
            line.courses[course.pk] = Cell(found.get("done", 0), found.get("targeted", 0))
        other.courses[course.pk] = Cell(summed["other_done"], summed["other_targeted"])
        everyone.courses[course.pk] = Cell(summed["done"], summed["targeted"])

    # Certifications: members holding a valid certificate now, and those whose every valid
    # certificate ends within 30 days.
    if certifications:
        soon = now + timedelta(days=EXPIRING_DAYS)
        valid = Certificate.objects.filter(
            organization=organization,
            certification__in=certifications,
            revoked_at=None,
            issued_at__lte=now,
            membership__is_active=True,
        ).filter(Q(expires_at=None) | Q(expires_at__gt=now))
        lasting = Q(expires_at=None) | Q(expires_at__gt=soon)
        held: dict[int, dict[int, tuple[int, int]]] = {}
        if large_ids:
            for row in (
                valid.filter(membership__groups__in=large_ids)
                .values("membership__groups", "certification_id")
                .annotate(
                    certified=Count("membership_id", distinct=True),
                    lasting=Count("membership_id", distinct=True, filter=lasting),
                )
                .order_by()
            ):
                held.setdefault(row["certification_id"], {})[row["membership__groups"]] = (
                    row["certified"],
                    row["lasting"],
                )
        in_small = Q(membership_id__in=small_members)
        summed_rows = {
            row["certification_id"]: row
            for row in valid.values("certification_id")
            .annotate(
                certified=Count("membership_id", distinct=True),
                lasting=Count("membership_id", distinct=True, filter=lasting),
                other=Count("membership_id", distinct=True, filter=in_small),
                other_lasting=Count("membership_id", distinct=True, filter=in_small & lasting),
            )
            .order_by()
        }
        for certification in certifications:
            mine = held.get(certification.pk, {})
            for pk, line in by_group.items():
                certified, lasts = mine.get(pk, (0, 0))
                line.certifications[certification.pk] = Cell(
                    certified, line.members, certified - lasts
                )
            row = summed_rows.get(certification.pk, {})
            other.certifications[certification.pk] = Cell(
                row.get("other", 0),
                other.members,
                row.get("other", 0) - row.get("other_lasting", 0),
            )
            everyone.certifications[certification.pk] = Cell(
                row.get("certified", 0),
                everyone.members,
                row.get("certified", 0) - row.get("lasting", 0),
            )

    shown = [*lines]
    if groups.has_other:
        shown.append(other)
    shown.append(everyone)
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


def first_attempts(*, organization: Organization) -> QuerySet[QuizAttempt]:
    """Submitted attempts that were the member's first at the course in their month."""
    earlier = QuizAttempt.objects.filter(
        organization=organization,
        membership_id=OuterRef("membership_id"),
        course_id=OuterRef("course_id"),
        submitted_at__lt=OuterRef("submitted_at"),
        submitted_at__gte=TruncMonth(
            ExpressionWrapper(OuterRef("submitted_at"), output_field=DateTimeField())
        ),
    )
    return QuizAttempt.objects.filter(
        organization=organization, submitted_at__isnull=False, score__isnull=False
    ).exclude(Exists(earlier))


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


def _month_starts(today: date, count: int) -> list[date]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _score(row: dict[str, Any] | None) -> Score:
    if not row:
        return Score(0, None)
    attempts = int(row["attempts"] or 0)
    mean = row["mean"]
    if attempts < FEWEST_ATTEMPTS or mean is None:
        return Score(attempts, None)
    return Score(attempts, round(float(mean), 1))


def knowledge_over_time(
    *, organization: Organization, kind: str = "", months: int = MONTHS
) -> KnowledgeOverTime:
    """Per group and month (the last `months` months, this one included): the mean score of
    the first attempts (see the module's note) by the group's active members. A month with
    fewer than 5 such attempts in a line shows no mean, only the count."""
    starts = _month_starts(timezone.localdate(), months)
    first_moment = timezone.make_aware(datetime.combine(starts[0], datetime.min.time()))
    groups = group_set(organization=organization, kind=kind)
    attempts = first_attempts(organization=organization).filter(
        submitted_at__gte=first_moment, membership__is_active=True
    )

    def month_key(value: Any) -> date:
        return value.date() if isinstance(value, datetime) else value

    per_group: dict[tuple[int, date], dict[str, Any]] = {}
    large_ids = [pk for pk, _name, _size in groups.large]
    if large_ids:
        for row in (
            attempts.filter(membership__groups__in=large_ids)
            .values("membership__groups", month=TruncMonth("submitted_at"))
            .annotate(attempts=Count("pk"), mean=Avg("score"))
            .order_by()
        ):
            per_group[(row["membership__groups"], month_key(row["month"]))] = row
    small = Q(membership_id__in=_in_groups(groups.small))
    totals: dict[date, dict[str, Any]] = {}
    for row in (
        attempts.values(month=TruncMonth("submitted_at"))
        .annotate(
            attempts=Count("pk"),
            mean=Avg("score"),
            other_attempts=Count("pk", filter=small),
            other_mean=Avg("score", filter=small),
        )
        .order_by()
    ):
        totals[month_key(row["month"])] = row
    lines = [
        ScoreLine(str(pk), name, [_score(per_group.get((pk, month))) for month in starts])
        for pk, name, _size in groups.large
    ]
    if groups.has_other:
        lines.append(
            ScoreLine(
                "other",
                gettext(OTHER_GROUP),
                [
                    _score(
                        {
                            "attempts": totals[month]["other_attempts"],
                            "mean": totals[month]["other_mean"],
                        }
                        if month in totals
                        else None
                    )
                    for month in starts
                ],
            )
        )
    lines.append(
        ScoreLine("all", gettext(EVERYONE), [_score(totals.get(month)) for month in starts])
    )
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
    group's members. None when no quiz was taken then, or the group is smaller than 5."""
    members = _active_members(organization)
    if group_id is not None:
        members = members.filter(pk__in=_in_groups([group_id]))
    counts = members.aggregate(
        members=Count("pk"),
        certified=Count(
            "pk",
            filter=Q(
                pk__in=Certificate.objects.filter(
                    organization=organization,
                    certification__is_active=True,
                    revoked_at=None,
                    issued_at__lte=timezone.now(),
                )
                .filter(Q(expires_at=None) | Q(expires_at__gt=timezone.now()))
                .values("membership_id")
            ),
        ),
    )
    if group_id is not None and counts["members"] < SMALLEST_GROUP:
        return None
    scored = (
        first_attempts(organization=organization)
        .filter(submitted_at__gte=start, submitted_at__lt=end, membership__in=members)
        .aggregate(attempts=Count("pk"), mean=Avg("score"))
    )
    if not scored["attempts"]:
        return None
    return KnowledgeSummary(
        attempts=int(scored["attempts"]),
        mean_score=round(float(scored["mean"]), 1),
        members=int(counts["members"]),
        certified=int(counts["certified"]),
    )
