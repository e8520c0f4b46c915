"""The digest: what each member gets, when, and only once per period."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from chorus.accounts.models import Group, GroupKind, Organization, ProgramStatus
from chorus.content.models import Post, PostState
from chorus.factories import GroupFactory, PostFactory, ShareFactory, UserFactory
from chorus.notifications.messages import Category
from chorus.notifications.models import DeliveryPreference, DigestFrequency, Dispatch
from chorus.notifications.services.delivery import dispatch_create
from chorus.notifications.services.sending import deliveries_send_run
from chorus.reach.links import share_link_read
from chorus.reach.services.composers import digest_compose
from chorus.reach.services.digests import digests_queue_due
from chorus.reach.tests.conftest import RecordingChannel, joined
from chorus.sharing.models import ShareStatus
from chorus.sharing.selectors.feed import feed_posts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]

# Monday 7 December 2026, 08:00 UTC = 09:00 in Berlin = 03:00 in New York.
MONDAY_NINE_BERLIN = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)


def _weekly(organization: Organization) -> Dispatch:
    return dispatch_create(
        organization=organization,
        category=Category.DIGEST,
        key="digest:weekly:2026-W50",
        composer="digest",
        params={"frequency": "weekly"},
    )


def _live(organization: Organization, days_ago: float = 1, **fields: Any) -> Post:
    post: Post = PostFactory.create(organization=organization, state=PostState.LIVE, **fields)
    Post.objects.filter(pk=post.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    post.refresh_from_db()
    return post


def test_the_digest_lists_new_posts_targeted_at_the_member_and_not_shared_newest_first(
    organization: Organization,
) -> None:
    sales: Group = GroupFactory.create(organization=organization, name="Sales")
    support: Group = GroupFactory.create(organization=organization, name="Support")
    berlin: Group = GroupFactory.create(
        organization=organization, kind=GroupKind.REGION, name="Berlin"
    )
    member = joined(organization)
    sales.members.add(member)
    _live(organization, days_ago=3, title="For everyone")
    for_sales = _live(organization, days_ago=1, title="For sales", target_all=False)
    for_sales.target_groups.add(sales)
    sales_in_berlin = _live(organization, title="Sales in Berlin", target_all=False)
    sales_in_berlin.target_groups.add(sales, berlin)
    for_support = _live(organization, title="For support", target_all=False)
    for_support.target_groups.add(support)
    _live(organization, days_ago=10, title="Too old")
    PostFactory(organization=organization, title="A draft")
    shared = _live(organization, title="Already shared")
    ShareFactory(membership=member, post=shared, status=ShareStatus.SHARED)

    [message] = digest_compose(_weekly(organization), [member])

    assert message is not None
    assert [item.title for item in message.items] == ["For sales", "For everyone"]
    assert message.subject == "2 new posts to share this week"
    # The same targeting as the member's feed.
    in_feed = set(
        feed_posts(organization=organization, membership=member).values_list("title", flat=True)
    )
    assert {item.title for item in message.items} <= in_feed
    assert "Sales in Berlin" not in in_feed
    link = share_link_read(message.items[0].actions[0].url.rsplit("/", 2)[-2])
    assert (link.membership_id, link.post_id) == (member.pk, for_sales.pk)
    assert message.items[0].url == f"https://chorus.example/feed/{for_sales.pk}/"


def test_a_member_with_nothing_new_gets_no_digest(organization: Organization) -> None:
    member = joined(organization)
    _live(organization, days_ago=9)
    shared = _live(organization)
    ShareFactory(membership=member, post=shared, status=ShareStatus.OPENED)

    assert digest_compose(_weekly(organization), [member, None]) == [None, None]


def test_the_digest_holds_at_most_eight_posts(organization: Organization) -> None:
    member = joined(organization)
    for number in range(10):
        _live(organization, days_ago=1 + number / 10, title=f"Post {number}")

    [message] = digest_compose(_weekly(organization), [member])

    assert message is not None
    assert [item.title for item in message.items] == [f"Post {n}" for n in range(8)]


def test_the_digest_is_written_in_the_members_language(organization: Organization) -> None:
    member = joined(organization, user=UserFactory(language="de"))
    english = joined(organization)
    _live(organization)

    german_message, english_message = digest_compose(_weekly(organization), [member, english])

    assert german_message is not None and english_message is not None
    assert german_message.language == "de"
    assert english_message.language == "en"


def test_a_batch_of_members_costs_the_same_few_queries_as_one(
    organization: Organization, django_assert_max_num_queries: Any
) -> None:
    group: Group = GroupFactory.create(organization=organization)
    members = [joined(organization) for _ in range(30)]
    group.members.add(*members)
    post = _live(organization, target_all=False)
    post.target_groups.add(group)
    _live(organization)
    dispatch = _weekly(organization)
    for member in members:
        member.user  # noqa: B018 - the sender reads members with their users

    with django_assert_max_num_queries(6):
        messages = digest_compose(dispatch, members)

    assert all(message is not None and len(message.items) == 2 for message in messages)


def _prefers(member: Any, **fields: Any) -> None:
    DeliveryPreference.objects.create(
        organization_id=member.organization_id, membership=member, quiet_hours=False, **fields
    )


def test_digests_are_queued_at_each_members_local_time_once_a_period(
    organization: Organization, email: RecordingChannel
) -> None:
    berlin = joined(organization)
    _prefers(berlin, time_zone="Europe/Berlin")
    new_york = joined(organization)
    _prefers(new_york, time_zone="America/New_York")
    site_default = joined(organization)  # no preferences: weekly, Monday 09:00, site zone
    daily = joined(organization)
    _prefers(daily, digest_frequency=DigestFrequency.DAILY, digest_time=datetime.time(7, 30))
    joined(organization, is_active=False)
    from chorus.factories import MembershipFactory

    MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)

    with time_machine.travel(MONDAY_NINE_BERLIN - datetime.timedelta(minutes=15), tick=False):
        _live(organization, days_ago=0.1)
        assert digests_queue_due(organization=organization) == 1  # only the daily one
    with time_machine.travel(MONDAY_NINE_BERLIN, tick=False):
        assert digests_queue_due(organization=organization) == 2  # Berlin and the default
        assert digests_queue_due(organization=organization) == 0
    with time_machine.travel(MONDAY_NINE_BERLIN + datetime.timedelta(hours=6), tick=False):
        assert digests_queue_due(organization=organization) == 1  # New York's 09:00
        deliveries_send_run(organization_id=organization.pk)
    with time_machine.travel(MONDAY_NINE_BERLIN + datetime.timedelta(days=2), tick=False):
        # Wednesday: the daily member's next day; nobody's weekly digest again.
        assert digests_queue_due(organization=organization) == 1

    keys = set(Dispatch.objects.values_list("key", flat=True))
    assert keys == {
        "digest:weekly:2026-W50",
        "digest:daily:2026-12-07",
        "digest:daily:2026-12-09",
    }
    got = sorted(outgoing.membership.pk for outgoing in email.sent)
    assert got == sorted([berlin.pk, new_york.pk, site_default.pk, daily.pk])
    assert {outgoing.message.subject for outgoing in email.sent} == {
        "1 new post to share this week",
        "1 new post to share today",
    }
    assert all(outgoing.message.unsubscribe_url for outgoing in email.sent)


def test_a_member_who_turned_the_digest_off_gets_none(organization: Organization) -> None:
    member = joined(organization)
    _prefers(member, digest_frequency=DigestFrequency.OFF)
    with time_machine.travel(MONDAY_NINE_BERLIN, tick=False):
        assert digests_queue_due(organization=organization) == 0


def test_a_digest_is_not_sent_days_late_to_someone_who_joined_after_its_time(
    organization: Organization,
) -> None:
    member = joined(organization)  # the defaults: weekly, Monday 09:00, site time zone
    sunday = MONDAY_NINE_BERLIN + datetime.timedelta(days=6)
    with time_machine.travel(sunday, tick=False):
        _live(organization, days_ago=0.1)
        assert digests_queue_due(organization=organization) == 0
    with time_machine.travel(MONDAY_NINE_BERLIN + datetime.timedelta(days=7, hours=3)):
        assert digests_queue_due(organization=organization) == 1  # the next Monday, 3 h late
    assert Dispatch.objects.get().key == "digest:weekly:2026-W51"
    assert member.deliveries.count() == 1
