# ruff: noqa: RUF001 (the formula and the page print the multiplication sign)
"""The program dashboard's figures, asserted exactly on a small known organization.

The figures are read from rollup rows written here with known numbers (the rollups
themselves are tested in test_rollups.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chorus.accounts.models import ProgramStatus
from chorus.analytics.models import (
    DailyGroupHeadcount,
    DailyHeadcount,
    DailyMemberStats,
    DailyShareStats,
    ValueSettings,
)
from chorus.analytics.rollups import coarse_rollup_day, headcount_distribution
from chorus.analytics.selectors import dashboard as dashboard_selectors
from chorus.analytics.selectors import filters as filter_selectors
from chorus.analytics.selectors import rankings as ranking_selectors
from chorus.analytics.selectors.dashboard import OTHER_GROUP
from chorus.analytics.selectors.filters import Filters
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.factories import (
    DailyShareStatsFactory,
    GroupFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
)

TODAY = date(2026, 3, 31)
PERIOD = Filters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 31))  # 30 days


def build_world(organization: Any) -> SimpleNamespace:
    """Seven members, two posts, rollup rows in this period, the previous one and before.

    dan chose not to be ranked. Sales has 5 members; Legal (fay, gus) and Board (gus)
    are smaller than 5 and merge into "Other" (2 distinct members).
    """
    joined = {"program_status": ProgramStatus.JOINED}
    w = SimpleNamespace(organization=organization)
    w.ada = MembershipFactory(
        organization=organization,
        is_admin=True,
        user__name="Ada",
        user__email="ada@a.test",
        **joined,
    )
    w.bob = MembershipFactory(organization=organization, user__name="Bob", **joined)
    w.cleo = MembershipFactory(organization=organization, user__name="Cleo", **joined)
    w.dan = MembershipFactory(
        organization=organization, user__name="Dan", public_ranking=False, **joined
    )
    w.eve = MembershipFactory(organization=organization, user__name="Eve")
    w.fay = MembershipFactory(organization=organization, user__name="Fay", **joined)
    w.gus = MembershipFactory(organization=organization, user__name="Gus")
    w.sales = GroupFactory(organization=organization, name="Sales")
    w.sales.members.set([w.ada, w.bob, w.cleo, w.dan, w.eve])
    w.legal = GroupFactory(organization=organization, name="Legal")
    w.legal.members.set([w.fay, w.gus])
    w.board = GroupFactory(organization=organization, name="Board")
    w.board.members.set([w.gus])
    w.launch = PostFactory(organization=organization, title="Launch", campaign="spring")
    w.hiring = PostFactory(organization=organization, title="Hiring")

    def stats(post: Any, member: Any, network: str, day: date, **figures: Any) -> None:
        DailyShareStatsFactory(
            post=post,
            membership=member,
            network=network,
            day=day,
            campaign=post.campaign,
            **figures,
        )

    march_10, march_20 = date(2026, 3, 10), date(2026, 3, 20)
    stats(w.launch, w.bob, "linkedin", march_10, shares=1, clicks=40, unique_clicks=30,
          previews=5, self_clicks=3, reactions=10, reposts=2, replies=1, impressions=500,
          potential_reach=300)  # fmt: skip
    stats(w.launch, w.cleo, "x", march_10, shares=1, clicks=20, unique_clicks=15, previews=2,
          self_clicks=1, reactions=4, reposts=1, potential_reach=100)  # fmt: skip
    stats(w.hiring, w.dan, "linkedin", march_20, shares=2, clicks=60, unique_clicks=50,
          previews=1, reactions=6, replies=2, potential_reach=1000)  # fmt: skip
    stats(w.hiring, w.fay, "mastodon", march_20, shares=1, clicks=5, unique_clicks=5,
          reactions=1, potential_reach=50)  # fmt: skip
    # The post's own link (no member).
    stats(w.launch, None, "linkedin", march_20, clicks=3, unique_clicks=3)
    # The previous period (2026-01-31 .. 2026-03-01) and before it.
    stats(w.launch, w.bob, "linkedin", date(2026, 2, 15), shares=2, clicks=50, unique_clicks=40,
          reactions=5, potential_reach=200)  # fmt: skip
    stats(w.hiring, w.bob, "linkedin", date(2026, 1, 30), shares=9, clicks=999)
    # Another organization's figures must never show.
    foreign_post = PostFactory(organization=OrganizationFactory(), campaign="spring")
    DailyShareStatsFactory(
        post=foreign_post, network="linkedin", day=march_10, shares=50, clicks=777
    )
    coarse_rollups()
    for day, joined_count, three_of_four in ((date(2026, 3, 30), 6, 1), (TODAY, 5, 2)):
        DailyHeadcount.objects.create(
            organization=organization,
            day=day,
            members=7,
            invited=3,
            joined=joined_count,
            connected=4,
            sharers_30_days=4,
            sharers_3_of_4_weeks=three_of_four,
            **headcount_distribution(organization.pk, day, joined=joined_count),
        )
    # As of the range's last headcount: Sales has 5 members, 3 of whom shared in 30 days;
    # "Other" (Legal and Board) 2 people, 1 of whom shared.
    DailyGroupHeadcount.objects.create(
        organization=organization, day=TODAY, group=w.sales, members=5, sharers_30_days=3
    )
    DailyGroupHeadcount.objects.create(
        organization=organization, day=TODAY, group=None, members=2, sharers_30_days=1
    )
    return w


def coarse_rollups() -> None:
    """The coarser rollups of every day that has rows, summed from them (as rollup_day
    does after writing a day's rows)."""
    for organization_id, day in (
        DailyShareStats.objects.values_list("organization_id", "day").distinct().order_by()
    ):
        coarse_rollup_day(organization_id=organization_id, day=day)


@pytest.fixture
def world(organization: Any) -> SimpleNamespace:
    return build_world(organization)


def value_settings(organization: Any) -> ValueSettings:
    return ValueSettings.objects.create(
        organization=organization,
        currency="EUR",
        per_click=Decimal("0.50"),
        per_reaction=Decimal("0.10"),
        per_repost=Decimal("1.00"),
        per_reply=Decimal("0.50"),
        cpm=Decimal("5.00"),
    )


def figures(totals: dashboard_selectors.Totals) -> dict[str, tuple[int, int, float | None]]:
    return {f.name: (f.value, f.previous, f.change) for f in totals.figures}


def test_totals_are_exact_with_change_against_the_previous_period(world):
    totals = dashboard_selectors.totals(organization=world.organization, filters=PERIOD)
    assert figures(totals) == {
        "shares": (5, 2, 150.0),
        "clicks": (128, 50, 156.0),
        "unique_clicks": (103, 40, 157.5),
        "previews": (8, 0, None),
        "reactions": (21, 5, 320.0),
        "reposts": (3, 0, None),
        "replies": (3, 0, None),
        "engagement": (27, 5, 440.0),
        "impressions": (500, 0, None),
        "potential_reach": (1450, 200, 625.0),
    }
    assert totals.impressions_known
    # The dashboard's path: totals from the (day, network) grid it also draws from.
    grid = dashboard_selectors.stats_grid(organization=world.organization, filters=PERIOD)
    assert (
        dashboard_selectors.totals(organization=world.organization, filters=PERIOD, grid=grid)
        == totals
    )


def test_self_clicks_are_excluded_from_the_click_total(world):
    totals = dashboard_selectors.totals(organization=world.organization, filters=PERIOD)
    # 40 + 20 + 60 + 5 + 3 people's clicks; the 3 + 1 self-clicks are not added.
    assert totals["clicks"].value == 128


def test_previous_period_has_the_same_length_just_before():
    assert PERIOD.previous() == Filters(date_from=date(2026, 1, 31), date_to=date(2026, 3, 1))
    assert PERIOD.previous().days == PERIOD.days == 30


def test_earned_media_value_follows_the_settings_and_shows_its_formula(world):
    value_settings(world.organization)
    value = dashboard_selectors.totals(organization=world.organization, filters=PERIOD).value
    # 128 x 0.50 + 21 x 0.10 + 3 x 1.00 + 3 x 0.50 + 1450 / 1000 x 5.00
    assert value.amount == Decimal("77.85")
    assert value.formula == (
        "128 clicks × €0.50 + 21 reactions × €0.10 + 3 reposts × €1.00 + 3 replies × €0.50"
        " + 1,450 potential reach ÷ 1,000 × €5.00 CPM = €77.85"
    )
    assert value.display == "€77.85"


def test_earned_media_value_is_zero_without_value_settings(world):
    value = dashboard_selectors.totals(organization=world.organization, filters=PERIOD).value
    assert value.amount == Decimal("0.00")
    assert value.formula.endswith("= €0.00")
    assert "CPM" not in value.formula


def test_group_filter_counts_only_that_groups_members(world):
    filters = Filters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, group_id=world.sales.pk)
    totals = dashboard_selectors.totals(organization=world.organization, filters=filters)
    assert (totals["shares"].value, totals["clicks"].value) == (4, 120)


