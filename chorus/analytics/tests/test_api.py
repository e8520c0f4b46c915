"""The analytics API returns the dashboard's figures, with the same roles."""

# ruff: noqa: RUF001 (the formula prints the multiplication sign)
from __future__ import annotations

from typing import Any

import pytest
import time_machine

from chorus.accounts.services import tokens as services
from chorus.analytics.selectors.dashboard import OTHER_GROUP
from chorus.analytics.selectors.rankings import NOT_RANKED
from chorus.analytics.tests.test_dashboard import build_world, value_settings

PERIOD = {"date_from": "2026-03-02", "date_to": "2026-03-31"}


@pytest.fixture
def world(organization: Any) -> Any:
    return build_world(organization)


def call(client: Any, member: Any, path: str, **params: str) -> Any:
    _, secret = services.api_token_create(membership=member, name="test")
    return client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {secret}"})


def test_totals_from_the_api_match_the_dashboard(client, world):
    value_settings(world.organization)
    response = call(client, world.ada, "/analytics/totals", **PERIOD)
    assert response.status_code == 200
    body = response.json()
    figures = {f["name"]: (f["value"], f["previous"], f["change"]) for f in body["figures"]}
    assert figures["clicks"] == (128, 50, 156.0)
    assert figures["shares"] == (5, 2, 150.0)
    assert figures["potential_reach"] == (1450, 200, 625.0)
    assert body["earned_media_value"]["amount"] == "77.85"
    assert body["earned_media_value"]["formula"].startswith("128 clicks × €0.50")
    assert body["period"]["days"] == 30


def test_breakdowns_from_the_api(client, world):
    networks = call(client, world.ada, "/analytics/networks", **PERIOD).json()
    assert [(n["key"], n["clicks"]) for n in networks] == [
        ("linkedin", 103),
        ("x", 20),
        ("mastodon", 5),
    ]
    members = call(client, world.ada, "/analytics/top-members", **PERIOD).json()
    assert members[0] == {
        "id": None,
        "key": "",
        "label": NOT_RANKED,
        "shares": 2,
        "clicks": 60,
        "engagement": 8,
        "potential_reach": 1000,
    }
    groups = call(client, world.ada, "/analytics/groups", **PERIOD).json()
    assert [(g["label"], g["members"], g["participation"]) for g in groups] == [
        ("Sales", 5, 60.0),
        (OTHER_GROUP, 2, 50.0),
    ]
    posts = call(client, world.ada, "/analytics/top-posts", **PERIOD).json()
    assert [(p["id"], p["clicks"]) for p in posts] == [(world.hiring.pk, 65), (world.launch.pk, 63)]
    daily = call(client, world.ada, "/analytics/daily", **PERIOD).json()
    assert len(daily) == 30 and sum(d["clicks"] for d in daily) == 128
    adoption = call(client, world.ada, "/analytics/adoption", **PERIOD).json()
    assert adoption["concentration"] == 47.7
    assert [s["count"] for s in adoption["funnel"]] == [10, 5, 4, 4, 2]


def test_post_and_own_figures_from_the_api(client, world):
    post = call(client, world.ada, f"/analytics/posts/{world.launch.pk}").json()
    assert (post["members_reached"], post["shares"], post["clicks"], post["engagement"]) == (
        7,
        4,
        113,
        23,
    )
    with time_machine.travel("2026-03-31 12:00:00+00:00", tick=False):
        mine = call(client, world.bob, "/analytics/me").json()
    assert (mine["shares"], mine["clicks"], mine["engagement"]) == (1, 40, 13)
    assert mine["median"] == {"shares": 1.0, "clicks": 20.0, "engagement": 5.0}


def test_employees_get_403_on_program_figures_but_read_their_own(client, world):
    assert call(client, world.bob, "/analytics/totals").status_code == 403
    assert call(client, world.bob, f"/analytics/posts/{world.launch.pk}").status_code == 403
    assert call(client, world.bob, "/analytics/me").status_code == 200


def test_bad_dates_are_a_422_with_a_reason(client, world):
    response = call(client, world.ada, "/analytics/totals", date_from="2026-02-30")
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.json()["detail"]
    response = call(client, world.ada, "/analytics/daily", days="1000")
    assert response.status_code == 422
    assert response.json()["detail"] == "The period must be 7, 30 or 90 days."
