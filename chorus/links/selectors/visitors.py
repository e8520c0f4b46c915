"""Reads for the admins' "Suspicious visitors" page: whose clicks look automated.

A visitor is a visitor key, a keyed hash of IP address and user agent whose key changes
every day (chorus.links.visitors): one machine is one visitor per day, and all of a
visitor's clicks fall within a day. No user agent or address is stored, so a visitor is
shown by its figures: how many people-clicks, on how many links and posts, how fast.

Everything is aggregated in the database over the (organization, created_at) index; the
only loops here run over grouped rows of the few visitors shown, never over clicks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Value
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from chorus.accounts.models import Organization
from chorus.content.models import Network
from chorus.links.models import Click, ClickKind, DeviceClass

# The periods the page offers, in days, with their names.
PERIODS = {1: "24 hours", 7: "7 days", 30: "30 days"}
DEFAULT_DAYS = 7
MAX_DAYS = max(PERIODS)
# The page lists at most this many visitors, the busiest first.
LIST_LIMIT = 50
# Fewer people-clicks than this in a day is someone reading, not worth an admin's look.
SUSPICIOUS_CLICKS = 5
# A pasted key must have this many characters to name one visitor (and no scan of LIKE '%').
KEY_PREFIX_MIN = 6
KEY_LENGTH = 32
SHORT_KEY = 8
# A key lives one UTC day.
KEY_LIFETIME = timedelta(days=1)
# The visitor page lists the links the visitor clicked most.
LINKS_SHOWN = 20

PERSON = Q(kind=ClickKind.CLICK)
KEY_PREFIX_PATTERN = re.compile(rf"[0-9a-f]{{{KEY_PREFIX_MIN},{KEY_LENGTH}}}")
KEY_PATTERN = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")


class MinuteOf(TruncMinute):
    """The click's minute. On SQLite, a cut of the stored text ("YYYY-MM-DD HH:MM"):
    Django's TruncMinute calls a Python function per row there."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.lhs)
        return f"SUBSTR({sql}, 1, 16)", params


@dataclass
class VisitorSummary:
    """One visitor's figures over a period (clicks: people-clicks, previews: the rest)."""

    visitor_key: str
    clicks: int
    previews: int
    links: int
    first_click: datetime
    last_click: datetime
    device_class: str | None
    posts: int = 0
    busiest_minute: datetime | None = None
    busiest_minute_clicks: int = 0

    @property
    def short_key(self) -> str:
        return self.visitor_key[:SHORT_KEY]

    @property
    def device_label(self) -> str:
        if self.device_class in DeviceClass.values:
            return str(DeviceClass(self.device_class).label)
        return "—"


@dataclass
class VisitorLink:
    """A link the visitor opened, with their clicks and previews on it."""

    link_id: int
    code: str
    post_id: int
    post_title: str
    network: str
    clicks: int
    previews: int

    @property
    def network_label(self) -> str:
        return str(Network(self.network).label) if self.network in Network.values else self.network


@dataclass
class VisitorDetail:
    summary: VisitorSummary
    links: list[VisitorLink]


def period_choice(days: int) -> str:
    """The period as the filter offers it ("Last 7 days")."""
    if days == 1:
        return gettext("Last 24 hours")
    return ngettext("Last %(days)s day", "Last %(days)s days", days) % {"days": days}


def period_label(days: int) -> str:
    """The period in a sentence ("Visitors ... in the last 7 days")."""
    if days == 1:
        return gettext("the last 24 hours")
    return ngettext("the last %(days)s day", "the last %(days)s days", days) % {"days": days}


def normalized_key_prefix(text: str) -> str | None:
    """The pasted key prefix in the stored form (lower-case hex), None when it is not one."""
    prefix = text.strip().lower()
    return prefix if KEY_PREFIX_PATTERN.fullmatch(prefix) else None


def is_visitor_key(text: str) -> bool:
    return KEY_PATTERN.fullmatch(text) is not None


def _clicks_since(
    organization: Organization, *, days: int, now: datetime | None
) -> QuerySet[Click]:
    since = (now or timezone.now()) - timedelta(days=days)
    return Click.objects.filter(organization=organization, created_at__gte=since)


def _summaries(clicks: QuerySet[Click], *, people_only: bool) -> QuerySet[Click, dict[str, Any]]:
    """Per visitor key: people-clicks, previews, distinct links, first and last click.

    `people_only`: `clicks` holds person clicks alone, so no aggregate needs a condition
    (a CASE per row of the period's scan). Posts are counted afterwards, for the visitors
    shown only: a join of every click of the period to its link cost a third more.
    """
    person = None if people_only else PERSON
    return clicks.values("visitor_key").annotate(
        clicks=Count("pk", filter=person),
        previews=Value(0) if people_only else Count("pk", filter=~PERSON),
        links=Count("link_id", distinct=True, filter=person),
        first_click=Min("created_at"),
        last_click=Max("created_at"),
        device_class=Max("device_class", filter=person),
    )