def test_campaign_filter_counts_only_that_campaigns_posts(world):
    filters = Filters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, campaign="spring")
    totals = dashboard_selectors.totals(organization=world.organization, filters=filters)
    assert (totals["shares"].value, totals["clicks"].value, totals["engagement"].value) == (
        2,
        63,
        18,
    )


def test_daily_series_has_every_day_of_the_range(world):
    series = dashboard_selectors.daily_series(organization=world.organization, filters=PERIOD)
    assert len(series) == 30
    by_day = {day.day: (day.shares, day.clicks, day.engagement) for day in series}
    assert by_day[date(2026, 3, 10)] == (2, 60, 18)
    assert by_day[date(2026, 3, 20)] == (3, 68, 9)
    assert by_day[date(2026, 3, 11)] == (0, 0, 0)
    assert sum(day.clicks for day in series) == 128


def test_network_mix(world):
    mix = dashboard_selectors.network_mix(organization=world.organization, filters=PERIOD)
    assert [(row.key, row.shares, row.clicks, row.engagement) for row in mix] == [
        ("linkedin", 3, 103, 21),
        ("x", 1, 20, 5),
        ("mastodon", 1, 5, 1),
    ]


def test_top_posts(world):
    posts = ranking_selectors.top_posts(organization=world.organization, filters=PERIOD)
    assert [(row.label, row.shares, row.clicks, row.engagement) for row in posts] == [
        ("Hiring", 3, 65, 9),
        ("Launch", 2, 63, 18),
    ]


