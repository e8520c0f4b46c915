"""The points ledger: what earns, what does not (anti-gaming), caps, reversals, switch-off."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db.models import Sum

from chorus.accounts.models import ProgramStatus
from chorus.actions.clicks import clicks_reclassify_as_bot
from chorus.actions.suggestions import suggestion_accept
from chorus.content.services.suggestions import suggestion_create
from chorus.core.models import AppendOnlyError
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory, ShareFactory
from chorus.gamification.awards import points_recheck_recent, points_refresh
from chorus.gamification.models import (
    GamificationSettings,
    Period,
    PointEntry,
    PointRule,
    PointTotal,
    Rule,
)
from chorus.gamification.services.points import period_starts
from chorus.links.models import Link
from chorus.links.services.links import clicks_store
from chorus.links.sinks import ClickRecord
from chorus.sharing.models import ShareMetrics, ShareStatus

NOW = datetime(2026, 5, 13, 10, 0, tzinfo=UTC)  # a Wednesday
_events = itertools.count()


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    organization: Any = OrganizationFactory(slug="acme")
    ada: Any = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    bob: Any = MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)
    post: Any = PostFactory(organization=organization)
    link = Link.objects.create(
        organization=organization,
        code="ada1",
        post=post,
        membership=ada,
        network="mastodon",
        destination="https://acme.example/",
    )
    post_link = Link.objects.create(
        organization=organization,
        code="post1",
        post=post,
        membership=None,
        network="",
        destination="https://acme.example/",
    )
    return SimpleNamespace(
        organization=organization, ada=ada, bob=bob, post=post, link=link, post_link=post_link
    )


def click(link: Link, visitor: str, *, kind: str = "click", user: Any = None, at: Any = None):
    moment = at or NOW
    return ClickRecord(
        event_id=f"event-{next(_events)}",
        moment=moment.timestamp(),
        link_id=link.pk,
        organization_id=link.organization_id,
        kind=kind,
        bot="LinkedInBot" if kind == "bot" else "",
        referrer="",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
        visitor=visitor,
        user_id=user,
    )


def shared(member: Any, post: Any, at: datetime = NOW) -> Any:
    return ShareFactory(membership=member, post=post, status=ShareStatus.SHARED, shared_at=at)


def ledger(member: Any) -> list[tuple[str, int]]:
    return list(
        PointEntry.objects.filter(membership=member).order_by("id").values_list("rule", "points")
    )


def total(member: Any, period: str = Period.ALL) -> int:
    starts = period_starts(NOW.date())[period]
    found = PointTotal.objects.filter(membership=member, period=period, starts=starts).first()
    return found.points if found else 0


def test_a_share_earns_once_and_counts_in_every_period(world):
    share = shared(world.ada, world.post)
    points_refresh()
    points_refresh()  # read again (the overlap): no second award
    assert ledger(world.ada) == [(Rule.SHARE, 10)]
    entry = PointEntry.objects.get(membership=world.ada)
    assert (entry.source, entry.source_id, entry.day) == ("share", share.pk, date(2026, 5, 13))
    assert [total(world.ada, period) for period in Period.values] == [10, 10, 10, 10]
    assert period_starts(date(2026, 5, 13)) == {
        Period.WEEK: date(2026, 5, 11),
        Period.MONTH: date(2026, 5, 1),
        Period.QUARTER: date(2026, 4, 1),
        Period.ALL: date(2000, 1, 1),
    }


def test_only_a_new_persons_click_on_a_members_link_earns(world):
    clicks_store(
        [
            click(world.link, "visitor-1"),  # a person, first time: earns
            click(world.link, "visitor-1"),  # the same visitor again: a repeat
            click(world.link, "crawler", kind="bot"),  # a link preview
            click(world.link, "visitor-2", kind="head"),  # a HEAD request
            click(world.link, "self", user=world.ada.user_id),  # ada's own click
            click(world.post_link, "visitor-3"),  # the post's own link: nobody's
        ]
    )
    points_refresh()
    assert ledger(world.ada) == [(Rule.CLICK, 2)]
    assert PointEntry.objects.count() == 1


def test_daily_cap_per_rule_then_the_next_day_earns_again(world, clock):
    PointRule.objects.create(
        organization=world.organization, rule=Rule.CLICK, points=2, daily_cap=5
    )
    clicks_store([click(world.link, f"visitor-{n}") for n in range(4)])
    points_refresh()
    # 2 + 2, then 1 to reach the cap of 5, then nothing.
    assert ledger(world.ada) == [(Rule.CLICK, 2), (Rule.CLICK, 2), (Rule.CLICK, 1)]
    clock.move_to(NOW + timedelta(days=1))
    clicks_store([click(world.link, "tomorrow", at=NOW + timedelta(days=1))])
    points_refresh()
    assert ledger(world.ada)[-1] == (Rule.CLICK, 2)
    assert total(world.ada) == 7


def test_a_share_undone_within_the_hour_is_reversed_later_undos_keep_it(world, clock):
    quick = shared(world.ada, world.post)
    kept = shared(world.bob, world.post)
    points_refresh()
    clock.move_to(NOW + timedelta(minutes=30))
    quick.status = ShareStatus.UNDONE
    quick.save(update_fields=["status", "updated_at"])
    points_refresh()
    assert ledger(world.ada) == [(Rule.SHARE, 10), (Rule.SHARE, -10)]
    assert total(world.ada) == 0
    reversal = PointEntry.objects.filter(membership=world.ada).last()
    assert reversal.reverses.source_id == quick.pk and reversal.note == "Undone within the hour"
    clock.move_to(NOW + timedelta(hours=2))
    kept.status = ShareStatus.UNDONE
    kept.save(update_fields=["status", "updated_at"])
    points_refresh()
    assert ledger(world.bob) == [(Rule.SHARE, 10)]


def test_a_share_undone_before_the_task_runs_never_earns(world, clock):
    share = shared(world.ada, world.post)
    share.status = ShareStatus.UNDONE
    share.save(update_fields=["status", "updated_at"])
    points_refresh()
    assert ledger(world.ada) == []


def test_clicks_reclassified_as_a_bot_get_reversing_entries(world):
    clicks_store([click(world.link, "scanner"), click(world.link, "person")])
    points_refresh()
    assert total(world.ada) == 4
    original = list(PointEntry.objects.filter(membership=world.ada).values_list("pk", "points"))
    clicks_reclassify_as_bot(organization_id=world.organization.pk, visitor_key=_key("scanner"))
    assert ledger(world.ada) == [(Rule.CLICK, 2), (Rule.CLICK, 2), (Rule.CLICK, -2)]
    assert total(world.ada) == total(world.ada, Period.WEEK) == 2
    # Nothing edited in place: the awards are still there as they were.
    assert (
        list(
            PointEntry.objects.filter(pk__in=[pk for pk, _ in original]).values_list("pk", "points")
        )
        == original
    )
    # Reclassifying again reverses nothing more.
    clicks_reclassify_as_bot(organization_id=world.organization.pk, visitor_key=_key("scanner"))
    assert total(world.ada) == 2


def _key(visitor: str) -> str:
    """The stored key of the test's first ("scanner") or second visitor."""
    from chorus.links.models import Click

    keys = Click.objects.order_by("id").values_list("visitor_key", flat=True)
    return keys[0 if visitor == "scanner" else 1]


