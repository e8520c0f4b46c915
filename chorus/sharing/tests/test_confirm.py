"""An opened share counts as shared once someone else follows the member's tracked link.

Clicks go through the real drainer (clicks_store), which decides self-clicks; the
confirmation runs as the periodic task does (chorus.sharing.tasks.shares_confirm_clicked).
Rollups and points then follow from the share's change, as in production.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from chorus.accounts.models import ProgramStatus
from chorus.analytics import rollups
from chorus.analytics.models import DailyShareStats
from chorus.core.models import AuditEvent
from chorus.core.scheduler import PERIODIC_SECONDS
from chorus.factories import MembershipFactory, OrganizationFactory, PostFactory, ShareFactory
from chorus.gamification.awards import points_refresh
from chorus.gamification.models import PointEntry, Rule
from chorus.links.models import Link
from chorus.links.services.links import clicks_store
from chorus.links.sinks import ClickRecord
from chorus.notifications.models import Notification
from chorus.sharing import tasks
from chorus.sharing.models import Share, ShareMethod, ShareStatus
from chorus.sharing.services.confirm import shares_confirm_clicked

OPENED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
_events = itertools.count()


@pytest.fixture(autouse=True)
def _utc(settings: Any) -> None:
    settings.TIME_ZONE = "UTC"


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(OPENED_AT + timedelta(days=1), tick=False) as traveller:
        yield traveller


@pytest.fixture
def member(organization: Any) -> Any:
    return MembershipFactory(organization=organization, program_status=ProgramStatus.JOINED)


@pytest.fixture
def link(organization: Any, member: Any) -> Link:
    post: Any = PostFactory(organization=organization)
    return Link.objects.create(
        organization=organization,
        code="maya1",
        post=post,
        membership=member,
        network="x",
        destination="https://acme.example/",
    )


def opened(link: Link, *, at: datetime = OPENED_AT, status: str = ShareStatus.OPENED) -> Any:
    share: Any = ShareFactory(
        organization=link.organization,
        membership=link.membership,
        post=link.post,
        network=link.network,
        method=ShareMethod.INTENT,
        status=status,
        link=link,
        created_at=at,
        shared_at=at if status == ShareStatus.SHARED else None,
    )
    return share


def click(
    link: Link,
    at: datetime,
    *,
    visitor: str = "someone",
    kind: str = "click",
    user: Any = None,
    outcome: str = "redirected",
) -> None:
    clicks_store(
        [
            ClickRecord(
                event_id=f"event-{next(_events)}",
                moment=at.timestamp(),
                link_id=link.pk,
                organization_id=link.organization_id,
                kind=kind,
                bot="LinkedInBot" if kind == "bot" else "",
                referrer="",
                user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
                visitor=visitor,
                user_id=user,
                outcome=outcome,
            )
        ]
    )


def refreshed(share: Share) -> Share:
    share.refresh_from_db()
    return share


def test_a_click_from_someone_else_confirms_an_opened_share_at_that_click(link):
    share = opened(link)
    first = OPENED_AT + timedelta(minutes=20)
    click(link, first, visitor="reader-1")
    click(link, first + timedelta(minutes=5), visitor="reader-2")

    assert tasks.shares_confirm_clicked.call() == 1

    share = refreshed(share)
    assert share.status == ShareStatus.SHARED
    assert share.shared_at == first
    event = AuditEvent.objects.get(action="share.confirmed_by_click")
    assert event.target_id == str(share.pk) and event.actor is None
    # The member hears of it, in their own words: once, pointing at their shares.
    notice = Notification.objects.get(membership=share.membership, kind="share_confirmed")
    assert f"“{share.post.title}” on X is confirmed" in notice.message
    assert notice.url == reverse("share_history")


def test_confirming_again_changes_nothing(link):
    share = opened(link)
    click(link, OPENED_AT + timedelta(minutes=20))

    assert shares_confirm_clicked() == 1
    assert shares_confirm_clicked() == 0
    assert refreshed(share).status == ShareStatus.SHARED
    assert Notification.objects.filter(kind="share_confirmed").count() == 1


def test_a_german_member_is_told_in_german(link):
    share = opened(link)
    share.membership.user.language = "de"
    share.membership.user.save(update_fields=["language"])
    click(link, OPENED_AT + timedelta(minutes=20))
    shares_confirm_clicked()
    notice = Notification.objects.get(kind="share_confirmed")
    assert notice.message.startswith("Dein geteilter Beitrag")


@pytest.mark.parametrize(
    "kind, own, outcome",
    [
        ("bot", False, "redirected"),  # a link preview
        ("head", False, "redirected"),
        ("prefetch", False, "redirected"),
        ("click", True, "redirected"),  # the sharer's own click
        ("click", False, "unavailable"),  # a withdrawn post's dead end: counts in no figure
    ],
)
def test_previews_own_clicks_and_dead_ends_do_not_confirm(link, member, kind, own, outcome):
    share = opened(link)
    user = member.user_id if own else None
    click(link, OPENED_AT + timedelta(minutes=20), kind=kind, user=user, outcome=outcome)

    assert shares_confirm_clicked() == 0
    assert refreshed(share).status == ShareStatus.OPENED


def test_a_click_before_the_share_was_opened_does_not_confirm_it(link):
    click(link, OPENED_AT - timedelta(hours=1))
    share = opened(link)

    assert shares_confirm_clicked() == 0
    assert refreshed(share).status == ShareStatus.OPENED


def test_only_the_latest_opened_share_on_the_link_is_confirmed(link):
    older = opened(link, at=OPENED_AT - timedelta(hours=2))
    latest = opened(link)
    click(link, OPENED_AT + timedelta(minutes=20))

    assert shares_confirm_clicked() == 1
    assert refreshed(older).status == ShareStatus.OPENED
    assert refreshed(latest).status == ShareStatus.SHARED


def test_a_link_already_shared_does_not_confirm_another_opened_share(link):
    # Shared last week, opened again today but not posted: the click may be the old post's.
    opened(link, at=OPENED_AT - timedelta(days=7), status=ShareStatus.SHARED)
    again = opened(link)
    click(link, OPENED_AT + timedelta(minutes=20))

    assert shares_confirm_clicked() == 0
    assert refreshed(again).status == ShareStatus.OPENED


def test_undone_and_other_members_shares_are_left_alone(link, organization):
    undone = opened(link, status=ShareStatus.UNDONE)
    other_link = Link.objects.create(
        organization=organization,
        code="bob1",
        post=link.post,
        membership=MembershipFactory(organization=organization),
        network="x",
        destination="https://acme.example/",
    )
    others = opened(other_link)
    click(link, OPENED_AT + timedelta(minutes=20))

    assert shares_confirm_clicked() == 0
    assert refreshed(undone).status == ShareStatus.UNDONE
    assert refreshed(others).status == ShareStatus.OPENED


def test_every_organization_is_confirmed_by_the_periodic_task(link):
    elsewhere = OrganizationFactory(slug="globex")
    their_member = MembershipFactory(organization=elsewhere)
    their_link = Link.objects.create(
        organization=elsewhere,
        code="glob1",
        post=PostFactory(organization=elsewhere),
        membership=their_member,
        network="linkedin",
        destination="https://globex.example/",
    )
    ours, theirs = opened(link), opened(their_link)
    click(link, OPENED_AT + timedelta(minutes=20))
    click(their_link, OPENED_AT + timedelta(minutes=30))

    assert tasks.shares_confirm_clicked.call() == 2
    assert refreshed(ours).status == refreshed(theirs).status == ShareStatus.SHARED
    assert PERIODIC_SECONDS["chorus.sharing.tasks.shares_confirm_clicked"] == 60


def test_a_confirmed_share_counts_in_the_rollups_and_earns_its_points(link, member, clock):
    share = opened(link)
    # The day before, when the share was opened: analytics saw clicks and no share.
    click(link, OPENED_AT + timedelta(minutes=20))
    click(link, OPENED_AT + timedelta(minutes=40), visitor="reader-2")
    rollups.rollups_refresh()
    points_refresh()
    day = DailyShareStats.objects.get(day=date(2026, 3, 10), membership=member)
    assert (day.shares, day.clicks) == (0, 2)
    assert not PointEntry.objects.filter(rule=Rule.SHARE).exists()

    clock.shift(timedelta(minutes=10))
    shares_confirm_clicked()
    clock.shift(rollups.SHARES_OVERLAP * 2)
    rollups.rollups_refresh()
    points_refresh()

    day = DailyShareStats.objects.get(day=date(2026, 3, 10), membership=member)
    assert (day.shares, day.clicks) == (1, 2)
    entry = PointEntry.objects.get(rule=Rule.SHARE)
    assert (entry.source_id, entry.membership_id) == (share.pk, member.pk)
