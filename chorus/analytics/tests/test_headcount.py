"""Daily headcount: members, invited, joined, connected and sharers, snapshotted on the day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from chorus.accounts.models import Invitation, Membership, ProgramStatus
from chorus.analytics.models import DailyGroupHeadcount, DailyHeadcount, DailyMemberStats
from chorus.analytics.rollups import headcount_snapshot, headcounts_daily
from chorus.factories import (
    GroupFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    ShareFactory,
)
from chorus.sharing.models import ConnectionStatus, ShareStatus

# Wednesday 2026-03-18, 10:00 in Paris (UTC+1 until the end of March).
NOW = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 18)
FIGURES = (
    "members",
    "invited",
    "joined",
    "connected",
    "sharers_30_days",
    "sharers_3_of_4_weeks",
)


@pytest.fixture(autouse=True)
def _paris(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def figures(snapshot: DailyHeadcount) -> tuple[int, ...]:
    return tuple(getattr(snapshot, name) for name in FIGURES)


def invitation(organization: Any, email: str, **values: Any) -> Invitation:
    return Invitation.objects.create(
        organization=organization,
        email=email,
        token_hash=email,
        expires_at=values.pop("expires_at", NOW + timedelta(days=7)),
        **values,
    )


def shared(member: Any, *moments: datetime, status: str = ShareStatus.SHARED) -> None:
    for moment in moments:
        ShareFactory(membership=member, status=status, shared_at=moment)


def days_ago(days: int, hour: int = 11) -> datetime:
    return datetime(2026, 3, 18, hour, 0, tzinfo=UTC) - timedelta(days=days)


@pytest.fixture
def acme(db: None, clock: Any) -> Any:
    organization: Any = OrganizationFactory(slug="acme")
    joined = {"program_status": ProgramStatus.JOINED}
    steady: Any = MembershipFactory(organization=organization, **joined)
    occasional: Any = MembershipFactory(organization=organization, **joined)
    lapsed: Any = MembershipFactory(organization=organization, **joined)
    MembershipFactory(organization=organization)  # not joined, never shared
    gone: Any = MembershipFactory(organization=organization, is_active=False, **joined)
    NetworkConnectionFactory(membership=steady, network="mastodon")
    NetworkConnectionFactory(membership=steady, network="bluesky")
    NetworkConnectionFactory(membership=occasional, network="mastodon")
    NetworkConnectionFactory(membership=lapsed, network="mastodon", status=ConnectionStatus.EXPIRED)
    NetworkConnectionFactory(membership=gone, network="mastodon")
    # Weeks up to today: [Mar 12-18], [Mar 5-11], [Feb 26-Mar 4], [Feb 19-25].
    shared(steady, days_ago(0), days_ago(8), days_ago(15))  # three of the four weeks
    shared(occasional, days_ago(1), days_ago(2), days_ago(22))  # two of the four weeks
    shared(lapsed, days_ago(30))  # 31 days ago: outside both windows
    shared(lapsed, days_ago(3), status=ShareStatus.UNDONE)  # undone: not a share
    shared(gone, days_ago(1), days_ago(8), days_ago(15))  # no longer a member
    invitation(organization, "open@acme.test")
    invitation(organization, "expired@acme.test", expires_at=NOW - timedelta(hours=1))
    invitation(organization, "revoked@acme.test", revoked_at=NOW - timedelta(days=1))
    invitation(organization, "accepted@acme.test", accepted_at=NOW - timedelta(days=1))
    return organization


def test_headcount_counts_members_invitations_joined_connected_and_sharers(acme: Any) -> None:
    snapshot = headcount_snapshot(organization_id=acme.pk, day=TODAY)
    assert figures(snapshot) == (4, 1, 3, 2, 2, 1)


def test_weeks_of_three_of_four_start_at_site_midnight(acme: Any) -> None:
    # The fourth week back starts on Feb 19 in Paris, 23:00 UTC on Feb 18.
    early: Any = MembershipFactory(organization=acme)
    shared(early, datetime(2026, 2, 18, 22, 30, tzinfo=UTC), days_ago(8), days_ago(0))
    late: Any = MembershipFactory(organization=acme)
    shared(late, datetime(2026, 2, 18, 23, 30, tzinfo=UTC), days_ago(8), days_ago(0))
    snapshot = headcount_snapshot(organization_id=acme.pk, day=TODAY)
    assert (snapshot.sharers_30_days, snapshot.sharers_3_of_4_weeks) == (4, 2)


def test_todays_headcount_follows_the_day_then_past_days_stay_as_they_were(
    acme: Any, clock: Any
) -> None:
    headcount_snapshot(organization_id=acme.pk, day=TODAY)
    MembershipFactory(organization=acme)
    assert headcount_snapshot(organization_id=acme.pk, day=TODAY).members == 5
    clock.shift(timedelta(days=1))
    MembershipFactory(organization=acme)
    yesterday = headcount_snapshot(organization_id=acme.pk, day=TODAY)
    assert figures(yesterday) == (5, 1, 3, 2, 2, 1)
    assert DailyHeadcount.objects.get(day=TODAY).members == 5
    assert headcount_snapshot(organization_id=acme.pk, day=TODAY + timedelta(days=1)).members == 6


def test_missing_past_day_is_filled_as_of_that_days_end(acme: Any, clock: Any) -> None:
    clock.shift(timedelta(days=2))
    shared(MembershipFactory(organization=acme), NOW + timedelta(days=1))  # after the day
    invitation(acme, "later@acme.test")  # sent after the day
    assert figures(headcount_snapshot(organization_id=acme.pk, day=TODAY)) == (4, 1, 3, 2, 2, 1)


def test_daily_task_fills_yesterday_and_today_for_every_organization(acme: Any, clock: Any) -> None:
    globex: Any = OrganizationFactory(slug="globex")
    MembershipFactory(organization=globex)
    clock.shift(timedelta(days=1))
    assert headcounts_daily() == 2
    assert set(DailyHeadcount.objects.values_list("organization__slug", "day", "members")) == {
        ("acme", TODAY, 4),
        ("acme", TODAY + timedelta(days=1), 4),
        ("globex", TODAY, 1),
        ("globex", TODAY + timedelta(days=1), 1),
    }


def test_no_headcount_for_a_day_to_come(acme: Any) -> None:
    with pytest.raises(ValueError, match="to come"):
        headcount_snapshot(organization_id=acme.pk, day=TODAY + timedelta(days=1))


def test_headcount_has_the_30_days_concentration_and_median_member(acme: Any) -> None:
    steady, occasional = Membership.objects.filter(
        organization=acme, is_active=True, program_status="joined"
    ).order_by("pk")[:2]

    def day_stats(member: Any, day: date, **figures: int) -> None:
        DailyMemberStats.objects.create(organization=acme, membership=member, day=day, **figures)

    day_stats(steady, TODAY, shares=1, clicks=50)
    day_stats(steady, TODAY - timedelta(days=29), shares=1, clicks=10, reactions=4)
    day_stats(steady, TODAY - timedelta(days=30), shares=9, clicks=1000)  # 31 days ago
    day_stats(occasional, TODAY - timedelta(days=1), shares=2, clicks=5, reactions=3, replies=1)
    snapshot = headcount_snapshot(organization_id=acme.pk, day=TODAY)
    # Activity: steady 2 + 60, occasional 2 + 5. Three members in the program: the top
    # 10% is one member (steady).
    assert (snapshot.activity_30_days, snapshot.top_tenth_activity_30_days) == (69, 62)
    assert snapshot.top_tenth == 1
    # The median of three in the program (lapsed did nothing): shares 2, 2, 0; clicks 60,
    # 5, 0; engagement 4, 4, 0.
    assert (
        snapshot.median_shares_30_days,
        snapshot.median_clicks_30_days,
        snapshot.median_engagement_30_days,
    ) == (2.0, 5.0, 4.0)


def test_group_headcount_counts_active_members_and_30_days_sharers(acme: Any) -> None:
    steady, occasional, lapsed = Membership.objects.filter(
        organization=acme, is_active=True, program_status="joined"
    ).order_by("pk")
    gone = Membership.objects.get(organization=acme, is_active=False)
    newcomers = [MembershipFactory(organization=acme) for _ in range(2)]
    big: Any = GroupFactory(organization=acme, name="Big")
    big.members.set([steady, occasional, lapsed, *newcomers, gone])  # 5 active
    legal: Any = GroupFactory(organization=acme, name="Legal")
    legal.members.set([occasional, newcomers[0], gone])
    board: Any = GroupFactory(organization=acme, name="Board")
    board.members.set([occasional])
    headcount_snapshot(organization_id=acme.pk, day=TODAY)
    rows = {
        row.group_id: (row.members, row.sharers_30_days)
        for row in DailyGroupHeadcount.objects.filter(organization=acme, day=TODAY)
    }
    # Big: steady and occasional shared in 30 days (gone did too, but left). Legal and
    # Board are smaller than 5: "Other" counts occasional and the newcomer once each.
    assert rows == {big.pk: (5, 2), None: (2, 1)}
