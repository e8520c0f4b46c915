"""The delivery engine: preferences, quiet hours, the daily cap, retries, stops, exactly once.

The engine is tested through a recording channel registered for the test (the channels
themselves are tested against real servers in their own sub-packages)."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator, Sequence
from typing import Any, ClassVar

import pytest
import time_machine
from django.urls import reverse

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.factories import MembershipFactory
from chorus.notifications import channels as registry
from chorus.notifications.channels import Outcome, Outgoing
from chorus.notifications.messages import Category, Channel, Message
from chorus.notifications.models import (
    ChannelStop,
    Delivery,
    DeliveryPreference,
    DeliveryStatus,
    Dispatch,
    Notification,
    Unsubscribe,
)
from chorus.notifications.services import delivery, sending
from chorus.notifications.services.notifications import notification_create
from chorus.notifications.services.preferences import unsubscribe_token_read

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
AT_NOON = time_machine.travel(NOON, tick=False)


class RecordingChannel:
    """Stands in for a channel: records what the engine hands it, answers as told."""

    name: ClassVar[str] = Channel.EMAIL

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.answers: list[Outcome] = []
        self.unreachable: set[int] = set()

    def reachable(self, *, organization: Organization, membership_ids: Collection[int]) -> set[int]:
        return set(membership_ids) - self.unreachable

    def send(self, *, organization: Organization, batch: Sequence[Outgoing]) -> list[Outcome]:
        self.sent.extend(batch)
        return [self.answers.pop(0) if self.answers else Outcome.sent("id") for _ in batch]


@pytest.fixture
def email() -> Iterator[RecordingChannel]:
    channel = RecordingChannel()
    before = registry.member_channel(Channel.EMAIL)
    registry.register_member_channel(channel)
    yield channel
    if before is not None:
        registry.register_member_channel(before)


def _wants_email(membership: Membership, category: str = Category.SHARES, **fields: Any) -> None:
    DeliveryPreference.objects.update_or_create(
        membership=membership,
        defaults={
            "organization_id": membership.organization_id,
            "choices": {category: [Channel.IN_APP, Channel.EMAIL]},
            "quiet_hours": False,
            **fields,
        },
    )


def _send(organization: Organization) -> int:
    return sending.deliveries_send_run(organization_id=organization.pk)


def test_defaults_keep_notifications_in_the_app(
    employee: Membership, email: RecordingChannel
) -> None:
    notification_create(membership=employee, kind="share_failed", message="Your share failed")

    assert Delivery.objects.count() == 0
    assert Notification.objects.get().read_at is None


@AT_NOON
def test_a_chosen_channel_gets_the_notification_with_an_unsubscribe_link(
    employee: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee)
    notification_create(
        membership=employee, kind="share_failed", message="Your share failed", url="/shares/"
    )

    assert _send(employee.organization) == 1
    [outgoing] = email.sent
    assert outgoing.membership == employee
    assert outgoing.message.subject == "Your share failed"
    assert outgoing.message.url.endswith("/shares/")
    token = outgoing.message.unsubscribe_url.rsplit("/", 2)[-2]
    assert unsubscribe_token_read(token) == {"m": employee.pk, "c": "shares", "ch": "email"}
    assert Delivery.objects.get().status == DeliveryStatus.SENT


@time_machine.travel(datetime.datetime(2026, 12, 7, 22, 30, tzinfo=datetime.UTC))
def test_quiet_hours_hold_a_message_until_they_end_in_the_members_time_zone(
    employee: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee, quiet_hours=True, time_zone="Europe/Berlin")  # 23:30 there
    notification_create(membership=employee, kind="share_failed", message="Later")

    _send(employee.organization)

    row = Delivery.objects.get()
    assert email.sent == []
    assert row.status == DeliveryStatus.QUEUED
    assert row.next_attempt_at == datetime.datetime(2026, 12, 8, 7, 0, tzinfo=datetime.UTC)


@AT_NOON
def test_the_daily_cap_keeps_the_rest_in_the_app(
    employee: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee, daily_cap=2)
    for number in range(3):
        notification_create(membership=employee, kind="share_failed", message=f"Failed {number}")

    _send(employee.organization)

    assert len(email.sent) == 2
    skipped = Delivery.objects.get(status=DeliveryStatus.SKIPPED)
    assert "daily limit" in skipped.error
    assert Notification.objects.count() == 3


def test_nothing_reaches_a_member_who_left_but_their_own_data_does(
    employee: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee)
    employee.program_status = ProgramStatus.LEFT
    employee.save()
    notification_create(membership=employee, kind="share_failed", message="Failed")
    assert Delivery.objects.count() == 0

    dispatch = delivery.dispatch_create(
        organization=employee.organization,
        category=Category.OWN_DATA,
        key="export:1",
        composer="test",
    )
    assert delivery.dispatch_enqueue(dispatch=dispatch, membership_ids=[employee.pk]) >= 1


@AT_NOON
def test_temporary_failures_are_retried_with_back_off_then_given_up(
    employee: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee)
    notification_create(membership=employee, kind="share_failed", message="Failed")
    email.answers = [Outcome.retry("451 try later", retry_after=600)]

    _send(employee.organization)

    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.QUEUED
    assert row.attempts == 1
    assert row.next_attempt_at == NOON + datetime.timedelta(minutes=10)  # Retry-After wins
    assert "451" in row.error

    row.attempts = sending.MAX_ATTEMPTS - 1
    row.next_attempt_at = NOON
    row.save()
    email.answers = [Outcome.retry("451 again")]
    _send(employee.organization)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED


@AT_NOON
def test_a_dead_address_stops_the_channel_and_tells_the_admins(
    employee: Membership, admin_member: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee)
    notification_create(membership=employee, kind="share_failed", message="First")
    notification_create(membership=employee, kind="share_failed", message="Second")
    waiting = Delivery.objects.get(subject="Second")
    waiting.next_attempt_at = NOON + datetime.timedelta(hours=1)
    waiting.save()
    email.answers = [Outcome.failed("550 no such user", stop=True)]

    _send(employee.organization)

    stop = ChannelStop.objects.get(membership=employee)
    assert stop.channel == Channel.EMAIL and "550" in stop.detail
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.SKIPPED]
    told = Notification.objects.get(membership=admin_member, kind="delivery_stopped")
    assert str(employee.user) in told.message

    notification_create(membership=employee, kind="share_failed", message="Third")
    assert Delivery.objects.count() == 2  # a stopped channel gets nothing new


def test_a_fan_out_never_queues_a_member_twice(
    organization: Organization, email: RecordingChannel
) -> None:
    members = MembershipFactory.create_batch(
        5, organization=organization, program_status=ProgramStatus.JOINED
    )
    MembershipFactory(organization=organization, program_status=ProgramStatus.LEFT)
    dispatch = delivery.dispatch_create(
        organization=organization, category=Category.DIGEST, key="digest:w49", composer="test"
    )

    # A fan-out that died after the third member resumes after it.
    dispatch.cursor = members[2].pk
    dispatch.save()
    delivery.dispatch_fan_out_run(dispatch_id=dispatch.pk)
    assert Delivery.objects.count() == 2
    dispatch.refresh_from_db()
    dispatch.cursor, dispatch.fanned_out_at = 0, None
    dispatch.save()
    delivery.dispatch_fan_out_run(dispatch_id=dispatch.pk)
    delivery.dispatch_fan_out_run(dispatch_id=dispatch.pk)

    assert Delivery.objects.count() == 5  # the digest by email (the default), once each
    assert set(Delivery.objects.values_list("membership_id", flat=True)) == {m.pk for m in members}


def test_a_fan_out_whose_task_died_is_started_again_and_queues_nobody_twice(
    organization: Organization, email: RecordingChannel
) -> None:
    members = MembershipFactory.create_batch(
        5, organization=organization, program_status=ProgramStatus.JOINED
    )
    stale = delivery.FAN_OUT_STALE_MINUTES
    died = delivery.dispatch_create(
        organization=organization, category=Category.DIGEST, key="digest:died", composer="test"
    )
    beating = delivery.dispatch_create(
        organization=organization, category=Category.DIGEST, key="digest:busy", composer="test"
    )
    # Queued member by member (a digest, a nudge): never a fan-out, never started by recovery.
    direct = delivery.dispatch_create(
        organization=organization, category=Category.DIGEST, key="digest:direct", composer="x"
    )
    # The first task queued three members, then its worker was killed; the second still runs.
    delivery.dispatch_enqueue(dispatch=died, membership_ids=[m.pk for m in members[:3]])
    Dispatch.objects.filter(pk=died.pk).update(
        cursor=members[2].pk, fan_out_heartbeat_at=NOON - datetime.timedelta(minutes=stale + 1)
    )
    Dispatch.objects.filter(pk=beating.pk).update(
        cursor=members[0].pk, fan_out_heartbeat_at=NOON - datetime.timedelta(minutes=1)
    )

    with time_machine.travel(NOON, tick=False):
        assert delivery.dispatch_fan_out_run(dispatch_id=beating.pk) == 0  # it is not ours
        recovered = sending.deliveries_recover()

    assert recovered["fan_outs_resumed"] == 1
    died.refresh_from_db()
    assert died.fanned_out_at is not None and died.fan_out_heartbeat_at is None
    queued = Delivery.objects.filter(dispatch=died).values_list("membership_id", flat=True)
    assert sorted(queued) == sorted(m.pk for m in members)  # once each
    assert not Delivery.objects.filter(dispatch__in=[beating, direct]).exists()
    with time_machine.travel(NOON + datetime.timedelta(minutes=1), tick=False):
        assert sending.deliveries_recover()["fan_outs_resumed"] == 0


@AT_NOON
def test_a_killed_sender_never_sends_what_it_handed_over_again_and_sends_the_rest(
    organization: Organization, email: RecordingChannel
) -> None:
    members = MembershipFactory.create_batch(
        4, organization=organization, program_status=ProgramStatus.JOINED
    )
    dispatch = delivery.dispatch_create(
        organization=organization, category=Category.DIGEST, key="digest:w49", composer="test"
    )
    delivery.dispatch_enqueue(dispatch=dispatch, membership_ids=[m.pk for m in members])
    first, second = Delivery.objects.order_by("pk")[:2]
    # A worker claimed two rows, handed the first to its channel, and died.
    Delivery.objects.filter(pk__in=[first.pk, second.pk]).update(
        status=DeliveryStatus.SENDING, claim="dead", claimed_at=NOON
    )
    Delivery.objects.filter(pk=first.pk).update(handed_at=NOON)

    with time_machine.travel(NOON + datetime.timedelta(minutes=sending.CLAIM_MINUTES - 1)):
        assert sending.deliveries_recover()["uncertain"] == 0  # its claim has not lapsed
    with time_machine.travel(NOON + datetime.timedelta(minutes=sending.CLAIM_MINUTES + 1)):
        recovered = sending.deliveries_recover()
        _send(organization)

    assert recovered["uncertain"] == 1 and recovered["requeued"] == 1
    first.refresh_from_db()
    assert first.status == DeliveryStatus.UNCERTAIN
    got = sorted(outgoing.membership.pk for outgoing in email.sent)
    assert got == sorted(m.pk for m in members if m.pk != first.membership_id)
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3


def test_turning_a_category_off_in_the_app_files_its_notifications_as_read(
    employee: Membership,
) -> None:
    DeliveryPreference.objects.create(
        organization=employee.organization,
        membership=employee,
        choices={Category.REWARDS: []},
    )
    notification_create(membership=employee, kind="badge", message="A badge")
    notification_create(membership=employee, kind="share_failed", message="Failed")

    assert Notification.objects.get(kind="badge").read_at is not None
    assert Notification.objects.get(kind="share_failed").read_at is None


def test_one_click_unsubscribe_works_without_signing_in_or_csrf(
    client: Any, employee: Membership
) -> None:
    from chorus.notifications.services.preferences import unsubscribe_url

    link = unsubscribe_url(membership=employee, category=Category.DIGEST, channel=Channel.EMAIL)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.handler.enforce_csrf_checks = True

    page = client.get("/" + path)
    assert page.status_code == 200
    assert "Digest of new posts" in page.content.decode()

    response = client.post(
        "/" + path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    preference = DeliveryPreference.objects.get(membership=employee)
    assert preference.choices[Category.DIGEST] == []
    assert preference.digest_frequency == "off"
    assert Unsubscribe.objects.filter(membership=employee, from_link=True).count() == 1


def test_an_altered_unsubscribe_link_changes_nothing(client: Any, employee: Membership) -> None:
    from chorus.notifications.services.preferences import unsubscribe_url

    link = unsubscribe_url(membership=employee, category=Category.DIGEST, channel=Channel.EMAIL)
    token = link.rstrip("/").rsplit("/", 1)[1]

    response = client.post(reverse("notification_unsubscribe", args=[token[:-2] + "xx"]))

    assert response.status_code == 404
    assert not DeliveryPreference.objects.exists()


def test_the_settings_page_saves_choices_and_refuses_an_unknown_time_zone(
    employee_client: Any, employee: Membership
) -> None:
    data = {
        "digest_frequency": "daily",
        "digest_weekday": "2",
        "digest_time": "07:30",
        "time_zone": "Mars/Olympus",
        "quiet_hours": "on",
        "quiet_start": "21:00",
        "quiet_end": "07:00",
        "daily_cap": "2",
        "channels_shares": ["in_app", "email"],
    }
    refused = employee_client.post(reverse("notification_preferences"), data)
    assert refused.status_code == 400
    assert "is not a time zone" in refused.content.decode()
    assert not DeliveryPreference.objects.exists()

    data["time_zone"] = "Europe/Berlin"
    saved = employee_client.post(reverse("notification_preferences"), data)

    assert saved.status_code == 302
    preference = DeliveryPreference.objects.get(membership=employee)
    assert preference.choices["shares"] == ["in_app", "email"]
    assert preference.choices["rewards"] == []
    assert preference.digest_frequency == "daily"
    assert preference.time_zone == "Europe/Berlin"
    assert preference.daily_cap == 2
    # Rewards were in the app by default: turning them off is an unsubscribe.
    assert Unsubscribe.objects.filter(membership=employee, category="rewards").exists()


def test_only_admins_see_the_delivery_log(
    client: Any, admin_member: Membership, employee: Membership
) -> None:
    Delivery.objects.create(
        organization=employee.organization,
        membership=employee,
        channel=Channel.EMAIL,
        category=Category.SHARES,
        key="notification:1",
        subject="Your share <failed>",
        status=DeliveryStatus.FAILED,
        error="550 no such user",
    )

    client.force_login(employee.user)
    assert client.get(reverse("delivery_log")).status_code == 403
    client.force_login(admin_member.user)
    page = client.get(reverse("delivery_log"), {"status": "failed", "channel": "bogus"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Your share &lt;failed&gt;" in body
    assert "550 no such user" in body


def test_message_written_for_a_notification_is_in_the_members_language(
    employee: Membership, email: RecordingChannel
) -> None:
    employee.user.language = "de"
    employee.user.save()
    _wants_email(employee)
    notification_create(membership=employee, kind="share_failed", message="x")
    with time_machine.travel(NOON):
        _send(employee.organization)
    message: Message = email.sent[0].message
    assert message.language == "de"


def test_the_api_reads_and_changes_preferences_and_refuses_nonsense(
    employee_client: Any, employee: Membership
) -> None:
    url = "/api/v1/me/notification-preferences"
    current = employee_client.get(url).json()
    assert current["channels"]["digest"] == ["email"]
    assert current["digest_frequency"] == "weekly"
    assert (current["digest_time"], current["quiet_start"]) == ("09:00", "20:00")
    late = employee_client.put(url, {"quiet_end": "25:00"}, content_type="application/json")
    assert late.status_code == 422

    refused = employee_client.put(
        url, {"channels": {"digest": ["push"]}}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert "not a channel for digest" in refused.content.decode()
    bad_zone = employee_client.put(url, {"time_zone": "Nowhere"}, content_type="application/json")
    assert bad_zone.status_code == 422
    assert not DeliveryPreference.objects.exists()

    changed = employee_client.put(
        url,
        {
            "channels": {"shares": ["email"]},
            "daily_cap": 1,
            "time_zone": "Asia/Tokyo",
            "digest_time": "07:45",
        },
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["channels"]["shares"] == ["email"]
    assert changed.json()["channels"]["digest"] == ["email"]
    preference = DeliveryPreference.objects.get(membership=employee)
    assert preference.daily_cap == 1 and preference.time_zone == "Asia/Tokyo"
    assert preference.digest_time == datetime.time(7, 45)
    assert changed.json()["digest_time"] == "07:45"


class RecordingPush(RecordingChannel):
    name: ClassVar[str] = Channel.PUSH


@pytest.fixture
def push() -> Iterator[RecordingChannel]:
    channel = RecordingPush()
    before = registry.member_channel(Channel.PUSH)
    registry.register_member_channel(channel)
    yield channel
    if before is not None:
        registry.register_member_channel(before)


@AT_NOON
def test_the_daily_cap_counts_every_channel_together(
    employee: Membership, email: RecordingChannel, push: RecordingChannel
) -> None:
    DeliveryPreference.objects.create(
        organization=employee.organization,
        membership=employee,
        choices={Category.SHARES: [Channel.IN_APP, Channel.EMAIL, Channel.PUSH]},
        quiet_hours=False,
        daily_cap=3,
    )
    # One message by phone earlier today counts against the same cap.
    Delivery.objects.create(
        organization=employee.organization,
        membership=employee,
        channel=Channel.PUSH,
        category=Category.REWARDS,
        key="notification:earlier",
        status=DeliveryStatus.SENT,
        sent_at=NOON - datetime.timedelta(hours=2),
    )
    notification_create(membership=employee, kind="share_failed", message="First")
    notification_create(membership=employee, kind="share_failed", message="Second")

    _send(employee.organization)

    # Two messages on two channels: four deliveries, two of them within 3 a day.
    assert len(email.sent) + len(push.sent) == 2
    skipped = Delivery.objects.filter(status=DeliveryStatus.SKIPPED)
    assert [row.error for row in skipped] == ["The member's daily limit was reached."] * 2
    assert Notification.objects.count() == 2  # the app still lists both


@AT_NOON
def test_everything_off_stops_every_channel_outside_the_app_but_not_own_data(
    employee_client: Any, employee: Membership, email: RecordingChannel, push: RecordingChannel
) -> None:
    DeliveryPreference.objects.create(
        organization=employee.organization,
        membership=employee,
        choices={Category.SHARES: [Channel.IN_APP, Channel.EMAIL, Channel.PUSH]},
        quiet_hours=False,
    )
    settings_page = employee_client.get(reverse("notification_preferences")).content.decode()
    assert 'name="everything_off"' in settings_page

    saved = employee_client.post(
        reverse("notification_preferences"),
        {
            "everything_off": "on",
            "digest_frequency": "weekly",
            "digest_weekday": "0",
            "digest_time": "09:00",
            "time_zone": "",
            "quiet_start": "20:00",
            "quiet_end": "08:00",
            "daily_cap": "3",
            "channels_digest": ["email"],
            "channels_shares": ["in_app", "email", "push"],
        },
    )
    assert saved.status_code == 302
    assert Unsubscribe.objects.filter(membership=employee, category="").count() == 1

    notification_create(membership=employee, kind="share_failed", message="Failed")
    digest = delivery.dispatch_create(
        organization=employee.organization, category=Category.DIGEST, key="d:1", composer="test"
    )
    assert delivery.dispatch_enqueue(dispatch=digest, membership_ids=[employee.pk]) == 0
    notification_create(membership=employee, kind="data_export_ready", message="Export ready")
    _send(employee.organization)

    assert [outgoing.message.subject for outgoing in email.sent] == ["Export ready"]
    assert push.sent == []
    assert Notification.objects.filter(membership=employee).count() == 2
    # The choices under the switch are kept for when the member turns it back off.
    kept = DeliveryPreference.objects.get(membership=employee).choices
    assert kept[Category.SHARES] == [Channel.IN_APP, Channel.EMAIL, Channel.PUSH]


def test_the_stop_everything_button_of_an_unsubscribe_link_works_signed_out(
    client: Any, employee: Membership, email: RecordingChannel
) -> None:
    from chorus.notifications.services.preferences import unsubscribe_url

    _wants_email(employee)
    link = unsubscribe_url(membership=employee, category=Category.SHARES, channel=Channel.EMAIL)
    client.handler.enforce_csrf_checks = True

    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    response = client.post(path, {"scope": "everything"})

    assert response.status_code == 200
    assert DeliveryPreference.objects.get(membership=employee).everything_off is True
    with AT_NOON:
        notification_create(membership=employee, kind="share_failed", message="Failed")
        _send(employee.organization)
    assert email.sent == []


@AT_NOON
def test_nothing_reaches_a_deactivated_member_not_even_what_was_queued(
    employee: Membership, email: RecordingChannel
) -> None:
    _wants_email(employee)
    notification_create(membership=employee, kind="share_failed", message="Queued before")
    Membership.objects.filter(pk=employee.pk).update(is_active=False)
    employee.refresh_from_db()
    notification_create(membership=employee, kind="share_failed", message="After")

    _send(employee.organization)

    assert email.sent == []
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
    dispatch = delivery.dispatch_create(
        organization=employee.organization, category=Category.OWN_DATA, key="e:1", composer="test"
    )
    assert delivery.dispatch_enqueue(dispatch=dispatch, membership_ids=[employee.pk]) >= 1


def test_an_admin_sends_a_test_from_the_channels_page_and_junk_changes_nothing(
    client: Any, admin_member: Membership, employee: Membership, email: RecordingChannel
) -> None:
    url = reverse("reach_channel_test")
    client.force_login(employee.user)
    assert client.post(url, {"channel": "email"}).status_code == 403
    client.force_login(admin_member.user)
    assert client.get(url).status_code == 405

    page = client.get(reverse("reach_channels")).content.decode()
    sent = client.post(url, {"channel": "email"}, follow=True)
    refused = client.post(url, {"channel": "<b>fax</b>"}, follow=True)

    assert f'action="{url}"' in page
    assert sent.status_code == 200
    assert "The test was sent by Email." in sent.content.decode()
    [outgoing] = email.sent
    assert outgoing.membership == admin_member
    assert outgoing.message.category == Category.TEST
    assert refused.status_code == 200
    assert "Choose a channel to test." in refused.content.decode()
    assert "<b>fax</b>" not in refused.content.decode()
    assert Delivery.objects.count() == 1


@AT_NOON
def test_a_failed_test_says_why_on_the_channels_page(
    client: Any, admin_member: Membership, email: RecordingChannel
) -> None:
    email.answers = [Outcome.failed("550 no such user", stop=True)]
    client.force_login(admin_member.user)

    response = client.post(reverse("reach_channel_test"), {"channel": "email"}, follow=True)

    assert "550 no such user" in response.content.decode()
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