def test_top_members_hide_members_who_chose_not_to_be_ranked(world):
    members = ranking_selectors.top_members(organization=world.organization, filters=PERIOD)
    assert [(row.label, row.id, row.clicks) for row in members] == [
        (NOT_RANKED, None, 60),
        ("Bob", world.bob.pk, 40),
        ("Cleo", world.cleo.pk, 20),
        ("Fay", world.fay.pk, 5),
    ]
    assert all("Dan" not in row.label for row in members)


def test_groups_smaller_than_five_are_merged_into_other(world):
    rows = dashboard_selectors.group_comparison(organization=world.organization, filters=PERIOD)
    assert [
        (row.label, row.extra["members"], row.shares, row.clicks, row.engagement,
         row.extra["participation"])
        for row in rows
    ] == [
        ("Sales", 5, 4, 120, 26, 60.0),
        (OTHER_GROUP, 2, 1, 5, 1, 50.0),
    ]  # fmt: skip
    assert not any(row.label in ("Legal", "Board") for row in rows)


def test_adoption_funnel_uses_the_latest_headcount_and_participation_each_days(world):
    adoption = dashboard_selectors.adoption(organization=world.organization, filters=PERIOD)
    assert adoption.as_of == TODAY
    assert [(step.count, step.percent) for step in adoption.funnel] == [
        (10, 100.0),
        (5, 50.0),
        (4, 40.0),
        (4, 40.0),
        (2, 20.0),
    ]
    assert [(p.day, p.rate) for p in adoption.participation] == [
        (date(2026, 3, 30), 66.7),  # 4 of that day's 6
        (TODAY, 80.0),  # 4 of 5
    ]


