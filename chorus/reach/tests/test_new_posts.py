"""New posts for everyone told to the organization's channels that take them: a real Teams
webhook on loopback receives one card per post, once; posts for some groups, pilot-first
posts (until they open) and what goes live while sharing is paused wait or stay out."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from chorus.accounts.models import Group, Organization
from chorus.content.models import Post, PostState
from chorus.content.services.posts import post_publish
from chorus.factories import PostFactory
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import Delivery, Dispatch
from chorus.notifications.services.sending import deliveries_send_run
from chorus.notifications.teams.tests.receiver import Receiver, receiver, webhook_for
from chorus.reach.services.new_posts import new_posts_tell
from chorus.reach.tasks import new_posts_due

__all__ = ["receiver"]

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 12, 7, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture
def site(settings: Any) -> None:
    settings.SITE_URL = "https://chorus.example"


def _published(organization: Organization, **fields: Any) -> Post:
    """A post approved, then published now through content's service (its history says when
    it went live)."""
    post: Post = PostFactory.create(organization=organization, state=PostState.APPROVED, **fields)
    post_publish(post=post, actor=None)
    return post


def _titles(receiver: Receiver) -> list[str]:
    return [card["attachments"][0]["content"]["body"][0]["text"] for card in receiver.cards]


def test_a_post_for_everyone_reaches_the_channels_that_take_new_posts_once(
    organization: Organization, receiver: Receiver, site: None
) -> None:
    takes = webhook_for(organization, receiver.url, categories=[Category.NEW_POST])
    webhook_for(
        organization,
        receiver.url.replace("/abc/", "/other/"),
        name="Acme: Announcements",
        categories=[Category.ANNOUNCEMENT],
    )
    sales = Group.objects.create(organization=organization, name="Sales")
    with time_machine.travel(NOON, tick=False):
        everyone = _published(organization, title="Acme opens in Lisbon")
        for_sales = _published(organization, title="Sales kick-off", target_all=False)
        for_sales.target_groups.add(sales)

        assert new_posts_tell(organization=organization) == 1
        assert new_posts_tell(organization=organization) == 0
        deliveries_send_run(organization_id=organization.pk)
        deliveries_send_run(organization_id=organization.pk)

    assert receiver.problems == []
    assert _titles(receiver) == ["New post: Acme opens in Lisbon"]
    content = receiver.cards[0]["attachments"][0]["content"]
    # A channel's card opens the post's share dialog (no member's signed link in it) and
    # the post's page.
    assert content["body"][-1]["items"][-1]["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open to share",
            "url": f"https://chorus.example/feed/{everyone.pk}/share/",
        }
    ]
    assert content["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open in Chorus",
            "url": f"https://chorus.example/feed/{everyone.pk}/",
        }
    ]
    [delivery] = Delivery.objects.filter(organization=organization)
    assert (delivery.channel, delivery.destination, delivery.membership_id) == (
        Channel.TEAMS,
        str(takes.pk),
        None,
    )
    # No member was messaged: members have the digest.
    assert not Delivery.objects.filter(membership__isnull=False).exists()


def test_the_periodic_task_tells_each_organization_in_its_own_scope(
    organization: Organization, receiver: Receiver, site: None
) -> None:
    webhook_for(organization, receiver.url, categories=[Category.NEW_POST])
    with time_machine.travel(NOON, tick=False):
        _published(organization, title="Acme opens in Lisbon")
        assert new_posts_due.call() == 1
        assert new_posts_due.call() == 0


def test_a_pilot_first_post_is_told_when_it_opens_to_everyone(
    organization: Organization, receiver: Receiver, site: None
) -> None:
    webhook_for(organization, receiver.url, categories=[Category.NEW_POST])
    with time_machine.travel(NOON, tick=False):
        _published(
            organization,
            title="Pilot first",
            pilot_until=NOON + datetime.timedelta(days=3),
        )
        assert new_posts_tell(organization=organization) == 0
    with time_machine.travel(NOON + datetime.timedelta(days=3, minutes=1), tick=False):
        assert new_posts_tell(organization=organization) == 1
        deliveries_send_run(organization_id=organization.pk)
    assert _titles(receiver) == ["New post: Pilot first"]


def test_nothing_is_told_while_sharing_is_paused_and_it_follows_once_resumed(
    organization: Organization, receiver: Receiver, site: None
) -> None:
    webhook_for(organization, receiver.url, categories=[Category.NEW_POST])
    with time_machine.travel(NOON, tick=False):
        organization.sharing_paused_at = NOON
        organization.save(update_fields=["sharing_paused_at"])
        _published(organization, title="During the pause")
        assert new_posts_tell(organization=organization) == 0
        assert not Dispatch.objects.filter(organization=organization).exists()
    with time_machine.travel(NOON + datetime.timedelta(hours=2), tick=False):
        organization.sharing_paused_at = None
        organization.save(update_fields=["sharing_paused_at"])
        assert new_posts_tell(organization=organization) == 1
        deliveries_send_run(organization_id=organization.pk)
    assert _titles(receiver) == ["New post: During the pause"]


def test_without_a_channel_nothing_is_recorded_and_a_channel_added_later_gets_the_last_day(
    organization: Organization, receiver: Receiver, site: None
) -> None:
    with time_machine.travel(NOON - datetime.timedelta(days=2), tick=False):
        _published(organization, title="Two days old")
    with time_machine.travel(NOON - datetime.timedelta(hours=3), tick=False):
        _published(organization, title="This morning")
    with time_machine.travel(NOON, tick=False):
        assert new_posts_tell(organization=organization) == 0
        assert not Dispatch.objects.filter(organization=organization).exists()

        webhook_for(organization, receiver.url, categories=[Category.NEW_POST])
        assert new_posts_tell(organization=organization) == 1
        deliveries_send_run(organization_id=organization.pk)
    assert _titles(receiver) == ["New post: This morning"]


def test_a_channel_of_another_organization_hears_nothing(
    organization: Organization, receiver: Receiver, site: None
) -> None:
    other = Organization.objects.create(name="Globex", slug="globex")
    webhook_for(other, receiver.url, categories=[Category.NEW_POST])
    with time_machine.travel(NOON, tick=False):
        _published(organization, title="Acme only")
        assert new_posts_tell(organization=organization) == 0
    assert receiver.cards == []
