"""A member's own page: their figures, best posts, the median member; public ranking."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from chorus.analytics.selectors import me as member_selectors
from chorus.analytics.selectors import rankings as ranking_selectors
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.analytics.tests.test_dashboard import PERIOD, build_world


@pytest.fixture
def world(organization: Any) -> Any:
    return build_world(organization)


def test_member_stats_and_the_median_member(world):
    stats = member_selectors.member_stats(
        organization=world.organization, membership=world.bob, filters=PERIOD
    )
    assert (stats.shares, stats.clicks, stats.engagement, stats.potential_reach) == (
        1,
        40,
        13,
        300,
    )
    # The 30 days to the last headcount (the range's 30 days here). Five members in the
    # program: bob, cleo, dan, fay and ada (who did nothing).
    assert stats.median_as_of == date(2026, 3, 31)
    assert stats.median == {"shares": 1.0, "clicks": 20.0, "engagement": 5.0}
    assert stats.own_30_days == {"shares": 1, "clicks": 40, "engagement": 13}
    assert [(row.label, row.clicks) for row in stats.best_posts] == [("Launch", 40)]


def test_a_member_who_chose_not_to_be_ranked_still_sees_their_own_figures(client, world):
    client.force_login(world.dan.user)
    with time_machine.travel("2026-03-31 12:00:00+00:00", tick=False):
        response = client.get("/analytics/me/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<tr id="me-clicks"><th scope="row">Clicks</th><td class="num">60</td>' in page
    assert (
        '<tr id="median-clicks"><th scope="row">Clicks</th><td class="num">60</td>'
        '<td class="num">20</td>'
    ) in page
    assert "Hiring" in page


def test_employees_see_their_own_page(client, world):
    client.force_login(world.bob.user)
    with time_machine.travel("2026-03-31 12:00:00+00:00", tick=False):
        response = client.get("/analytics/me/")
    assert response.status_code == 200
    assert response.context["stats"].clicks == 40


def test_own_page_bad_dates_are_a_clear_error(client, world):
    client.force_login(world.bob.user)
    response = client.get("/analytics/me/", {"date_to": "yesterday"})
    assert response.status_code == 400
    assert "The end date must be written YYYY-MM-DD" in response.content.decode()


def test_turning_public_ranking_off_in_settings_hides_the_name(client, world):
    client.force_login(world.bob.user)
    page = client.get("/settings/").content.decode()
    assert 'name="public_ranking" id="id_public_ranking" checked' in page
    response = client.post("/settings/ranking/", {})
    assert response.status_code == 302
    world.bob.refresh_from_db()
    assert world.bob.public_ranking is False
    members = ranking_selectors.top_members(organization=world.organization, filters=PERIOD)
    assert [row.label for row in members] == [NOT_RANKED, NOT_RANKED, "Cleo", "Fay"]
    client.post("/settings/ranking/", {"public_ranking": "on"})
    world.bob.refresh_from_db()
    assert world.bob.public_ranking is True