def test_concentration_is_the_top_tenth_of_members_share_of_activity(world):
    adoption = dashboard_selectors.adoption(organization=world.organization, filters=PERIOD)
    # Activity (shares + clicks): dan 62, bob 41, cleo 21, fay 6 = 130; 5 members in the
    # program, so the top 10% is one member: dan, 62 / 130.
    assert adoption.top_members_counted == 1
    assert adoption.concentration == 47.7


def test_filters_parse_presets_dates_and_errors(world):
    organization = world.organization
    parse = filter_selectors.filters_parse
    assert parse(organization=organization, params={}, today=TODAY) == PERIOD
    assert parse(organization=organization, params={"days": "7"}, today=TODAY) == Filters(
        date(2026, 3, 25), TODAY
    )
    params = {"date_from": "2026-03-02", "date_to": "2026-03-31", "group": str(world.sales.pk)}
    assert parse(organization=organization, params=params, today=TODAY).group_id == world.sales.pk
    for bad, message in [
        ({"date_from": "2026-13-45"}, "The start date must be written YYYY-MM-DD"),
        ({"date_to": "yesterday"}, "The end date must be written YYYY-MM-DD"),
        ({"date_from": "2026-04-02", "date_to": "2026-04-01"}, "The start date is after"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "at most 731 days"),
        ({"days": "12"}, "7, 30 or 90 days"),
        ({"group": "x"}, "Unknown group"),
        ({"date_from": "0001-01-01", "date_to": "0001-01-05"}, "Dates must be between"),
        ({"date_to": "9999-12-31", "days": "7"}, "Dates must be between"),
        ({"date_to": "0001-01-05"}, "Dates must be between"),
    ]:
        with pytest.raises(ValidationError) as error:
            parse(organization=organization, params=bad, today=TODAY)
        assert message in error.value.messages[0]


def test_a_foreign_group_is_refused_as_a_filter(world):
    foreign_group = GroupFactory(organization=OrganizationFactory())
    with pytest.raises(ValidationError):
        filter_selectors.filters_parse(
            organization=world.organization, params={"group": str(foreign_group.pk)}
        )


# -- the page ------------------------------------------------------------------------------


