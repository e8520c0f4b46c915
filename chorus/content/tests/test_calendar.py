from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chorus.content.models import PostState
from chorus.factories import (
    GroupFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 3, 18, 9, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def curator_client(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    client.force_login(curator.user)
    return client


def at(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=UTC)


def days_of(response, post):
    """The days on which `post` shows in the grid, with its (starts, ends, of-the-day) marks."""
    return {
        day.date: (entry.starts, entry.ends, entry.post_of_the_day)
        for week in response.context["weeks"]
        for day in week
        for entry in day.entries
        if entry.post == post
    }


def calendar(client, **params):
    return client.get(reverse("calendar"), params)


def test_default_is_this_month(curator_client):
    response = calendar(curator_client)
    assert response.status_code == 200
    assert response.context["title"] == "March 2026"
    weeks = response.context["weeks"]
    # March 2026 starts on a Sunday: the grid starts on Monday 23 February.
    assert weeks[0][0].date == date(2026, 2, 23)
    assert weeks[-1][-1].date == date(2026, 4, 5)
    assert all(len(week) == 7 for week in weeks)


def test_window_spanning_months_shows_on_each_day(curator_client, organization):
    post = PostFactory(
        organization=organization,
        state=PostState.SCHEDULED,
        publish_start=at(2026, 3, 30),
        publish_end=at(2026, 4, 2, 18),
    )
    march = days_of(calendar(curator_client), post)
    # The grid reaches into April: the post is on 30 and 31 March and 1-2 April.
    assert sorted(march) == [
        date(2026, 3, 30),
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2026, 4, 2),
    ]
    assert march[date(2026, 3, 30)] == (True, False, False)
    assert march[date(2026, 4, 2)] == (False, True, False)
    april = days_of(calendar(curator_client, date="2026-04-15"), post)
    assert sorted(april) == [
        date(2026, 3, 30),
        date(2026, 3, 31),
        date(2026, 4, 1),
        date(2026, 4, 2),
    ]
    may = calendar(curator_client, date="2026-05-10")
    assert days_of(may, post) == {}


def test_open_ended_window_continues(curator_client, organization):
    post = PostFactory(
        organization=organization, state=PostState.LIVE, publish_start=at(2026, 1, 5)
    )
    shown = days_of(calendar(curator_client), post)
    assert len(shown) == 42
    assert not any(ends for _starts, ends, _daily in shown.values())


def test_window_ending_at_midnight_is_not_shown_that_day(curator_client, organization):
    post = PostFactory(
        organization=organization,
        state=PostState.EXPIRED,
        publish_start=at(2026, 3, 2),
        publish_end=datetime(2026, 3, 4, tzinfo=UTC),
    )
    shown = days_of(calendar(curator_client), post)
    assert sorted(shown) == [date(2026, 3, 2), date(2026, 3, 3)]
    assert shown[date(2026, 3, 3)][1] is True


def test_week_view(curator_client, organization):
    post = PostFactory(
        organization=organization,
        state=PostState.SCHEDULED,
        publish_start=at(2026, 3, 10),
        publish_end=at(2026, 3, 20),
        post_of_the_day=date(2026, 3, 12),
    )
    response = calendar(curator_client, view="week", date="2026-03-12")
    days = response.context["weeks"][0]
    assert len(response.context["weeks"]) == 1
    assert [day.date for day in days] == [date(2026, 3, day) for day in range(9, 16)]
    shown = days_of(response, post)
    assert sorted(shown) == [date(2026, 3, day) for day in range(10, 16)]
    assert shown[date(2026, 3, 12)] == (False, False, True)
    assert "?view=week&amp;date=2026-03-05" in response.content.decode()
    assert "?view=week&amp;date=2026-03-19" in response.content.decode()


def test_post_of_the_day_comes_first_and_is_highlighted(curator_client, organization):
    PostFactory(
        organization=organization,
        state=PostState.LIVE,
        title="Alpha",
        publish_start=at(2026, 3, 1),
    )
    daily = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        title="Zulu",
        publish_start=at(2026, 3, 1),
        post_of_the_day=date(2026, 3, 18),
    )
    response = calendar(curator_client)
    today = next(day for week in response.context["weeks"] for day in week if day.is_today)
    assert today.entries[0].post == daily
    assert "of-the-day" in response.content.decode()


