"""The content calendar: scheduled, live and expiring posts by month or week."""

from __future__ import annotations

import calendar as calendar_module
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Group, GroupKind
from chorus.content.models import Post, PostState

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Posts that have (or had) a place in the publishing schedule.
CALENDAR_STATES = [PostState.APPROVED, PostState.SCHEDULED, PostState.LIVE, PostState.EXPIRED]
# Far beyond any real month; keeps a hostile organization from making one page huge.
MAX_POSTS = 1000
# A group's kind after its name in the group filter: "Sales (department)".
KIND_IN_FILTER: dict[str, StrOrPromise] = {
    GroupKind.DEPARTMENT: pgettext_lazy("group kind, after a group's name", "department"),
    GroupKind.REGION: pgettext_lazy("group kind, after a group's name", "region"),
    GroupKind.LANGUAGE: pgettext_lazy("group kind, after a group's name", "language"),
    GroupKind.CUSTOM: pgettext_lazy("group kind, after a group's name", "custom"),
}
# Navigation stays in years where dates and their neighbours always exist.
MIN_YEAR, MAX_YEAR = 1970, 2999


@dataclass
class Entry:
    """A post on one day of the calendar."""

    post: Post
    starts: bool
    ends: bool
    post_of_the_day: bool


@dataclass
class Day:
    date: date
    in_period: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Filters:
    view: str
    anchor: date
    campaign: str
    group: Group | None
    problems: list[str]


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _window(post: Post) -> tuple[date | None, date | None]:
    """The first and last day a post is published on (last None: open-ended)."""
    first = _local_date(post.publish_start) if post.publish_start else None
    # The end is the moment it stops: one ending at midnight is not shown that day.
    last = _local_date(post.publish_end - timedelta(microseconds=1)) if post.publish_end else None
    return first, last


def _read_date(raw: str) -> date | None:
    if len(raw) != 10:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def _parse(request: MemberRequest, campaigns: list[str]) -> Filters:
    """The view, the day it shows and the filters; anything unreadable becomes a default."""
    problems = []
    view = request.GET.get("view", "month")
    if view not in ("month", "week"):
        problems.append(_("Unknown view: showing the month."))
        view = "month"
    anchor = timezone.localdate()
    raw_date = request.GET.get("date", "")
    if raw_date:
        day = _read_date(raw_date)
        if day is None:
            problems.append(_("That date could not be read (use YYYY-MM-DD): showing today."))
        else:
            anchor = day
    campaign = request.GET.get("campaign", "")
    if campaign and campaign not in campaigns:
        problems.append(_("Unknown campaign: showing every campaign."))
        campaign = ""
    group = None
    raw_group = request.GET.get("group", "")
    if raw_group:
        if raw_group.isdigit() and len(raw_group) < 18:
            group = Group.objects.filter(organization=request.organization, pk=raw_group).first()
        if group is None:
            problems.append(_("Unknown group: showing every group."))
    return Filters(view, anchor, campaign, group, problems)


def _period(filters: Filters) -> tuple[date, date, date, date]:
    """(first shown day, last shown day, previous anchor, next anchor)."""
    anchor = filters.anchor
    if filters.view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), anchor - timedelta(days=7), anchor + timedelta(7)
    month_first = anchor.replace(day=1)
    month_last = anchor.replace(day=calendar_module.monthrange(anchor.year, anchor.month)[1])
    first = month_first - timedelta(days=month_first.weekday())
    last = month_last + timedelta(days=6 - month_last.weekday())
    previous = (month_first - timedelta(days=1)).replace(day=1)
    return first, last, previous, month_last + timedelta(days=1)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def calendar_posts(
    *, organization: Any, first: date, last: date, campaign: str = "", group: Group | None = None
) -> QuerySet[Post]:
    """Posts published on any day from `first` to `last` (one query, groups prefetched)."""
    period_start, period_end = _start_of(first), _start_of(last + timedelta(days=1))
    in_window = Q(publish_start__lt=period_end) & (
        Q(publish_end__isnull=True) | Q(publish_end__gt=period_start)
    )
    daily = Q(post_of_the_day__gte=first, post_of_the_day__lte=last)
    posts = Post.objects.filter(organization=organization, state__in=CALENDAR_STATES).filter(
        in_window | daily
    )
    if campaign:
        posts = posts.filter(campaign=campaign)
    if group is not None:
        # Members of the group see it: posts to everyone, and posts to that group.
        targeted = Post.target_groups.through.objects.filter(group=group).values("post_id")
        posts = posts.filter(Q(target_all=True) | Q(pk__in=targeted))
    return posts.prefetch_related("target_groups").order_by("publish_start", "title", "pk")


