"""Top lists: the posts and the members with the most clicks, read from the rollups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from chorus.accounts.models import Membership, Organization
from chorus.analytics.models import (
    DailyMemberStats,
    DailyPostStats,
    DailyShareStats,
)
from chorus.analytics.selectors.dashboard import Row
from chorus.analytics.selectors.filters import (
    MEMBER_FIELDS,
    Filters,
    _engagement,
    _sums,
    stats_rows,
)
from chorus.content.models import Post

# Marked for translation here, translated where shown (tests compare the English text).
NOT_RANKED = gettext_noop("A member who chose not to be ranked")
TOP = 10


def top_posts(*, organization: Organization, filters: Filters, limit: int = TOP) -> list[Row]:
    """Posts with the most clicks (then shares, then engagement)."""
    source: QuerySet[DailyPostStats] | QuerySet[DailyShareStats]
    if filters.group_id is None:  # per day x post: thousands of rows for a range
        source = DailyPostStats.objects.filter(
            organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
        )
        if filters.campaign:
            source = source.filter(campaign=filters.campaign)
    else:
        source = stats_rows(organization=organization, filters=filters)
    rows = list(
        source.values("post")
        .annotate(**_sums("shares", "clicks", "reactions", "reposts", "replies", "potential_reach"))
        .order_by("-clicks", "-shares", "post")[: limit * 3]
    )
    titles = dict(
        Post.objects.filter(pk__in=[row["post"] for row in rows]).values_list("pk", "title")
    )
    posts = [
        Row(
            key=str(row["post"]),
            label=titles.get(row["post"], ""),
            shares=int(row["shares"] or 0),
            clicks=int(row["clicks"] or 0),
            engagement=_engagement(row),
            potential_reach=int(row["potential_reach"] or 0),
            id=row["post"],
        )
        for row in rows
    ]
    posts.sort(key=lambda row: (-row.clicks, -row.shares, -row.engagement, row.id or 0))
    return posts[:limit]


def _member_names(ids: list[int]) -> dict[int, tuple[str, bool]]:
    found = Membership.objects.filter(pk__in=ids).values_list(
        "pk", "user__name", "user__email", "public_ranking"
    )
    return {pk: (name or email, ranked) for pk, name, email, ranked in found}


# How many of each day's best members top members read first (see _top_member_ids).
FIRST_READ = 50


def _member_source(
    *, organization: Organization, filters: Filters
) -> QuerySet[DailyMemberStats] | QuerySet[DailyShareStats]:
    """Per day x member rows for the range (group: its members), or the fine rows for a
    campaign (members' daily rows do not know campaigns)."""
    if filters.campaign:
        return stats_rows(organization=organization, filters=filters).filter(
            membership__isnull=False
        )
    rows = DailyMemberStats.objects.filter(
        organization=organization, day__gte=filters.date_from, day__lte=filters.date_to
    )
    if filters.group_id is not None:
        rows = rows.filter(membership__groups=filters.group_id)
    return rows


def _ranked(
    rows: QuerySet[Any], limit: int, among: Iterable[int] | None = None
) -> list[tuple[int, dict[str, int]]]:
    """Members summed over `rows` (optionally only `among` them), best first."""
    if among is not None:
        rows = rows.filter(membership__in=list(among))
    summed = (
        rows.values("membership")
        .annotate(**_sums(*MEMBER_FIELDS))
        .order_by("-clicks", "-shares", "membership")
    )
    if limit:
        summed = summed[:limit]
    return [
        (row["membership"], {name: int(row[name] or 0) for name in MEMBER_FIELDS}) for row in summed
    ]


def _top_member_ids(
    *, organization: Organization, filters: Filters, limit: int
) -> list[tuple[int, dict[str, int]]]:
    """The `limit` members with the most clicks (then shares) over the range, exactly,
    without summing every member's days when the leaders are clear.

    Each day's FIRST_READ best members are candidates (an index gives them in order). A
    member who is no day's candidate has at most, on each day, that day's last candidate's
    clicks: if the candidates' `limit`-th total is above the sum of those, no one else can
    be in the top, and only the candidates' rows are summed. Otherwise (a flat program, a
    group or a campaign filter), every member is summed."""
    source = _member_source(organization=organization, filters=filters)
    if filters.campaign or filters.group_id is not None or filters.days > MAX_FIRST_DAYS:
        return _ranked(source, limit)
    candidates: set[int] = set()
    bound = 0
    for rows in _days_best(organization=organization, filters=filters).values():
        candidates.update(pk for pk, _clicks in rows)
        if len(rows) == FIRST_READ:
            bound += rows[-1][1]
    ranked = _ranked(source, limit, among=candidates)
    if len(ranked) == limit and ranked[-1][1]["clicks"] > bound:
        return ranked
    return _ranked(source, limit)


# Ranges longer than this sum every member (one look-up per day would cost more).
MAX_FIRST_DAYS = 120


def _days_best(
    *, organization: Organization, filters: Filters
) -> dict[date, list[tuple[int, int]]]:
    """Each day's FIRST_READ best members (id, clicks), best first: one statement, each
    day read from the (organization, day, -clicks, -shares) index."""
    table = DailyMemberStats._meta.db_table
    one_day = (
        f"SELECT * FROM (SELECT day, membership_id, clicks, shares FROM {table}"  # noqa: S608 (table name from the model)
        " WHERE organization_id = %s AND day = %s"
        f" ORDER BY clicks DESC, shares DESC LIMIT {FIRST_READ}) AS d{{}}"
    )
    days = [filters.date_from + timedelta(days=offset) for offset in range(filters.days)]
    sql = " UNION ALL ".join(one_day.format(index) for index in range(len(days)))
    params: list[Any] = []
    for day in days:
        params += [organization.pk, day]
    best: dict[date, list[tuple[int, int, int]]] = {day: [] for day in days}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for day, membership_id, clicks, shares in cursor.fetchall():
            if isinstance(day, str):  # SQLite
                day = date.fromisoformat(day)
            best[day].append((int(clicks), int(shares), int(membership_id)))
    return {
        day: [(pk, clicks) for clicks, _shares, pk in sorted(rows, key=lambda r: (-r[0], -r[1]))]
        for day, rows in best.items()
    }


def top_members(*, organization: Organization, filters: Filters, limit: int = TOP) -> list[Row]:
    """Members with the most clicks, then shares. Members who chose not to be ranked keep
    their place (so the ranks stay true) but are shown without name or id."""
    ranked_ids = _top_member_ids(organization=organization, filters=filters, limit=limit)
    names = _member_names([pk for pk, _values in ranked_ids])
    members = []
    for pk, values in ranked_ids:
        name, ranked = names.get(pk, ("", False))
        members.append(
            Row(
                key=str(pk) if ranked else "",
                label=name if ranked else gettext(NOT_RANKED),
                shares=values["shares"],
                clicks=values["clicks"],
                engagement=_engagement(values),
                potential_reach=values["potential_reach"],
                id=pk if ranked else None,
            )
        )
    return members