def test_drafts_and_other_organizations_are_not_shown(curator_client, organization):
    PostFactory(
        organization=organization,
        state=PostState.DRAFT,
        title="Draft",
        publish_start=at(2026, 3, 3),
    )
    PostFactory(
        organization=OrganizationFactory(),
        state=PostState.LIVE,
        title="Foreign",
        publish_start=at(2026, 3, 3),
    )
    body = calendar(curator_client).content.decode()
    assert "Draft" not in body
    assert "Foreign" not in body


def test_states_are_marked(curator_client, organization):
    for state in (PostState.SCHEDULED, PostState.LIVE, PostState.EXPIRED):
        PostFactory(organization=organization, state=state, publish_start=at(2026, 3, 3))
    body = calendar(curator_client).content.decode()
    for state in ("scheduled", "live", "expired"):
        assert f"calendar-entry state-{state}" in body


def test_filter_by_campaign(curator_client, organization):
    spring = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        campaign="Spring",
        publish_start=at(2026, 3, 3),
    )
    other = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        campaign="Autumn",
        publish_start=at(2026, 3, 3),
    )
    response = calendar(curator_client, campaign="Spring")
    assert days_of(response, spring)
    assert not days_of(response, other)
    assert response.context["campaigns"] == ["Autumn", "Spring"]


def test_filter_by_group_keeps_posts_for_everyone(curator_client, organization):
    sales = GroupFactory(organization=organization, name="Sales")
    legal = GroupFactory(organization=organization, name="Legal")
    everyone = PostFactory(
        organization=organization, state=PostState.LIVE, publish_start=at(2026, 3, 3)
    )
    for_sales = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        target_all=False,
        publish_start=at(2026, 3, 3),
    )
    for_sales.target_groups.add(sales)
    for_legal = PostFactory(
        organization=organization,
        state=PostState.LIVE,
        target_all=False,
        publish_start=at(2026, 3, 3),
    )
    for_legal.target_groups.add(legal)
    response = calendar(curator_client, group=str(sales.pk))
    assert days_of(response, everyone)
    assert days_of(response, for_sales)
    assert not days_of(response, for_legal)


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-13-45"},
        {"date": "yesterday"},
        {"date": "0001-01-01"},
        {"date": "9999-12-31"},
        {"view": "year"},
        {"group": "x"},
        {"group": "99999999999999999999999"},
        {"campaign": "Unknown\x00"},
    ],
)
def test_bad_parameters_fall_back_with_a_message(curator_client, params):
    response = calendar(curator_client, **params)
    assert response.status_code == 200
    assert response.context["title"] == "March 2026"
    assert list(response.context["messages"])


def test_foreign_group_is_ignored(curator_client):
    foreign = GroupFactory(organization=OrganizationFactory(), name="Globex sales")
    response = calendar(curator_client, group=str(foreign.pk))
    assert response.status_code == 200
    assert response.context["filters"].group is None
    assert "Globex sales" not in response.content.decode()


def test_edges_of_the_calendar_do_not_crash(curator_client):
    first = calendar(curator_client, date="1970-01-01")
    assert first.status_code == 200
    assert first.context["title"] == "January 1970"
    last = calendar(curator_client, date="2999-12-31", view="week")
    assert last.status_code == 200
    assert last.context["title"] == "Week of 30 Dec to 5 Jan 3000"


def test_queries_do_not_grow_with_posts(curator_client, organization):
    group = GroupFactory(organization=organization)
    for day in range(1, 20):
        post = PostFactory(
            organization=organization, state=PostState.LIVE, publish_start=at(2026, 3, day)
        )
        post.target_groups.add(group)
    calendar(curator_client)
    with CaptureQueriesContext(connection) as few:
        calendar(curator_client)
    for day in range(1, 20):
        PostFactory(organization=organization, state=PostState.LIVE, publish_start=at(2026, 3, day))
    with CaptureQueriesContext(connection) as many:
        calendar(curator_client)
    assert len(many) == len(few)


def test_phones_get_an_agenda_of_days_with_posts(curator_client, organization):
    PostFactory(
        organization=organization,
        state=PostState.SCHEDULED,
        publish_start=at(2026, 3, 20),
        publish_end=at(2026, 3, 21, 12),
    )
    response = calendar(curator_client)
    assert [day.date for day in response.context["agenda"]] == [
        date(2026, 3, 20),
        date(2026, 3, 21),
    ]
    assert "calendar-agenda" in response.content.decode()


def test_employee_is_refused(employee_client):
    assert calendar(employee_client).status_code == 403