def _days(filters: Filters, first: date, last: date, posts: list[Post]) -> list[Day]:
    today = timezone.localdate()
    days = []
    day = first
    while day <= last:
        in_period = filters.view == "week" or day.month == filters.anchor.month
        days.append(Day(day, in_period, day == today))
        day += timedelta(days=1)
    for post in posts:
        start, end = _window(post)
        for slot in days:
            shown = start is not None and start <= slot.date and (end is None or slot.date <= end)
            daily = post.post_of_the_day == slot.date
            if shown or daily:
                entry = Entry(post, slot.date == start, slot.date == end, daily)
                slot.entries.append(entry)
    for slot in days:
        # The day's coordinated post comes first.
        slot.entries.sort(key=lambda entry: not entry.post_of_the_day)
    return days


def _query(filters: Filters, **changes: str) -> str:
    query = QueryDict(mutable=True)
    values = {
        "view": filters.view,
        "date": filters.anchor.isoformat(),
        "campaign": filters.campaign,
        "group": str(filters.group.pk) if filters.group else "",
    }
    values.update(changes)
    for key, value in values.items():
        if value:
            query[key] = value
    return query.urlencode()


@role_required("curator")
def calendar(request: MemberRequest) -> HttpResponse:
    campaigns = list(
        Post.objects.filter(organization=request.organization)
        .exclude(campaign="")
        .values_list("campaign", flat=True)
        .distinct()
        .order_by("campaign")
    )
    filters = _parse(request, campaigns)
    for problem in filters.problems:
        messages.warning(request, problem)
    first, last, previous, following = _period(filters)
    if previous.year < MIN_YEAR or following.year > MAX_YEAR:
        previous = following = filters.anchor
    posts = list(
        calendar_posts(
            organization=request.organization,
            first=first,
            last=last,
            campaign=filters.campaign,
            group=filters.group,
        )[:MAX_POSTS]
    )
    days = _days(filters, first, last, posts)
    context = {
        "filters": filters,
        "weeks": [days[index : index + 7] for index in range(0, len(days), 7)],
        "agenda": [day for day in days if day.in_period and day.entries],
        "weekdays": [WEEKDAYS_ABBR[weekday] for weekday in range(7)],
        "title": _title(filters, first, last),
        "previous_query": _query(filters, date=previous.isoformat()),
        "next_query": _query(filters, date=following.isoformat()),
        "today_query": _query(filters, date=timezone.localdate().isoformat()),
        "month_query": _query(filters, view="month"),
        "week_query": _query(filters, view="week"),
        "campaigns": campaigns,
        "groups": [
            (group, f"{group.name} ({KIND_IN_FILTER.get(group.kind, group.kind)})")
            for group in Group.objects.filter(organization=request.organization).order_by(
                "kind", "name"
            )
        ],
        "truncated": len(posts) >= MAX_POSTS,
    }
    return render(request, "content/calendar.html", context)


def _title(filters: Filters, first: date, last: date) -> str:
    if filters.view == "month":
        return f"{MONTHS[filters.anchor.month]} {filters.anchor.year}"
    return _("Week of %(first)s to %(last)s") % {
        # Translators: a date format (see Django's date filter): "4 Dec".
        "first": date_format(first, pgettext("date format", "j M")),
        "last": date_format(last, "DATE_FORMAT"),
    }
