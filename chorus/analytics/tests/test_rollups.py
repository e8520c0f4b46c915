"""Rollups from raw rows: every DailyShareStats field of a small organization, exactly.

The site's days are Paris days (UTC+1 in January): 2026-01-15 runs from 2026-01-14 23:00
to 2026-01-15 23:00 UTC. Clicks go through the real drainer (clicks_store), which decides
unique and self-clicks.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from chorus.actions.clicks import clicks_reclassify_as_bot
from chorus.analytics import rollups
from chorus.analytics.models import (
    DailyGroupStats,
    DailyMemberStats,
    DailyNetworkStats,
    DailyPostStats,
    DailyShareStats,
    RollupDirtyDay,
)
from chorus.analytics.rollups import day_bounds, rollup_day
from chorus.factories import (
    GroupFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
)
from chorus.links.models import Click, Link
from chorus.links.services.links import clicks_store
from chorus.links.sinks import ClickRecord
from chorus.sharing.models import ShareMethod, ShareMetrics, ShareStatus

DAY = date(2026, 1, 15)
BEFORE = date(2026, 1, 14)
AFTER = date(2026, 1, 16)
FIELDS = (
    "campaign",
    "shares",
    "clicks",
    "unique_clicks",
    "previews",
    "self_clicks",
    "reactions",
    "reposts",
    "replies",
    "impressions",
    "potential_reach",
)
_events = itertools.count()


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def click(link: Link, moment: datetime, visitor: str, *, kind: str = "click", user: Any = None):
    return ClickRecord(
        event_id=f"event-{next(_events)}",
        moment=moment.timestamp(),
        link_id=link.pk,
        organization_id=link.organization_id,
        kind=kind,
        bot="Slackbot" if kind == "bot" else "",
        referrer="",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
        visitor=visitor,
        user_id=user,
    )


def stats(organization: Any, day: date) -> dict[tuple[Any, ...], dict[str, Any]]:
    rows = DailyShareStats.objects.filter(organization=organization, day=day)
    return {
        (row.post_id, row.membership_id, row.network): {f: getattr(row, f) for f in FIELDS}
        for row in rows
    }


def expected(**values: Any) -> dict[str, Any]:
    zero: dict[str, Any] = dict.fromkeys(FIELDS, 0)
    return {**zero, "campaign": "", "impressions": None, **values}


@pytest.fixture(autouse=True)
def _paris(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(datetime(2026, 1, 20, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def rollups_refresh(clock: Any) -> Any:
    """The periodic refresh, each run a few minutes after the changes before it."""

    def refresh() -> dict[str, int]:
        clock.shift(rollups.SHARES_OVERLAP * 2)
        result = rollups.rollups_refresh()
        clock.shift(rollups.SHARES_OVERLAP * 2)
        return result

    return refresh


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    """Two members sharing two posts, with clicks, bots, self-clicks and metrics."""
    organization: Any = OrganizationFactory(slug="acme")
    ada: Any = MembershipFactory(organization=organization)
    bob: Any = MembershipFactory(organization=organization)
    NetworkConnectionFactory(membership=ada, network="mastodon", followers=120)
    NetworkConnectionFactory(membership=bob, network="bluesky", followers=None)
    launch: Any = PostFactory(organization=organization, campaign="spring")
    other: Any = PostFactory(organization=organization)
    ada_link = Link.objects.create(
        organization=organization,
        code="ada1",
        post=launch,
        membership=ada,
        network="mastodon",
        destination="https://acme.example/launch",
    )
    bob_link = Link.objects.create(
        organization=organization,
        code="bob1",
        post=launch,
        membership=bob,
        network="bluesky",
        destination="https://acme.example/launch",
    )
    post_link = Link.objects.create(
        organization=organization,
        code="post1",
        post=launch,
        membership=None,
        network="",
        destination="https://acme.example/launch",
    )
    clicks_store(
        [
            click(ada_link, utc(14, 22, 30), "v3"),  # 23:30 in Paris: the day before
            click(ada_link, utc(14, 23, 30), "v1"),  # 00:30 in Paris: the day, unique
            click(ada_link, utc(15, 10), "v1"),  # the same visitor again: not unique
            click(ada_link, utc(15, 12), "v2"),  # unique
            click(ada_link, utc(15, 13), "ada-phone", user=ada.user_id),  # self-click
            click(ada_link, utc(15, 14), "slack", kind="bot"),
            click(ada_link, utc(15, 14, 1), "curl", kind="head"),
            click(ada_link, utc(15, 14, 2), "safari", kind="prefetch"),
            click(ada_link, utc(15, 23, 10), "v4"),  # 00:10 on the 16th in Paris
            click(bob_link, utc(15, 9), "v5"),
            click(bob_link, utc(15, 9, 1), "twitterbot", kind="bot"),
            click(post_link, utc(15, 16), "v6"),
        ]
    )
    yesterday_share: Any = ShareFactory(
        membership=ada,
        post=launch,
        network="mastodon",
        method=ShareMethod.API,
        status=ShareStatus.SHARED,
        shared_at=utc(14, 10),
    )
    todays_share: Any = ShareFactory(
        membership=ada,
        post=other,
        network="mastodon",
        method=ShareMethod.API,
        status=ShareStatus.SHARED,
        shared_at=utc(15, 8),
    )
    bob_share: Any = ShareFactory(
        membership=bob,
        post=launch,
        network="bluesky",
        method=ShareMethod.INTENT,
        status=ShareStatus.SHARED,
        shared_at=utc(15, 9),
    )
    ShareFactory(
        membership=bob,
        post=other,
        network="bluesky",
        method=ShareMethod.INTENT,
        status=ShareStatus.SHARED,
        shared_at=utc(15, 23, 30),
    )  # 00:30 on the 16th in Paris
    ShareFactory(
        membership=bob,
        post=other,
        network="mastodon",
        method=ShareMethod.INTENT,
        status=ShareStatus.OPENED,
        shared_at=None,
    )  # opened, never confirmed: not a share
    ShareFactory(
        membership=ada,
        post=launch,
        network="linkedin",
        method=ShareMethod.INTENT,
        status=ShareStatus.UNDONE,
        shared_at=utc(15, 11),
    )  # undone: not a share
    for moment, reactions, reposts, replies, impressions in [
        (utc(14, 20), 5, 1, 0, None),
        (utc(15, 6), 8, 1, 2, None),
        (utc(15, 18), 12, 3, 1, 100),  # replies went down: no negative growth
        (utc(15, 23, 30), 15, 3, 1, 150),  # the 16th in Paris
    ]:
        ShareMetrics.objects.create(
            share=yesterday_share,
            fetched_at=moment,
            reactions=reactions,
            reposts=reposts,
            replies=replies,
            impressions=impressions,
        )
    return SimpleNamespace(
        organization=organization,
        ada=ada,
        bob=bob,
        launch=launch,
        other=other,
        ada_link=ada_link,
        bob_link=bob_link,
        post_link=post_link,
        yesterday_share=yesterday_share,
        todays_share=todays_share,
        bob_share=bob_share,
    )


def day_expected(w: SimpleNamespace) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {
        (w.launch.pk, w.ada.pk, "mastodon"): expected(
            campaign="spring",
            clicks=3,
            unique_clicks=2,
            self_clicks=1,
            previews=3,
            reactions=7,
            reposts=2,
            replies=1,
            impressions=100,
        ),
        (w.launch.pk, w.bob.pk, "bluesky"): expected(
            campaign="spring",
            shares=1,
            clicks=1,
            unique_clicks=1,
            previews=1,
        ),
        (w.launch.pk, None, ""): expected(campaign="spring", clicks=1, unique_clicks=1),
        (w.other.pk, w.ada.pk, "mastodon"): expected(shares=1, potential_reach=120),
    }


def test_day_boundaries_are_the_site_time_zone_midnights() -> None:
    assert day_bounds(DAY) == (utc(14, 23), utc(15, 23))


def test_rollup_day_counts_every_field_per_post_member_and_network(world: Any) -> None:
    assert rollup_day(organization_id=world.organization.pk, day=DAY) == 4
    assert stats(world.organization, DAY) == day_expected(world)


def test_rollup_of_the_day_before_has_its_own_clicks_shares_and_first_metrics(world: Any) -> None:
    rollup_day(organization_id=world.organization.pk, day=BEFORE)
    assert stats(world.organization, BEFORE) == {
        (world.launch.pk, world.ada.pk, "mastodon"): expected(
            campaign="spring",
            shares=1,
            potential_reach=120,
            clicks=1,
            unique_clicks=1,
            reactions=5,
            reposts=1,
        ),
    }


def test_rollup_of_the_next_day_counts_growth_since_the_last_snapshot_before_it(
    world: Any,
) -> None:
    rollup_day(organization_id=world.organization.pk, day=AFTER)
    assert stats(world.organization, AFTER) == {
        (world.launch.pk, world.ada.pk, "mastodon"): expected(
            campaign="spring",
            clicks=1,
            unique_clicks=1,
            reactions=3,
            impressions=50,
        ),
        (world.other.pk, world.bob.pk, "bluesky"): expected(shares=1),
    }


def test_rollup_day_twice_changes_nothing(world: Any) -> None:
    rollup_day(organization_id=world.organization.pk, day=DAY)
    first = stats(world.organization, DAY)
    assert rollup_day(organization_id=world.organization.pk, day=DAY) == 4
    assert stats(world.organization, DAY) == first
    assert DailyShareStats.objects.filter(day=DAY).count() == 4


def test_rollups_never_mix_organizations(world: Any) -> None:
    globex: Any = OrganizationFactory(slug="globex")
    member: Any = MembershipFactory(organization=globex)
    post: Any = PostFactory(organization=globex)
    link = Link.objects.create(
        organization=globex,
        code="globex1",
        post=post,
        membership=member,
        network="mastodon",
        destination="https://globex.example/",
    )
    clicks_store([click(link, utc(15, 12), "v2"), click(link, utc(15, 12, 5), "x", kind="bot")])
    ShareFactory(
        membership=member,
        post=post,
        network="mastodon",
        status=ShareStatus.SHARED,
        shared_at=utc(15, 8),
    )
    rollup_day(organization_id=world.organization.pk, day=DAY)
    rollup_day(organization_id=globex.pk, day=DAY)
    assert stats(world.organization, DAY) == day_expected(world)
    assert stats(globex, DAY) == {
        (post.pk, member.pk, "mastodon"): expected(shares=1, clicks=1, unique_clicks=1, previews=1),
    }
    # Rebuilding one organization's day leaves the other's rows alone.
    rollup_day(organization_id=world.organization.pk, day=DAY)
    assert DailyShareStats.objects.filter(organization=globex, day=DAY).count() == 1


def test_refresh_rebuilds_every_day_with_new_rows_then_nothing(
    world: Any, rollups_refresh: Any
) -> None:
    result = rollups_refresh()
    assert result["days"] == 3
    assert stats(world.organization, DAY) == day_expected(world)
    assert set(DailyShareStats.objects.values_list("day", flat=True).distinct()) == {
        BEFORE,
        DAY,
        AFTER,
    }
    assert not RollupDirtyDay.objects.exists()
    assert rollups_refresh()["days"] == 0


def test_late_click_drained_hours_later_lands_on_its_own_day(
    world: Any, rollups_refresh: Any
) -> None:
    rollups_refresh()
    untouched = DailyShareStats.objects.get(day=BEFORE).pk
    # Drained late (after clicks of the 16th were stored): belongs to the 15th.
    clicks_store([click(world.bob_link, utc(15, 20), "v7")])
    result = rollups_refresh()
    assert result["clicks"] == 1
    assert result["days"] == 1
    figures = day_expected(world)
    figures[world.launch.pk, world.bob.pk, "bluesky"].update(clicks=2, unique_clicks=2)
    assert stats(world.organization, DAY) == figures
    assert DailyShareStats.objects.get(day=BEFORE).pk == untouched


def test_reclassified_bot_visitor_corrects_link_counters_and_the_day(
    world: Any, rollups_refresh: Any
) -> None:
    rollups_refresh()
    changed = clicks_reclassify_as_bot(
        organization_id=world.organization.pk, visitor_key="v1", bot_name="Headless crawler"
    )
    assert changed == 2
    assert set(Click.objects.filter(visitor_key="v1").values_list("kind", "bot_name")) == {
        ("bot", "Headless crawler")
    }
    world.ada_link.refresh_from_db()
    # Before: 5 person clicks (v3, v1, v1, v2, v4), 4 unique, 1 self, 3 previews.
    assert (
        world.ada_link.clicks,
        world.ada_link.unique_clicks,
        world.ada_link.self_clicks,
        world.ada_link.previews,
    ) == (3, 3, 1, 5)
    assert rollups_refresh()["days"] == 1
    figures = day_expected(world)
    figures[world.launch.pk, world.ada.pk, "mastodon"].update(clicks=1, unique_clicks=1, previews=5)
    assert stats(world.organization, DAY) == figures


def test_reclassify_by_click_ids_touches_only_that_organizations_person_clicks(
    world: Any,
) -> None:
    bot = Click.objects.get(visitor_key="slack")
    person = Click.objects.get(visitor_key="v2")
    globex: Any = OrganizationFactory(slug="globex")
    assert clicks_reclassify_as_bot(organization_id=globex.pk, click_ids=[person.pk, bot.pk]) == 0
    assert (
        clicks_reclassify_as_bot(
            organization_id=world.organization.pk, click_ids=[person.pk, bot.pk]
        )
        == 1
    )
    person.refresh_from_db()
    assert (person.kind, person.is_unique) == ("bot", False)
    assert set(RollupDirtyDay.objects.values_list("organization_id", "day")) == {
        (world.organization.pk, DAY)
    }


def test_undone_share_is_taken_out_of_its_day(world: Any, rollups_refresh: Any) -> None:
    rollups_refresh()
    world.bob_share.status = ShareStatus.UNDONE
    world.bob_share.save()
    rollups_refresh()
    figures = day_expected(world)
    figures[world.launch.pk, world.bob.pk, "bluesky"].update(shares=0)
    assert stats(world.organization, DAY) == figures


def test_deleted_share_takes_its_share_and_engagement_out_of_every_day(
    world: Any, rollups_refresh: Any
) -> None:
    rollups_refresh()
    world.yesterday_share.delete()
    assert rollups_refresh()["days"] == 3
    figures = day_expected(world)
    figures[world.launch.pk, world.ada.pk, "mastodon"].update(
        reactions=0, reposts=0, replies=0, impressions=None
    )
    assert stats(world.organization, DAY) == figures
    assert stats(world.organization, BEFORE) == {
        (world.launch.pk, world.ada.pk, "mastodon"): expected(
            campaign="spring", clicks=1, unique_clicks=1
        ),
    }


def test_new_metrics_snapshot_updates_the_days_engagement(world: Any, rollups_refresh: Any) -> None:
    rollups_refresh()
    ShareMetrics.objects.create(
        share=world.todays_share, fetched_at=utc(15, 21), reactions=4, reposts=0, replies=1
    )
    assert rollups_refresh() == {
        "clicks": 0,
        "metrics": 1,
        "shares": 0,
        "group_changes": 0,
        "days": 1,
        "rows": 4,
    }
    figures = day_expected(world)
    figures[world.other.pk, world.ada.pk, "mastodon"].update(reactions=4, replies=1)
    assert stats(world.organization, DAY) == figures


def test_a_click_committed_behind_the_watermark_is_caught_by_the_daily_recheck(
    world: Any, rollups_refresh: Any, clock: Any
) -> None:
    from chorus.analytics.models import RollupState
    from chorus.analytics.rollups import rollups_recheck_recent

    rollups_refresh()
    # Another transaction's click commits with an id the watermark has already passed.
    clicks_store([click(world.bob_link, utc(19, 20), "v8")])
    RollupState.objects.filter(source="clicks").update(last_id=Click.objects.order_by("-id")[0].id)
    assert rollups_refresh()["days"] == 0  # missed by the watermark
    before = DailyShareStats.objects.filter(day=date(2026, 1, 19), clicks__gt=0).count()
    # The next day's recheck of the two days before today (the 20th) rebuilds the 19th.
    assert rollups_recheck_recent() == 2
    assert rollups_refresh()["days"] == 2
    after = DailyShareStats.objects.get(day=date(2026, 1, 19), post=world.launch, network="bluesky")
    assert before == 0
    assert (after.clicks, after.unique_clicks) == (1, 1)


# -- the coarser rollups ------------------------------------------------------------------


def coarse(model: Any, organization: Any, *key: str) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """(shares, clicks, reactions, reposts, replies, potential reach) summed per key."""
    summed: dict[tuple[Any, ...], list[int]] = {}
    for row in model.objects.filter(organization=organization).values():
        into = summed.setdefault(tuple(row[name] for name in key), [0] * 6)
        for index, name in enumerate(
            ("shares", "clicks", "reactions", "reposts", "replies", "potential_reach")
        ):
            into[index] += row[name]
    return {found: tuple(values) for found, values in summed.items()}


def test_rollup_day_writes_the_rows_per_network_post_member_and_group(world: Any) -> None:
    sales: Any = GroupFactory(organization=world.organization, name="Sales")
    sales.members.set(
        [world.ada, *(MembershipFactory(organization=world.organization) for _ in range(4))]
    )
    tiny: Any = GroupFactory(organization=world.organization, name="Tiny")
    tiny.members.set([world.bob])
    rollup_day(organization_id=world.organization.pk, day=DAY)
    # From day_expected: (shares, clicks, reactions, reposts, replies, potential reach).
    assert coarse(DailyNetworkStats, world.organization, "network", "campaign") == {
        ("mastodon", "spring"): (0, 3, 7, 2, 1, 0),
        ("bluesky", "spring"): (1, 1, 0, 0, 0, 0),
        ("", "spring"): (0, 1, 0, 0, 0, 0),
        ("mastodon", ""): (1, 0, 0, 0, 0, 120),
    }
    network = DailyNetworkStats.objects.get(network="mastodon", campaign="spring")
    assert (network.unique_clicks, network.self_clicks, network.previews) == (2, 1, 3)
    assert (network.impressions, network.impressions_rows) == (100, 1)
    assert coarse(DailyPostStats, world.organization, "post_id") == {
        (world.launch.pk,): (1, 5, 7, 2, 1, 0),
        (world.other.pk,): (1, 0, 0, 0, 0, 120),
    }
    # The post's own link has no member: it is in no member's or group's row.
    assert coarse(DailyMemberStats, world.organization, "membership_id") == {
        (world.ada.pk,): (1, 3, 7, 2, 1, 120),
        (world.bob.pk,): (1, 1, 0, 0, 0, 0),
    }
    # Sales (5 members) has ada; Tiny (1 member) has bob, and is "Other" (no group) in
    # the comparison. Per network: ada's two rows are both on Mastodon.
    assert coarse(DailyGroupStats, world.organization, "group_id", "network") == {
        (sales.pk, "mastodon"): (1, 3, 7, 2, 1, 120),
        (tiny.pk, "bluesky"): (1, 1, 0, 0, 0, 0),
        (None, "bluesky"): (1, 1, 0, 0, 0, 0),
    }
    group_row = DailyGroupStats.objects.get(group=sales)
    assert (group_row.unique_clicks, group_row.self_clicks, group_row.previews) == (2, 1, 3)
    assert (group_row.impressions, group_row.impressions_rows) == (100, 1)
    # Rebuilt, the same rows again, not twice.
    rollup_day(organization_id=world.organization.pk, day=DAY)
    assert DailyMemberStats.objects.filter(organization=world.organization).count() == 2
    assert DailyGroupStats.objects.filter(organization=world.organization).count() == 3


def test_group_rows_follow_group_changes_on_the_next_refresh(
    world: Any, rollups_refresh: Any
) -> None:
    sales: Any = GroupFactory(organization=world.organization, name="Sales")
    others = [MembershipFactory(organization=world.organization) for _ in range(4)]
    sales.members.set([world.ada, *others])
    assert rollups_refresh()["group_changes"] == 1  # first look at this organization
    assert coarse(DailyGroupStats, world.organization, "group_id", "day")[sales.pk, DAY] == (
        1, 3, 7, 2, 1, 120
    )  # fmt: skip
    assert rollups_refresh()["group_changes"] == 0
    # Bob joins Sales: the group's past days now count him.
    sales.members.add(world.bob)
    assert rollups_refresh()["group_changes"] == 1
    assert coarse(DailyGroupStats, world.organization, "group_id", "day")[sales.pk, DAY] == (
        2, 4, 7, 2, 1, 120
    )  # fmt: skip
    # Ada is deactivated: Sales counts its active members only.
    world.ada.is_active = False
    world.ada.save(update_fields=["is_active"])
    assert rollups_refresh()["group_changes"] == 1
    assert coarse(DailyGroupStats, world.organization, "group_id", "day")[sales.pk, DAY] == (
        1, 1, 0, 0, 0, 0
    )  # fmt: skip
    # A swap that keeps the count (bob out, another member in) is seen too.
    newcomer = MembershipFactory(organization=world.organization)
    sales.members.remove(world.bob)
    sales.members.add(newcomer)
    assert rollups_refresh()["group_changes"] == 1
    assert (sales.pk, DAY) not in coarse(DailyGroupStats, world.organization, "group_id", "day")


# The rebuild command ------------------------------------------------------------------


def test_the_rebuild_command_rebuilds_each_day_of_the_range(world: Any) -> None:
    out = io.StringIO()
    call_command("rollups_rebuild", world.organization.slug, str(BEFORE), str(AFTER), stdout=out)
    assert stats(world.organization, DAY) == day_expected(world)
    assert "Rebuilt 3 days" in out.getvalue()
    # Rebuilding again changes nothing.
    call_command("rollups_rebuild", world.organization.slug, str(DAY), str(DAY), stdout=out)
    assert stats(world.organization, DAY) == day_expected(world)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody", "2026-01-01", "2026-01-02"], "No organization has the slug"),
        (["{slug}", "2026-01-32", "2026-02-01"], "Write days as YYYY-MM-DD"),
        (["{slug}", "2026-02-01", "2026-01-01"], "The last day comes before the first"),
        (["{slug}", "1026-01-01", "2026-01-01"], "rebuild in parts"),
    ],
)
def test_the_rebuild_command_refuses_bad_input_and_writes_nothing(
    world: Any, arguments: list[str], message: str
) -> None:
    arguments = [value.format(slug=world.organization.slug) for value in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("rollups_rebuild", *arguments)
    assert not DailyShareStats.objects.exists()