def _with_minutes_and_posts(
    summaries: list[VisitorSummary], clicks: QuerySet[Click]
) -> list[VisitorSummary]:
    """Fill in the visitors' distinct posts and busiest minute, from one query grouping their
    person clicks by (visitor, minute, post).

    A key lives a day: at most 1,440 minutes per visitor, and rows no more than its clicks.
    """
    by_key = {summary.visitor_key: summary for summary in summaries}
    if not by_key:
        return summaries
    groups = (
        clicks.filter(PERSON, visitor_key__in=list(by_key))
        .annotate(minute=MinuteOf("created_at", tzinfo=UTC))
        .values("visitor_key", "minute", "link__post_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    per_minute: dict[tuple[str, datetime], int] = defaultdict(int)
    posts: dict[str, set[int]] = defaultdict(set)
    for row in groups:
        per_minute[row["visitor_key"], row["minute"]] += row["count"]
        posts[row["visitor_key"]].add(row["link__post_id"])
    # The busiest minute; the earliest of equally busy ones.
    for (key, minute), count in sorted(per_minute.items()):
        summary = by_key[key]
        if count > summary.busiest_minute_clicks:
            summary.busiest_minute, summary.busiest_minute_clicks = minute, count
    for key, summary in by_key.items():
        summary.posts = len(posts[key])
    return summaries


def _ranked(summaries: list[VisitorSummary]) -> list[VisitorSummary]:
    """Most clicks first, then clicks on the most distinct links, then the busiest minute."""
    return sorted(
        summaries,
        key=lambda s: (-s.clicks, -s.links, -s.busiest_minute_clicks, s.visitor_key),
    )


def suspicious_visitors(
    *, organization: Organization, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> list[VisitorSummary]:
    """The organization's visitors with SUSPICIOUS_CLICKS people-clicks or more in the last
    `days` days, busiest first, at most LIST_LIMIT.

    The database ranks by clicks, then distinct links; the busiest minute (computed for the
    visitors shown) orders visitors tied on both.
    """
    clicks = _clicks_since(organization, days=days, now=now).filter(PERSON)
    rows = (
        _summaries(clicks, people_only=True)
        .filter(clicks__gte=SUSPICIOUS_CLICKS)  # type: ignore[misc]  # an annotation
        .order_by("-clicks", "-links", "visitor_key")[:LIST_LIMIT]
    )
    summaries = [VisitorSummary(**row) for row in rows]
    return _ranked(_with_minutes_and_posts(summaries, clicks))


def visitors_by_key_prefix(
    *,
    organization: Organization,
    prefix: str,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> list[VisitorSummary]:
    """Visitors of the last `days` days whose key starts with `prefix` (a normalized prefix),
    whatever their clicks, those already counted as previews included."""
    clicks = _clicks_since(organization, days=days, now=now).filter(visitor_key__startswith=prefix)
    rows = _summaries(clicks, people_only=False).order_by("-clicks", "visitor_key")[:LIST_LIMIT]
    summaries = [VisitorSummary(**row) for row in rows]
    return _ranked(_with_minutes_and_posts(summaries, clicks))


def visitor_clicks(
    *, organization: Organization, visitor_key: str, now: datetime | None = None
) -> QuerySet[Click] | None:
    """The visitor's clicks (of every kind) in the last MAX_DAYS days, None when there are none.

    One click found over the (organization, time) index, newest first, gives the day the
    key lived (keys are made per UTC day, chorus.links.visitors); the rest are read from
    that day alone, not from the whole period.
    """
    found = (
        _clicks_since(organization, days=MAX_DAYS, now=now)
        .filter(visitor_key=visitor_key)
        .order_by("-created_at")  # along the index (by id, the default, is a table scan)
        .values_list("created_at", flat=True)
        .first()
    )
    if found is None:
        return None
    day = datetime.combine(found.astimezone(UTC).date(), time(), tzinfo=UTC)
    return Click.objects.filter(
        organization=organization,
        created_at__gte=day,
        created_at__lt=day + KEY_LIFETIME,
        visitor_key=visitor_key,
    )


def visitor_detail(
    *, organization: Organization, visitor_key: str, now: datetime | None = None
) -> VisitorDetail | None:
    """One visitor's figures and the links they clicked most; None for a key unknown in the
    organization over the last MAX_DAYS days.

    The figures add up the visitor's per-link rows (one query), the posts and busiest
    minute come from a second.
    """
    clicks = visitor_clicks(organization=organization, visitor_key=visitor_key, now=now)
    if clicks is None:
        return None
    rows = list(
        clicks.values(
            "link_id", "link__code", "link__post_id", "link__post__title", "link__network"
        ).annotate(
            clicks=Count("pk", filter=PERSON),
            previews=Count("pk", filter=~PERSON),
            first_click=Min("created_at"),
            last_click=Max("created_at"),
            device_class=Max("device_class", filter=PERSON),
        )
    )
    devices = [row["device_class"] for row in rows if row["device_class"]]
    summary = VisitorSummary(
        visitor_key=visitor_key,
        clicks=sum(row["clicks"] for row in rows),
        previews=sum(row["previews"] for row in rows),
        links=sum(1 for row in rows if row["clicks"]),
        first_click=min(row["first_click"] for row in rows),
        last_click=max(row["last_click"] for row in rows),
        device_class=max(devices, default=""),
    )
    _with_minutes_and_posts([summary], clicks)
    rows.sort(key=lambda row: (-row["clicks"], -row["previews"], row["link_id"]))
    links = [
        VisitorLink(
            link_id=row["link_id"],
            code=row["link__code"],
            post_id=row["link__post_id"],
            post_title=row["link__post__title"],
            network=row["link__network"],
            clicks=row["clicks"],
            previews=row["previews"],
        )
        for row in rows[:LINKS_SHOWN]
    ]
    return VisitorDetail(summary=summary, links=links)