@time_machine.travel("2026-03-31 12:00:00+00:00", tick=False)
def test_dashboard_page_shows_the_figures(client, world):
    value_settings(world.organization)
    client.force_login(world.ada.user)
    response = client.get("/analytics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["totals"]["clicks"].value == 128
    assert "+156.0% (was 50)" in page
    assert "128 clicks × €0.50" in page and "€77.85" in page
    assert "Potential reach" in page and "(potential:" in page
    assert NOT_RANKED in page and ">Dan<" not in page
    assert OTHER_GROUP in page
    assert "47.7%" in page
    assert 'id="headcount-of">Headcount of 31 Mar 2026, taken at ' in page
    assert 'id="analytics-chart"' in page and "charts.js" in page
    assert "<script>" not in page.replace('<script id="analytics-chart"', "")  # no inline JS


@time_machine.travel("2026-03-31 12:00:00+00:00", tick=False)
def test_dashboard_page_presets_and_filters(client, world):
    client.force_login(world.ada.user)
    response = client.get("/analytics/", {"days": "7"})
    assert response.context["filters"].days == 7
    response = client.get("/analytics/", {"campaign": "spring"})
    assert response.context["totals"]["clicks"].value == 63


def test_dashboard_bad_dates_give_a_clear_error_not_a_500(client, world):
    client.force_login(world.ada.user)
    response = client.get("/analytics/", {"date_from": "2026-13-45"})
    assert response.status_code == 400
    assert "The start date must be written YYYY-MM-DD" in response.content.decode()
    response = client.get("/analytics/", {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()


@pytest.mark.parametrize("role", ["is_curator", "is_approver", "is_admin"])
def test_curators_approvers_and_admins_see_the_dashboard(client, organization, role):
    member = MembershipFactory(organization=organization, **{role: True})
    client.force_login(member.user)
    assert client.get("/analytics/").status_code == 200


def test_employees_may_not_see_the_program_dashboard(client, world):
    client.force_login(world.bob.user)
    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/export/", {"table": "totals"}).status_code == 403


def test_navigation_shows_analytics_by_role(client, world):
    client.force_login(world.ada.user)
    assert 'href="/analytics/"' in client.get("/settings/").content.decode()
    client.force_login(world.bob.user)
    page = client.get("/settings/").content.decode()
    assert 'href="/analytics/"' not in page
    assert 'href="/analytics/me/"' in page


def test_dashboard_query_count_does_not_grow_with_groups_members_and_posts(client, world):
    client.force_login(world.ada.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/analytics/", {"days": "90"}).status_code == 200
        return len(captured)

    queries()  # warm the per-process caches (content types, site)
    before = queries()
    for _ in range(3):
        group = GroupFactory(organization=world.organization)
        members = [MembershipFactory(organization=world.organization) for _ in range(6)]
        group.members.set(members)
        post = PostFactory(organization=world.organization)
        for member in members:
            DailyShareStatsFactory(post=post, membership=member, day=TODAY, shares=1, clicks=2)
    coarse_rollups()
    # The voluntariness card (consents, nudges, the surveys' pressure answers) and the
    # pilot comparison read about a dozen more, flat too.
    assert queries() == before <= 42


# -- top members without summing every member ------------------------------------------------


def member_days(organization: Any, figures: dict[Any, list[int]]) -> Filters:
    """DailyMemberStats rows: each member's clicks on consecutive days from March 1."""
    for member, clicks in figures.items():
        for offset, count in enumerate(clicks):
            if count:
                DailyMemberStats.objects.create(
                    organization=organization,
                    membership=member,
                    day=date(2026, 3, 1 + offset),
                    clicks=count,
                    shares=1,
                )
    return Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 3))


def ranked(organization: Any, filters: Filters, limit: int) -> tuple[list[tuple[str, int]], str]:
    with CaptureQueriesContext(connection) as captured:
        rows = ranking_selectors.top_members(
            organization=organization, filters=filters, limit=limit
        )
    return [(row.label, row.clicks) for row in rows], " ".join(q["sql"] for q in captured)


def test_top_members_sum_only_each_days_leaders_when_they_are_clear(organization, monkeypatch):
    monkeypatch.setattr(ranking_selectors, "FIRST_READ", 2)
    ada, bob, cleo, dan = (
        MembershipFactory(organization=organization, user__name=name)
        for name in ("Ada", "Bob", "Cleo", "Dan")
    )
    filters = member_days(
        organization, {ada: [100, 100, 0], bob: [10, 0, 0], cleo: [0, 10, 0], dan: [5, 0, 0]}
    )
    # Each day's second best has 10: nobody outside the leaders can have more than 20.
    rows, sql = ranked(organization, filters, limit=1)
    assert rows == [("Ada", 200)]
    assert 'membership_id" IN (' in sql.replace("`", '"')  # only the leaders were summed


def test_top_members_sum_everyone_when_a_steady_member_could_beat_the_leaders(
    organization, monkeypatch
):
    monkeypatch.setattr(ranking_selectors, "FIRST_READ", 1)
    ada, bob, cleo, eve = (
        MembershipFactory(organization=organization, user__name=name)
        for name in ("Ada", "Bob", "Cleo", "Eve")
    )
    # Eve is never a day's best but has the most clicks over the three days.
    filters = member_days(
        organization, {ada: [10, 0, 0], bob: [0, 10, 0], cleo: [0, 0, 10], eve: [9, 9, 9]}
    )
    rows, _sql = ranked(organization, filters, limit=2)
    assert rows == [("Eve", 27), ("Ada", 10)]


def test_the_groups_help_says_when_no_headcount_is_taken_yet(client, organization):
    curator = MembershipFactory(organization=organization, is_curator=True)
    sales = GroupFactory(organization=organization, name="Sales")
    sales.members.add(*MembershipFactory.create_batch(5, organization=organization))
    client.force_login(curator.user)
    page = client.get("/analytics/").content.decode()
    help_text = page.split('id="groups-help">')[1].split("</p>")[0]
    assert "headcount of ." not in help_text and "headcount of" not in help_text
    assert "show once the first headcount is taken" in help_text
    row = page.split('<th scope="row">Sales</th>')[1].split("</tr>")[0]
    assert '<td class="num">–</td>' in row  # members not known yet, rather than 0
