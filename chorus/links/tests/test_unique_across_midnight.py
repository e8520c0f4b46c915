"""A unique click means one thing: a visitor's first on a link in 24 hours, midnight or not.

Visitor keys rotate at UTC midnight (no IP is stored, keys of different days are not
linked in the database); the redirect hands the drainer the visitor's key of the day before
as well, so a repeat 20 minutes after the rotation is still a repeat. The link's counters,
the daily rollups (days in TIME_ZONE) and the points agree on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum

from chorus.accounts.models import ProgramStatus
from chorus.analytics.models import DailyShareStats
from chorus.analytics.rollups import rollups_refresh
from chorus.content.models import PostState
from chorus.factories import MembershipFactory, PostFactory
from chorus.gamification.awards import points_refresh
from chorus.gamification.models import PointEntry, Rule
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import IPHONE, call, django_app, drain
from chorus.links.visitors import visitor_key

IP = "203.0.113.7"
ZONES = ["America/Los_Angeles", "Asia/Tokyo"]


def midnight(zone: str, which: str) -> datetime:
    """A midnight in March 2025: UTC's (the visitor keys rotate) or the zone's own."""
    return datetime(2025, 3, 11, tzinfo=UTC if which == "utc" else ZoneInfo(zone))


@pytest.fixture
def sharer(organization):
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def link(organization, sharer):
    post = PostFactory(
        organization=organization, link_url="https://acme.example/", state=PostState.LIVE
    )
    return link_mint(post=post, membership=sharer, network="linkedin")


@pytest.fixture
def edge(tmp_path, db):
    return LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(tmp_path)
    )


def click_at(edge, link, moment):
    with time_machine.travel(moment, tick=False):
        assert call(edge, f"/l/{link.code}", ip=IP)[0] == 302


def drain_and_refresh(edge, moment):
    """What the worker does every minute: drain, roll up, award points."""
    with time_machine.travel(moment, tick=False):
        drain(edge)
        rollups_refresh()
        points_refresh()


@pytest.mark.parametrize("which", ["utc", "local"])
@pytest.mark.parametrize("zone", ZONES)
def test_a_repeat_click_20_minutes_later_across_midnight_is_not_unique_and_earns_once(
    zone, which, settings, edge, link, sharer
):
    settings.TIME_ZONE = zone
    at = midnight(zone, which)
    click_at(edge, link, at - timedelta(minutes=10))
    click_at(edge, link, at + timedelta(minutes=10))
    drain_and_refresh(edge, at + timedelta(minutes=15))

    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks) == (2, 1)
    # The first click is the unique one.
    assert list(Click.objects.order_by("created_at").values_list("is_unique", flat=True)) == [
        True,
        False,
    ]
    # The rollups (days in the organization's zone) count the same: one unique click.
    totals = DailyShareStats.objects.filter(organization=link.organization).aggregate(
        clicks=Sum("clicks"), unique=Sum("unique_clicks")
    )
    assert totals == {"clicks": 2, "unique": 1}
    # And the sharer earns for one new visitor, not two.
    assert PointEntry.objects.filter(membership=sharer, rule=Rule.CLICK).count() == 1


@pytest.mark.parametrize("zone", ZONES)
def test_repeats_each_within_24_hours_of_the_last_stay_repeats_across_midnight(
    zone, settings, edge, link, sharer
):
    settings.TIME_ZONE = zone
    at = midnight(zone, "utc")
    click_at(edge, link, at - timedelta(minutes=10))
    click_at(edge, link, at + timedelta(hours=23, minutes=40))  # 23 h 50 min later
    click_at(edge, link, at + timedelta(hours=24, minutes=30))  # 24 h 40 min after the first
    drain_and_refresh(edge, at + timedelta(hours=25))

    link.refresh_from_db()
    # The third click is within 24 hours of the second: a repeat; the second is a repeat of
    # the first. Only the first is unique.
    assert (link.clicks, link.unique_clicks) == (3, 1)
    assert PointEntry.objects.filter(membership=sharer, rule=Rule.CLICK).count() == 1


def test_two_days_apart_a_visitor_is_new_again(settings, edge, link, sharer):
    settings.TIME_ZONE = "Asia/Tokyo"
    at = midnight("Asia/Tokyo", "utc")
    click_at(edge, link, at - timedelta(minutes=10))
    click_at(edge, link, at + timedelta(hours=24))  # the day after the next: a new key pair
    drain_and_refresh(edge, at + timedelta(hours=25))

    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks) == (2, 2)
    assert PointEntry.objects.filter(membership=sharer, rule=Rule.CLICK).count() == 2


def test_only_the_days_own_visitor_key_is_stored(settings, edge, link):
    settings.TIME_ZONE = "America/Los_Angeles"
    at = midnight("America/Los_Angeles", "utc")
    before, after = at - timedelta(minutes=10), at + timedelta(minutes=10)
    click_at(edge, link, before)
    click_at(edge, link, after)
    drain_and_refresh(edge, at + timedelta(minutes=15))

    stored = list(Click.objects.order_by("created_at").values_list("visitor_key", flat=True))
    # Each click keeps its own day's key: keys of two days are never linked in the database.
    assert stored == [
        visitor_key(IP, IPHONE, before.date()),
        visitor_key(IP, IPHONE, after.date()),
    ]
    assert stored[0] != stored[1]
