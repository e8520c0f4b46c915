"""Clicks on a withdrawn (archived) post's links: what the visitor got decides what counts.

A click that got the "no longer available" page is stored with that outcome and counts in
no figure (not a click, not unique, no points); one sent to the organization's fallback
page counts like any other.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.db.models import Sum

from chorus.accounts.models import ProgramStatus
from chorus.actions.clicks import clicks_reclassify_as_bot
from chorus.actions.posts import post_archive
from chorus.analytics.models import DailyShareStats
from chorus.analytics.rollups import rollups_refresh
from chorus.content.models import PostState
from chorus.factories import MembershipFactory, PostFactory
from chorus.gamification.awards import points_refresh
from chorus.gamification.models import PointEntry, Rule
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click, ClickOutcome, LinkSettings
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink
from chorus.links.tests.edge_client import call, django_app, drain

FALLBACK_PAGE = "https://acme.example/news"


@pytest.fixture(autouse=True)
def _midday():
    """Noon (UTC): a visitor key changes at midnight, and `later()` must not cross it."""
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=True):
        yield


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


def withdraw(link):
    post_archive(post=link.post, actor=None, reason="Withdrawn")


def later(seconds=30):
    """A later moment: the redirect then writes a new click file (not the one drained)."""
    return time_machine.travel(time.time() + seconds, tick=False)


def clicks_everywhere(link, sharer):
    """(link counters, rollup clicks and unique clicks, click points) after the worker ran."""
    rollups_refresh()
    points_refresh()
    link.refresh_from_db()
    rollups = DailyShareStats.objects.filter(organization=link.organization).aggregate(
        clicks=Sum("clicks"), unique=Sum("unique_clicks")
    )
    points = PointEntry.objects.filter(membership=sharer, rule=Rule.CLICK).count()
    return (
        (link.clicks, link.unique_clicks, link.self_clicks),
        (rollups["clicks"] or 0, rollups["unique"] or 0),
        points,
    )


def test_a_click_that_got_the_no_longer_available_page_is_stored_and_counts_nowhere(
    edge, link, sharer
):
    withdraw(link)
    status, _headers, body = call(edge, f"/l/{link.code}")
    assert status == 410
    assert b"No longer available" in body
    drain(edge)

    click = Click.objects.get()
    assert (click.kind, click.outcome, click.is_unique) == (
        "click",
        ClickOutcome.UNAVAILABLE,
        False,
    )
    assert clicks_everywhere(link, sharer) == ((0, 0, 0), (0, 0), 0)


def test_a_click_sent_to_the_fallback_page_counts(edge, link, sharer, organization):
    LinkSettings.objects.create(organization=organization, fallback_url=FALLBACK_PAGE)
    withdraw(link)
    status, headers, _body = call(edge, f"/l/{link.code}")
    assert (status, headers["Location"]) == (302, FALLBACK_PAGE)
    drain(edge)

    assert Click.objects.get().outcome == ClickOutcome.FALLBACK
    assert clicks_everywhere(link, sharer) == ((1, 1, 0), (1, 1), 1)


def test_a_click_on_a_live_posts_link_is_recorded_as_redirected(edge, link, sharer):
    assert call(edge, f"/l/{link.code}")[0] == 302
    drain(edge)
    assert Click.objects.get().outcome == ClickOutcome.REDIRECTED
    assert clicks_everywhere(link, sharer) == ((1, 1, 0), (1, 1), 1)


def test_a_visitor_who_found_nothing_is_still_new_when_the_fallback_page_is_set(
    edge, link, sharer, organization
):
    withdraw(link)
    assert call(edge, f"/l/{link.code}")[0] == 410
    drain(edge)
    LinkSettings.objects.create(organization=organization, fallback_url=FALLBACK_PAGE)
    with later():  # the same visitor
        assert call(edge, f"/l/{link.code}")[0] == 302
        drain(edge)

    assert clicks_everywhere(link, sharer) == ((1, 1, 0), (1, 1), 1)


def test_counting_a_visitor_as_a_bot_does_not_take_back_clicks_that_never_counted(
    edge, link, sharer, organization
):
    assert call(edge, f"/l/{link.code}")[0] == 302
    drain(edge)
    withdraw(link)
    with later():
        assert call(edge, f"/l/{link.code}")[0] == 410
        drain(edge)
    visitor = Click.objects.values_list("visitor_key", flat=True).first()

    assert clicks_reclassify_as_bot(organization_id=organization.pk, visitor_key=visitor) == 2
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks, link.previews) == (0, 0, 2)
