"""Signed links, announcements, nudges and the post of the day."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from chorus.accounts.models import Group, Membership, Organization, ProgramStatus
from chorus.content.models import Post, PostState
from chorus.core.models import AuditEvent
from chorus.factories import (
    GroupFactory,
    MembershipFactory,
    OrganizationFactory,
    PostFactory,
    ShareFactory,
)
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import (
    Delivery,
    DeliveryPreference,
    DeliveryStatus,
    Dispatch,
    Notification,
    Unsubscribe,
)
from chorus.notifications.services.sending import deliveries_send_run
from chorus.reach.links import SALT, share_link
from chorus.reach.models import ReachSettings
from chorus.reach.services.nudges import nudges_queue
from chorus.reach.services.post_of_the_day import post_of_the_day_send
from chorus.reach.tests.conftest import RecordingChannel, joined
from chorus.sharing.models import Share, ShareStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]


def _live(organization: Organization, **fields: Any) -> Post:
    post: Post = PostFactory.create(organization=organization, state=PostState.LIVE, **fields)
    return post


def _path(url: str) -> str:
    return url.removeprefix("https://chorus.example")


# --- signed share links ---


def test_a_share_link_opens_the_share_dialog_and_shares_nothing(
    client: Any, organization: Organization
) -> None:
    member = joined(organization)
    post = _live(organization)
    client.force_login(member.user)

    response = client.get(_path(share_link(member, post)))

    assert response.status_code == 302
    assert response["Location"] == f"/feed/{post.pk}/share/"
    assert client.get(response["Location"]).status_code == 200
    assert not Share.objects.exists()
    assert ReachSettings.objects.get(organization=organization).share_links_opened == 1


def test_a_signed_out_member_signs_in_first_and_comes_back(
    client: Any, organization: Organization
) -> None:
    member = joined(organization)
    url = _path(share_link(member, _live(organization)))

    response = client.get(url)

    assert response.status_code == 302
    assert "/login" in response["Location"] or "/accounts/" in response["Location"]
    assert "next=" in response["Location"]


def test_someone_elses_link_opens_the_post_in_the_readers_feed(
    client: Any, organization: Organization
) -> None:
    owner = joined(organization)
    reader = joined(organization)
    post = _live(organization)
    client.force_login(reader.user)

    response = client.get(_path(share_link(owner, post)))

    assert response["Location"] == f"/feed/{post.pk}/"
    assert not ReachSettings.objects.filter(share_links_opened__gt=0).exists()


def test_an_expired_or_altered_link_says_so_and_does_nothing(
    client: Any, organization: Organization
) -> None:
    member = joined(organization)
    post = _live(organization)
    client.force_login(member.user)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=15)):
        old = _path(share_link(member, post))
    altered = signing.dumps({"m": member.pk, "p": post.pk}, salt="another salt")

    expired = client.get(old)
    invalid = client.get(f"/r/share/{altered}/")

    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert invalid.status_code == 404
    assert signing.loads(old.split("/")[-2], salt=SALT)  # only its age is wrong
    assert not Share.objects.exists()


# --- announcements ---


def _wants(member: Membership, category: str) -> None:
    DeliveryPreference.objects.create(
        organization_id=member.organization_id,
        membership=member,
        quiet_hours=False,
        choices={category: [Channel.EMAIL]},
    )


def test_a_curator_sees_the_reach_then_announces_once_a_day(
    client: Any,
    organization: Organization,
    email: RecordingChannel,
    django_capture_on_commit_callbacks: Any,
) -> None:
    curator = MembershipFactory(organization=organization, is_curator=True)
    sales: Group = GroupFactory.create(organization=organization, name="Sales")
    in_sales = [joined(organization) for _ in range(2)]
    sales.members.add(*in_sales)
    others = joined(organization)
    for member in [*in_sales, others]:
        _wants(member, Category.ANNOUNCEMENT)
    post = _live(organization)
    client.force_login(curator.user)
    url = f"/manage/announce/{post.pk}/"

    page = client.get(url, {"groups": [sales.pk], "channels": ["email"]})
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"groups": [sales.pk], "channels": ["email"]})
    again = client.post(url, {"groups": [sales.pk], "channels": ["email"]})

    assert page.status_code == 200
    assert 'id="announce-reach"' in page.content.decode()
    assert "for 2 members" in page.content.decode()
    assert sent.status_code == 302 and again.status_code == 302
    assert Dispatch.objects.filter(category=Category.ANNOUNCEMENT).count() == 1
    deliveries_send_run(organization_id=organization.pk)
    assert sorted(outgoing.membership.pk for outgoing in email.sent) == sorted(
        member.pk for member in in_sales
    )
    assert others.pk not in {outgoing.membership.pk for outgoing in email.sent}
    assert email.sent[0].message.items[0].actions[0].url.startswith("https://chorus.example/r/")
    assert AuditEvent.objects.filter(action="reach.post_announced").count() == 1


def test_an_announcement_keeps_to_each_members_choices_and_daily_cap(
    client: Any,
    organization: Organization,
    email: RecordingChannel,
    django_capture_on_commit_callbacks: Any,
) -> None:
    curator = MembershipFactory(organization=organization, is_curator=True)
    sales: Group = GroupFactory.create(organization=organization, name="Sales")
    wants_email, in_app_only, switched_off, at_cap, shared = (
        joined(organization) for _ in range(5)
    )
    sales.members.add(wants_email, in_app_only, switched_off, at_cap, shared)
    for member in (wants_email, at_cap, shared):
        _wants(member, Category.ANNOUNCEMENT)
    _wants(switched_off, Category.ANNOUNCEMENT)
    DeliveryPreference.objects.filter(membership=switched_off).update(everything_off=True)
    DeliveryPreference.objects.filter(membership=at_cap).update(daily_cap=1)
    Delivery.objects.create(
        organization=organization,
        membership=at_cap,
        channel=Channel.EMAIL,
        category=Category.SHARES,
        key="notification:earlier",
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )
    post = _live(organization)
    ShareFactory(post=post, membership=shared, status=ShareStatus.SHARED)
    client.force_login(curator.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/manage/announce/{post.pk}/", {"groups": [sales.pk], "channels": ["email"]})
    deliveries_send_run(organization_id=organization.pk)

    assert [outgoing.membership.pk for outgoing in email.sent] == [wants_email.pk]
    queued = set(
        Delivery.objects.filter(category=Category.ANNOUNCEMENT).values_list(
            "membership_id", flat=True
        )
    )
    # Members who kept announcements in the app, or turned everything off, get no email.
    assert in_app_only.pk not in queued and switched_off.pk not in queued
    capped = Delivery.objects.get(category=Category.ANNOUNCEMENT, membership=at_cap)
    assert capped.status == DeliveryStatus.SKIPPED
    told = Delivery.objects.get(category=Category.ANNOUNCEMENT, membership=shared)
    assert told.status == DeliveryStatus.SKIPPED  # they shared it already


# 22:30 in Berlin: inside the default quiet hours (20:00 to 08:00).
@time_machine.travel(datetime.datetime(2026, 12, 7, 21, 30, tzinfo=datetime.UTC), tick=False)
def test_an_announcement_in_the_app_arrives_in_quiet_hours_and_past_the_daily_limit(
    client: Any,
    organization: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    curator = MembershipFactory(organization=organization, is_curator=True)
    member = joined(organization)
    DeliveryPreference.objects.create(
        organization_id=organization.pk,
        membership=member,
        time_zone="Europe/Berlin",
        quiet_hours=True,
        daily_cap=1,
    )
    Delivery.objects.create(
        organization=organization,
        membership=member,
        channel=Channel.EMAIL,
        category=Category.SHARES,
        key="notification:earlier",
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
    )
    post = _live(organization, title="Acme opens in Lisbon")
    client.force_login(curator.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/manage/announce/{post.pk}/", {"channels": ["in_app"]})
    deliveries_send_run(organization_id=organization.pk)

    # The app's own list interrupts nobody: quiet hours and the limit are for the rest.
    told = Delivery.objects.get(category=Category.ANNOUNCEMENT, membership=member)
    assert (told.channel, told.status) == (Channel.IN_APP, DeliveryStatus.SENT)
    assert Notification.objects.filter(membership=member).count() == 1


def test_members_who_shared_the_post_already_are_not_counted_or_told(
    organization: Organization,
) -> None:
    from chorus.reach.services.announce import announcement_reach

    post = _live(organization)
    sharer = joined(organization)
    joined(organization)
    ShareFactory(post=post, membership=sharer, status=ShareStatus.OPENED)

    assert announcement_reach(post=post, groups=[]) == 1


def test_only_curators_and_admins_announce_and_a_foreign_post_is_not_found(
    client: Any, organization: Organization
) -> None:
    employee = joined(organization)
    admin = MembershipFactory(organization=organization, is_admin=True)
    foreign = _live(OrganizationFactory.create())
    post = _live(organization)

    client.force_login(employee.user)
    assert client.get(f"/manage/announce/{post.pk}/").status_code == 403
    client.force_login(admin.user)
    assert client.get(f"/manage/announce/{post.pk}/").status_code == 200
    assert client.get(f"/manage/announce/{foreign.pk}/").status_code == 404
    draft: Post = PostFactory.create(organization=organization)
    response = client.post(f"/manage/announce/{draft.pk}/", {"channels": ["email"]})
    assert response.status_code == 400
    assert not Dispatch.objects.exists()


def test_a_group_id_too_large_for_the_database_is_refused_in_words(
    client: Any, organization: Organization
) -> None:
    curator = MembershipFactory(organization=organization, is_curator=True)
    post = _live(organization)
    client.force_login(curator.user)
    for junk in ("9" * 30, "-" + "9" * 30, "²", "abc"):
        data = {"groups": [junk], "channels": ["email"]}

        counted = client.get(f"/manage/announce/{post.pk}/", data)
        sent = client.post(f"/manage/announce/{post.pk}/", data)

        assert counted.status_code == 200
        assert sent.status_code == 400
        assert "Select a valid choice" in sent.content.decode() or "is not a valid value" in (
            sent.content.decode()
        )
    assert not Dispatch.objects.exists()


# --- nudges ---


def _long_ago(member: Membership, days: int = 60) -> Membership:
    Membership.objects.filter(pk=member.pk).update(
        program_status_changed_at=timezone.now() - datetime.timedelta(days=days)
    )
    return member


# At noon in Berlin: outside the default quiet hours (20:00 to 08:00), whenever the suite runs.
@time_machine.travel(datetime.datetime(2026, 12, 7, 11, 0, tzinfo=datetime.UTC), tick=False)
def test_only_members_inactive_for_the_set_days_get_one_nudge_a_month(
    organization: Organization, email: RecordingChannel
) -> None:
    quiet = _long_ago(joined(organization))
    active = _long_ago(joined(organization))
    ShareFactory(membership=active, post=_live(organization), status=ShareStatus.SHARED)
    newcomer = joined(organization)
    left = _long_ago(
        MembershipFactory.create(organization=organization, program_status=ProgramStatus.LEFT)
    )

    assert nudges_queue(organization=organization) == 1
    deliveries_send_run(organization_id=organization.pk)
    assert [outgoing.membership.pk for outgoing in email.sent] == [quiet.pk]
    nudge = email.sent[0].message
    assert nudge.category == Category.NUDGE
    # Nothing but an invitation and how to stop it: no posts, one button to the feed.
    assert nudge.items == ()
    assert [action.label for action in nudge.actions] == ["Open my feed"]
    assert "at most once a month" in nudge.footer and "stop it" in nudge.footer
    assert nudge.unsubscribe_url
    # The same month, and the first days of the next one: nothing more.
    assert nudges_queue(organization=organization) == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=20)):
        assert nudges_queue(organization=organization) == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert nudges_queue(organization=organization) == 1
    assert newcomer.pk not in {outgoing.membership.pk for outgoing in email.sent}
    assert left.pk not in {outgoing.membership.pk for outgoing in email.sent}


def test_nudges_switched_off_send_nothing(organization: Organization) -> None:
    _long_ago(joined(organization))
    ReachSettings.objects.create(organization=organization, nudges_enabled=False)

    assert nudges_queue(organization=organization) == 0


def test_the_nudges_page_shows_the_months_and_the_unsubscribes_that_followed(
    client: Any, organization: Organization
) -> None:
    admin = MembershipFactory(organization=organization, is_admin=True)
    nudged = [joined(organization) for _ in range(3)]
    dispatch = Dispatch.objects.create(
        organization=organization, category=Category.NUDGE, key="nudge:x", composer="nudge"
    )
    sent_at = timezone.now() - datetime.timedelta(days=3)
    for member in nudged:
        Delivery.objects.create(
            organization=organization,
            dispatch=dispatch,
            membership=member,
            channel=Channel.EMAIL,
            category=Category.NUDGE,
            key="nudge:x",
            status=DeliveryStatus.SENT,
            sent_at=sent_at,
        )
    Unsubscribe.objects.create(
        organization=organization, membership=nudged[0], category=Category.NUDGE
    )
    client.force_login(admin.user)

    page = client.get("/manage/nudges/").content.decode()
    saved = client.post("/manage/nudges/", {"nudges_enabled": "on", "nudge_after_days": "60"})
    too_often = client.post("/manage/nudges/", {"nudges_enabled": "on", "nudge_after_days": "7"})

    assert '<td data-label="Members nudged">3</td>' in page
    assert '<td data-label="Turned something off within 7 days">1</td>' in page
    assert saved.status_code == 302
    assert ReachSettings.objects.get(organization=organization).nudge_after_days == 60
    assert too_often.status_code == 400
    client.force_login(nudged[1].user)
    assert client.get("/manage/nudges/").status_code == 403


# --- the post of the day ---


def test_the_post_of_the_day_goes_at_nine_once_and_waits_while_sharing_is_paused(
    organization: Organization,
    email: RecordingChannel,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _wants(joined(organization), Category.POST_OF_THE_DAY)
    day = datetime.date(2026, 12, 7)
    _live(organization, post_of_the_day=day, title="Today")
    eight = datetime.datetime(2026, 12, 7, 7, 30, tzinfo=datetime.UTC)  # 08:30 Berlin
    nine = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC)

    assert post_of_the_day_send(organization=organization, now=eight) is None
    organization.sharing_paused_at = nine
    organization.save(update_fields=["sharing_paused_at"])
    assert post_of_the_day_send(organization=organization, now=nine) is None
    organization.sharing_paused_at = None
    organization.save(update_fields=["sharing_paused_at"])
    with (
        time_machine.travel(nine, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert post_of_the_day_send(organization=organization, now=nine) is not None
        assert post_of_the_day_send(organization=organization, now=nine) is None
        deliveries_send_run(organization_id=organization.pk)

    assert [outgoing.message.subject for outgoing in email.sent] == ["Post of the day: Today"]