def test_engagement_earns_its_growth_between_snapshots(world):
    share = shared(world.ada, world.post)
    ShareMetrics.objects.create(
        share=share, fetched_at=NOW - timedelta(hours=2), reactions=3, reposts=1, replies=0
    )
    ShareMetrics.objects.create(
        share=share, fetched_at=NOW - timedelta(hours=1), reactions=5, reposts=1, replies=2
    )
    points_refresh()
    # 4 at first, then 2 more reactions and 2 replies: 4 more.
    assert sorted(ledger(world.ada)) == [
        (Rule.ENGAGEMENT, 4),
        (Rule.ENGAGEMENT, 4),
        (Rule.SHARE, 10),
    ]


def test_an_accepted_suggestion_earns(world):
    suggestion = suggestion_create(
        membership=world.bob, url="https://example.com/story", reason="Our customers will like it"
    )
    curator = MembershipFactory(organization=world.organization, is_curator=True)
    suggestion_accept(suggestion=suggestion, actor=curator.user)
    assert ledger(world.bob) == [(Rule.SUGGESTION, 20)]


def test_switched_off_nothing_is_earned(world):
    GamificationSettings.objects.create(organization=world.organization, enabled=False)
    shared(world.ada, world.post)
    clicks_store([click(world.link, "visitor-1")])
    points_refresh()
    assert PointEntry.objects.count() == 0


def test_the_ledger_is_append_only(world):
    shared(world.ada, world.post)
    points_refresh()
    entry = PointEntry.objects.get()
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(AppendOnlyError):
        PointEntry.objects.filter(pk=entry.pk).delete()
    entry.points = 1000
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_totals_always_equal_the_ledger(world, clock):
    shared(world.ada, world.post)
    shared(world.bob, world.post, at=NOW - timedelta(days=40))  # another month and quarter
    clicks_store([click(world.link, f"v{n}") for n in range(3)])
    points_refresh()
    clicks_reclassify_as_bot(organization_id=world.organization.pk, visitor_key=_key("scanner"))
    for member in (world.ada, world.bob):
        entries = PointEntry.objects.filter(membership=member)
        for period in Period.values:
            for found in PointTotal.objects.filter(membership=member, period=period):
                days = {
                    day
                    for day in entries.values_list("day", flat=True)
                    if period_starts(day)[period] == found.starts
                }
                expected = entries.filter(day__in=days).aggregate(s=Sum("points"))["s"] or 0
                assert found.points == expected, (member, period, found.starts)
    assert total(world.bob, Period.MONTH) == 0 and total(world.bob) == 10


def test_the_daily_recheck_awards_a_click_the_watermark_passed(world):
    clicks_store([click(world.link, "visitor-1")])
    points_refresh()
    from chorus.analytics.models import RollupState
    from chorus.links.models import Click

    # A click committed with an id behind the watermark (PostgreSQL commits out of order).
    late = Click.objects.get()
    RollupState.objects.filter(source="points:clicks").update(last_id=late.pk + 10)
    clicks_store([click(world.link, "visitor-2")])
    points_refresh()
    assert total(world.ada) == 2  # the second click is behind the watermark
    points_recheck_recent()
    assert total(world.ada) == 4
