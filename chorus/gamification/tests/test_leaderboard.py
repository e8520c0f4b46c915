"""Leaderboards: exact ranks with ties, periods, groups, opt-out anonymity, switch-off."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine

from chorus.accounts.models import ProgramStatus
from chorus.accounts.services.tokens import api_token_create
from chorus.actions.members import member_set_active
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory
from chorus.gamification.models import GamificationSettings, Period, PointRule, Rule, Source
from chorus.gamification.selectors.leaderboard import Standing, leaderboard, my_rank
from chorus.gamification.services.points import points_award, points_reverse

NOW = datetime(2026, 5, 13, 10, 0, tzinfo=UTC)  # a Wednesday; the week began on 11 May
_sources = itertools.count(1)


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def joined(organization: Any, name: str, **extra: Any) -> Any:
    return MembershipFactory(
        organization=organization,
        program_status=ProgramStatus.JOINED,
        user__name=name,
        user__email=f"{name.lower()}@{organization.slug}.test",
        **extra,
    )


def award(member: Any, points: int, *, moment: datetime | None = None) -> Any:
    """`points` points for a completed course (1 point each, no daily cap)."""
    entry = points_award(
        membership=member,
        rule=Rule.COURSE,
        source=Source.COURSE,
        source_id=next(_sources),
        count=points,
        moment=moment,
    )
    assert entry is not None and entry.points == points
    return entry


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    organization: Any = OrganizationFactory(name="Acme", slug="acme")
    PointRule.objects.create(organization=organization, rule=Rule.COURSE, points=1, daily_cap=0)
    ada = joined(organization, "Ada")
    bob = joined(organization, "Bob")
    cleo = joined(organization, "Cleo")
    dan = joined(organization, "Dan")
    eve = joined(organization, "Eve")  # no points
    award(ada, 30)
    award(bob, 20)
    award(cleo, 20)
    award(dan, 10)
    return SimpleNamespace(organization=organization, ada=ada, bob=bob, cleo=cleo, dan=dan, eve=eve)


def board(
    world: SimpleNamespace, period: str = Period.MONTH, **options: Any
) -> list[tuple[int, str, int]]:
    lines = leaderboard(organization=world.organization, period=period, **options)
    return [(line.rank, line.label, line.points) for line in lines]


def test_ranks_share_ties_and_skip_after_them(world):
    assert board(world) == [(1, "Ada", 30), (2, "Bob", 20), (2, "Cleo", 20), (4, "Dan", 10)]


def test_members_without_points_or_with_points_reversed_are_not_listed(world):
    entry = award(world.eve, 5)
    assert board(world)[-1] == (5, "Eve", 5)
    points_reverse(entry=entry, note="counted as a bot")
    assert [label for _rank, label, _points in board(world)] == ["Ada", "Bob", "Cleo", "Dan"]


def test_members_who_leave_keep_what_they_earned_off_the_boards_and_earn_no_more(world):
    admin = MembershipFactory(organization=world.organization, is_admin=True)
    member_set_active(membership=world.dan, actor=admin.user, active=False)
    assert (
        points_award(
            membership=world.dan, rule=Rule.COURSE, source=Source.COURSE, source_id=next(_sources)
        )
        is None
    )
    assert "Dan" not in [label for _rank, label, _points in board(world)]
    mine = my_rank(organization=world.organization, membership=world.dan, period=Period.MONTH)
    assert (mine.points, mine.rank) == (10, None)


def test_the_top_is_limited_and_read_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        lines = leaderboard(organization=world.organization, period=Period.MONTH, limit=3)
    assert [(line.rank, line.label) for line in lines] == [(1, "Ada"), (2, "Bob"), (2, "Cleo")]


def test_my_rank_with_two_above_and_two_below(world):
    fay = joined(world.organization, "Fay")
    award(fay, 5)
    mine = my_rank(organization=world.organization, membership=world.cleo, period=Period.MONTH)
    assert (mine.points, mine.rank) == (20, 2)
    assert mine.above == [
        Standing(rank=1, member_id=world.ada.pk, label="Ada", points=30),
        Standing(rank=2, member_id=world.bob.pk, label="Bob", points=20),
    ]
    assert mine.below == [
        Standing(rank=4, member_id=world.dan.pk, label="Dan", points=10),
        Standing(rank=5, member_id=fay.pk, label="Fay", points=5),
    ]


def test_my_rank_at_the_top_and_at_the_bottom(world):
    top = my_rank(organization=world.organization, membership=world.ada, period=Period.MONTH)
    assert (top.rank, top.above) == (1, [])
    assert [(line.rank, line.label) for line in top.below] == [(2, "Bob"), (2, "Cleo")]
    bottom = my_rank(organization=world.organization, membership=world.dan, period=Period.MONTH)
    assert (bottom.rank, bottom.below) == (4, [])
    assert [(line.rank, line.label) for line in bottom.above] == [(2, "Bob"), (2, "Cleo")]
    tied_first = my_rank(organization=world.organization, membership=world.bob, period=Period.MONTH)
    assert [(line.rank, line.label) for line in tied_first.above] == [(1, "Ada")]
    assert [(line.rank, line.label) for line in tied_first.below] == [(2, "Cleo"), (4, "Dan")]


def test_my_rank_without_points(world):
    mine = my_rank(organization=world.organization, membership=world.eve, period=Period.MONTH)
    assert (mine.points, mine.rank, mine.above, mine.below) == (0, None, [], [])


def test_periods_count_only_their_own_points(world):
    award(world.dan, 100, moment=datetime(2026, 4, 20, 12, tzinfo=UTC))  # last month, Q2
    award(world.bob, 7, moment=datetime(2026, 5, 4, 12, tzinfo=UTC))  # this month, last week
    award(world.eve, 3, moment=datetime(2025, 12, 31, 12, tzinfo=UTC))  # last year
    assert board(world, Period.WEEK) == [
        (1, "Ada", 30),
        (2, "Bob", 20),
        (2, "Cleo", 20),
        (4, "Dan", 10),
    ]
    assert board(world, Period.MONTH) == [
        (1, "Ada", 30),
        (2, "Bob", 27),
        (3, "Cleo", 20),
        (4, "Dan", 10),
    ]
    assert board(world, Period.QUARTER) == [
        (1, "Dan", 110),
        (2, "Ada", 30),
        (3, "Bob", 27),
        (4, "Cleo", 20),
    ]
    assert board(world, Period.ALL)[-1] == (5, "Eve", 3)
    mine = my_rank(organization=world.organization, membership=world.dan, period=Period.MONTH)
    assert (mine.points, mine.rank) == (10, 4)
    mine = my_rank(organization=world.organization, membership=world.dan, period=Period.QUARTER)
    assert (mine.points, mine.rank) == (110, 1)


def test_a_group_board_ranks_its_current_members_only(world):
    sales = GroupFactory(organization=world.organization, name="Sales")
    sales.members.add(world.bob, world.dan)
    assert board(world, group_id=sales.pk) == [(1, "Bob", 20), (2, "Dan", 10)]
    mine = my_rank(
        organization=world.organization,
        membership=world.dan,
        period=Period.MONTH,
        group_id=sales.pk,
    )
    assert (mine.rank, [line.label for line in mine.above], mine.below) == (2, ["Bob"], [])
    outsider = my_rank(
        organization=world.organization,
        membership=world.ada,
        period=Period.MONTH,
        group_id=sales.pk,
    )
    assert (outsider.points, outsider.rank, outsider.in_group) == (30, None, False)
    sales.members.add(world.ada)
    sales.members.remove(world.bob)
    assert board(world, group_id=sales.pk) == [(1, "Ada", 30), (2, "Dan", 10)]


def test_members_who_opted_out_keep_their_place_anonymously(world):
    world.cleo.public_ranking = False
    world.cleo.save(update_fields=["public_ranking"])
    seen_by_bob = leaderboard(
        organization=world.organization, period=Period.MONTH, viewer=world.bob
    )
    assert seen_by_bob[2] == Standing(rank=2, member_id=None, label=NOT_RANKED, points=20)
    assert seen_by_bob[1].is_me
    seen_by_cleo = leaderboard(
        organization=world.organization, period=Period.MONTH, viewer=world.cleo
    )
    assert seen_by_cleo[2] == Standing(
        rank=2, member_id=world.cleo.pk, label="Cleo", points=20, is_me=True
    )
    # Cleo is an anonymous neighbour to Dan, and sees her own rank.
    dans = my_rank(organization=world.organization, membership=world.dan, period=Period.MONTH)
    assert dans.above[-1] == Standing(rank=2, member_id=None, label=NOT_RANKED, points=20)
    cleos = my_rank(organization=world.organization, membership=world.cleo, period=Period.MONTH)
    assert (cleos.rank, cleos.points, cleos.ranked_publicly) == (2, 20, False)


# -- the page ------------------------------------------------------------------------------


def test_the_page_shows_the_board_and_my_place(client, world):
    client.force_login(world.dan.user)
    response = client.get("/leaderboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-current="page">This month<' in page
    assert "You are <strong>#4</strong>" in page
    assert page.count('<td class="num">2</td>') == 4  # Bob and Cleo: in the top and above me
    assert "Dan (you)" in page
    assert 'href="/leaderboard/" aria-current="page">' in page  # in the menu, as this page


def test_the_page_switches_periods_and_returns_a_partial_to_htmx(client, world):
    award(world.dan, 100, moment=datetime(2026, 4, 20, 12, tzinfo=UTC))
    client.force_login(world.dan.user)
    page = client.get("/leaderboard/?period=quarter").content.decode()
    assert "You are <strong>#1</strong>" in page and "110" in page
    partial = client.get("/leaderboard/?period=week", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "You are <strong>#4</strong>" in partial.content.decode()


def test_the_page_refuses_a_bad_period_with_a_message(client, world):
    client.force_login(world.dan.user)
    response = client.get("/leaderboard/?period=decade")
    assert response.status_code == 400
    assert "Choose a period: week, month, quarter or all." in response.content.decode()
    assert client.get("/leaderboard/?group=abc").status_code == 400


def test_the_page_hides_opted_out_members_and_tells_them(client, world):
    world.cleo.public_ranking = False
    world.cleo.save(update_fields=["public_ranking"])
    client.force_login(world.dan.user)
    page = client.get("/leaderboard/").content.decode()
    assert NOT_RANKED in page and "Cleo" not in page
    assert 'id="hidden-note"' not in page
    client.force_login(world.cleo.user)
    page = client.get("/leaderboard/").content.decode()
    assert "Cleo (you)" in page and "You are <strong>#2</strong>" in page
    assert 'id="hidden-note"' in page


def test_names_are_escaped(client, world):
    world.dan.user.name = "<script>alert(1)</script>"
    world.dan.user.save(update_fields=["name"])
    client.force_login(world.ada.user)
    page = client.get("/leaderboard/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_group_boards_on_the_page(client, world):
    sales = GroupFactory(organization=world.organization, name="Sales")
    support = GroupFactory(organization=world.organization, name="Support")
    sales.members.add(world.bob, world.dan)
    foreign_group = GroupFactory(organization=OrganizationFactory(slug="globex"), name="Sales")
    client.force_login(world.dan.user)
    page = client.get(f"/leaderboard/?group={sales.pk}").content.decode()
    assert "You are <strong>#2</strong> in Sales" in page
    assert f'<option value="{sales.pk}" selected>Sales</option>' in page
    assert "Support" not in page  # not Dan's group
    assert client.get(f"/leaderboard/?group={support.pk}").status_code == 404
    assert client.get(f"/leaderboard/?group={foreign_group.pk}").status_code == 404
    curator = joined(world.organization, "Kim", is_curator=True)
    client.force_login(curator.user)
    page = client.get(f"/leaderboard/?group={support.pk}").content.decode()
    assert "Nobody has earned points this month yet." in page
    assert "You are not in Support" in page
    assert client.get(f"/leaderboard/?group={foreign_group.pk}").status_code == 404


def test_members_outside_the_program_are_invited_to_join(client, world):
    newcomer = MembershipFactory(organization=world.organization)
    client.force_login(newcomer.user)
    response = client.get("/leaderboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Join the advocacy program" in page and "Leaderboard</a>" not in page
    admin = MembershipFactory(organization=world.organization, is_admin=True)
    client.force_login(admin.user)
    page = client.get("/leaderboard/").content.decode()
    assert "Earn points by sharing" in page and "Ada" in page


def test_switched_off_there_is_no_leaderboard(client, world):
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    client.force_login(world.dan.user)
    assert client.get("/leaderboard/").status_code == 404
    assert "Leaderboard</a>" not in client.get("/").content.decode()
    _, secret = api_token_create(membership=world.dan, name="test")
    response = client.get("/api/v1/leaderboard", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404


# -- the API -------------------------------------------------------------------------------


def api_get(client: Any, member: Any, query: str = "") -> Any:
    _, secret = api_token_create(membership=member, name="test")
    return client.get(f"/api/v1/leaderboard{query}", headers={"Authorization": f"Bearer {secret}"})


def test_the_api_gives_the_top_and_me(client, world):
    world.ada.public_ranking = False
    world.ada.save(update_fields=["public_ranking"])
    response = api_get(client, world.cleo, "?period=month")
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["starts"], body["group_id"]) == ("month", "2026-05-01", None)
    assert body["top"] == [
        {"rank": 1, "member_id": None, "label": NOT_RANKED, "points": 30, "is_me": False},
        {"rank": 2, "member_id": world.bob.pk, "label": "Bob", "points": 20, "is_me": False},
        {"rank": 2, "member_id": world.cleo.pk, "label": "Cleo", "points": 20, "is_me": True},
        {"rank": 4, "member_id": world.dan.pk, "label": "Dan", "points": 10, "is_me": False},
    ]
    assert body["me"] == {
        "points": 20,
        "rank": 2,
        "ranked_publicly": True,
        "above": [body["top"][0], body["top"][1]],
        "below": [body["top"][3]],
    }


def test_the_api_refuses_a_bad_period_and_foreign_groups(client, world):
    response = api_get(client, world.dan, "?period=decade")
    assert response.status_code == 422
    assert response.json() == {"detail": "Choose a period: week, month, quarter or all."}
    assert api_get(client, world.dan, "?group=x").status_code == 422
    foreign_group = GroupFactory(organization=OrganizationFactory(slug="globex"))
    assert api_get(client, world.dan, f"?group={foreign_group.pk}").status_code == 404
    own_group = GroupFactory(organization=world.organization)
    own_group.members.add(world.dan)
    body = api_get(client, world.dan, f"?group={own_group.pk}&period=all").json()
    assert (body["group_id"], body["starts"], body["me"]["rank"]) == (own_group.pk, "2000-01-01", 1)


def test_the_api_is_for_members_in_the_program(client, world):
    newcomer = MembershipFactory(organization=world.organization)
    response = api_get(client, newcomer)
    assert response.status_code == 403
    assert response.json() == {"detail": "Join the advocacy program to see the leaderboard."}


def test_an_award_shows_in_the_leaderboard_at_once(client, world):
    """Points land in the totals in the award's own transaction: no refresh to wait for."""
    before = api_get(client, world.dan, "?period=week").json()
    assert before["me"]["rank"] == 4
    award(world.dan, 25, moment=NOW)
    after = api_get(client, world.dan, "?period=week").json()
    assert (after["me"]["points"], after["me"]["rank"]) == (35, 1)
    assert after["top"][0]["label"] == "Dan"
    assert (after["me"]["above"], [line["label"] for line in after["me"]["below"]]) == (
        [],
        ["Ada", "Bob"],
    )


def test_the_period_rolls_over_with_the_calendar(client, world, clock):
    clock.move_to(datetime(2026, 6, 1, 9, tzinfo=UTC))
    body = api_get(client, world.dan, "?period=month").json()
    assert (body["starts"], body["top"], body["me"]["rank"]) == ("2026-06-01", [], None)
    assert date.fromisoformat(api_get(client, world.dan, "?period=week").json()["starts"]) == (
        date(2026, 6, 1)
    )
