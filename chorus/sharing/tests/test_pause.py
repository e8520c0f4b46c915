"""The sharing pause: scheduled shares and auto-shares held (not lost) while an admin paused
sharing, every share refused with the reason, and resuming releases or cancels them.
Mastodon is faked at the transport with respx (tests.test_publishing)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
import respx
import time_machine
from django.core.exceptions import ValidationError

from chorus.accounts.models import ProgramStatus
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, NetworkConnectionFactory
from chorus.notifications.models import Notification
from chorus.sharing.models import AutoShare, Share, ShareStatus
from chorus.sharing.selectors.pause import shares_held
from chorus.sharing.services.intents import share_intent_open
from chorus.sharing.services.pause import sharing_pause, sharing_resume
from chorus.sharing.services.publishing import (
    share_publish_now,
    share_publish_run,
    share_schedule,
    shares_publish_due,
)
from chorus.sharing.services.schedule import autoshare_enable, autoshares_run
from chorus.sharing.tests.test_publishing import (
    INSTANCE,
    STATUSES,
    advocate,
    enable,
    live_post,
    status_entity,
)
from chorus.training.models import GateAction
from chorus.training.selectors.gates import (
    GateRefused,
    gate_check,
    gates_for_member,
)

# 07:00 UTC is 08:00 in Berlin (winter).
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
REASON = "A product recall is under way; we speak with one voice."


@pytest.fixture
def member(organization: Any) -> Any:
    enable(organization)
    member = advocate(organization)
    NetworkConnectionFactory(membership=member, network="mastodon", instance=INSTANCE)
    return member


@pytest.fixture
def post(organization: Any) -> Any:
    return live_post(organization, publish_start=NOW - timedelta(days=1))


@pytest.fixture
def mastodon() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


def pause(organization: Any, admin_member: Any) -> None:
    sharing_pause(organization=organization, actor=admin_member.user, reason=REASON)


def scheduled(member: Any, post: Any, when: datetime) -> Share:
    with time_machine.travel(NOW, tick=False):
        return share_schedule(membership=member, post=post, network="mastodon", when=when)


def test_a_scheduled_share_is_held_while_paused_and_published_exactly_once_on_resume(
    organization: Any,
    admin_member: Any,
    member: Any,
    post: Any,
    mastodon: respx.MockRouter,
    django_capture_on_commit_callbacks: Any,
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    share = scheduled(member, post, NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        pause(organization, admin_member)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert shares_publish_due() == 0
        # Even when a worker is handed the share, it is left waiting.
        assert share_publish_run(share_id=share.pk) == "paused"
        share.refresh_from_db()
        assert share.status == ShareStatus.SCHEDULED
        assert route.call_count == 0
        organization.refresh_from_db()
        held = shares_held(organization=organization)
        assert [found.pk for found in held.due] == [share.pk]
        with django_capture_on_commit_callbacks(execute=True):
            done = sharing_resume(organization=organization, actor=admin_member.user)
        assert done.released == 1 and done.cancelled == 0
        share.refresh_from_db()
        assert share.status == ShareStatus.SHARED
        assert route.call_count == 1
        # Nothing is left to publish twice.
        assert shares_publish_due() == 0
        assert share_publish_run(share_id=share.pk) == "skipped (shared)"
    assert route.call_count == 1


def test_the_pause_comes_before_other_checks_so_nothing_is_cancelled_because_of_it(
    organization: Any, admin_member: Any, member: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    share = scheduled(member, post, NOW + timedelta(hours=1))
    pause(organization, admin_member)
    member.program_status = ProgramStatus.LEFT
    member.save(update_fields=["program_status"])
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert share_publish_run(share_id=share.pk) == "paused"
    share.refresh_from_db()
    assert share.status == ShareStatus.SCHEDULED
    assert share.error_kind == ""


def test_resuming_cancels_the_chosen_shares_and_tells_their_members(
    organization: Any,
    admin_member: Any,
    member: Any,
    post: Any,
    mastodon: respx.MockRouter,
    django_capture_on_commit_callbacks: Any,
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    cancel = scheduled(member, post, NOW + timedelta(hours=1))
    later = scheduled(member, post, NOW + timedelta(days=2))
    pause(organization, admin_member)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        organization.refresh_from_db()
        held = shares_held(organization=organization)
        assert [found.pk for found in held.due] == [cancel.pk]
        assert [found.pk for found in held.scheduled] == [later.pk]
        with django_capture_on_commit_callbacks(execute=True):
            done = sharing_resume(
                organization=organization, actor=admin_member.user, cancel_share_ids=[cancel.pk]
            )
    assert (done.released, done.still_scheduled, done.cancelled) == (0, 1, 1)
    assert route.call_count == 0
    cancel.refresh_from_db()
    later.refresh_from_db()
    assert cancel.status == ShareStatus.CANCELLED
    assert REASON in cancel.cancel_reason
    assert later.status == ShareStatus.SCHEDULED  # goes out at its time
    told = Notification.objects.get(membership=member, kind="share_cancelled_pause")
    assert REASON in told.message and post.title in told.message
    event = AuditEvent.objects.get(action="sharing.resumed")
    assert event.data["cancelled"] == 1 and event.data["still_scheduled"] == 1
    assert event.actor == admin_member.user


def test_pausing_and_resuming_are_audited_and_need_a_reason(
    organization: Any, admin_member: Any
) -> None:
    with pytest.raises(ValidationError, match="Say why"):
        sharing_pause(organization=organization, actor=admin_member.user, reason="   ")
    organization.refresh_from_db()
    assert not organization.sharing_paused
    with pytest.raises(ValidationError, match="not paused"):
        sharing_resume(organization=organization, actor=admin_member.user)
    pause(organization, admin_member)
    assert organization.sharing_paused and organization.sharing_pause_reason == REASON
    with pytest.raises(ValidationError, match="already paused"):
        pause(organization, admin_member)
    event = AuditEvent.objects.get(action="sharing.paused")
    assert event.data["reason"] == REASON and event.actor == admin_member.user
    sharing_resume(organization=organization, actor=admin_member.user)
    organization.refresh_from_db()
    assert not organization.sharing_paused and organization.sharing_pause_reason == ""
    assert AuditEvent.objects.filter(action="sharing.resumed").count() == 1


def test_every_share_is_refused_with_the_reason_while_paused(
    organization: Any, admin_member: Any, member: Any, post: Any
) -> None:
    pause(organization, admin_member)
    member.refresh_from_db()
    with pytest.raises(GateRefused) as refused:
        share_publish_now(membership=member, post=post, network="mastodon")
    assert refused.value.verdict.reasons == [f"Sharing is paused: {REASON}"]
    # Shares by hand through a network's share page are refused the same way.
    with pytest.raises(GateRefused, match="Sharing is paused"):
        share_intent_open(post=post, membership=member, network="linkedin", text="Hello")
    assert not Share.objects.exists()


def test_the_pause_is_a_gate_without_a_link_for_sharing_only(
    organization: Any, admin_member: Any, member: Any, post: Any, django_assert_num_queries: Any
) -> None:
    pause(organization, admin_member)
    member.refresh_from_db()
    member.organization  # noqa: B018 -- loaded with the membership, as requests and tasks do
    with django_assert_num_queries(0):
        verdict = gate_check(membership=member, action=GateAction.SHARE, post=post)
        auto = gate_check(membership=member, action=GateAction.AUTO_SHARE, network="mastodon")
    assert not verdict.allowed and not auto.allowed
    block = verdict.blocks[0]
    assert (block.reason, block.fix_url, block.fix_label) == (
        f"Sharing is paused: {REASON}",
        "",
        "",
    )
    assert verdict.as_error()["gates"] == [
        {"reason": f"Sharing is paused: {REASON}", "fix_url": "", "fix_label": ""}
    ]
    # Customer care and joining the program go on.
    assert gate_check(membership=member, action=GateAction.CARE).allowed
    assert gate_check(membership=member, action=GateAction.JOIN).allowed
    gates = gates_for_member(membership=member)
    assert gates.post_verdict(post).reasons == [f"Sharing is paused: {REASON}"]
    assert not gates.verdict(action=GateAction.SHARE, network="mastodon", post=post).allowed
    assert gates.verdict(action=GateAction.CARE).allowed


@pytest.fixture
def post_of_the_day(organization: Any) -> Any:
    return live_post(
        organization, post_of_the_day=date(2026, 3, 2), publish_start=NOW - timedelta(days=1)
    )


def consent(member: Any) -> AutoShare:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        return autoshare_enable(
            membership=member,
            actor=member.user,
            networks=["mastodon"],
            time_of_day=time(8, 0),
            tz="Europe/Berlin",
        )


def test_auto_share_makes_nothing_while_paused_and_the_held_ones_are_made_on_resume(
    organization: Any, admin_member: Any, member: Any, post_of_the_day: Any
) -> None:
    consent(member)
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        pause(organization, admin_member)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert autoshares_run() == 0
    assert not Share.objects.exists()
    # Resumed long after auto-share's usual catch-up window, but still the member's day.
    with time_machine.travel(NOW + timedelta(hours=6), tick=False):
        organization.refresh_from_db()
        held = shares_held(organization=organization)
        assert [found.auto.membership_id for found in held.auto_shares] == [member.pk]
        done = sharing_resume(organization=organization, actor=admin_member.user)
        assert done.auto_shares_made == 1
        assert autoshares_run() == 0  # made once
    share = Share.objects.get()
    assert share.auto and share.post == post_of_the_day and share.network == "mastodon"
    assert share.status == ShareStatus.SCHEDULED


def test_a_held_auto_share_is_not_made_once_the_members_day_is_over(
    organization: Any, admin_member: Any, member: Any, post_of_the_day: Any
) -> None:
    consent(member)
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        pause(organization, admin_member)
    # 23:30 UTC is already the next day in Berlin.
    with time_machine.travel(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), tick=False):
        organization.refresh_from_db()
        assert shares_held(organization=organization).auto_shares == []
        done = sharing_resume(organization=organization, actor=admin_member.user)
    assert done.auto_shares_made == 0
    assert not Share.objects.exists()


def test_a_cancelled_auto_share_is_not_made_later_that_day(
    organization: Any, admin_member: Any, member: Any, post_of_the_day: Any
) -> None:
    auto = consent(member)
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        pause(organization, admin_member)
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        organization.refresh_from_db()
        done = sharing_resume(
            organization=organization, actor=admin_member.user, cancel_auto_share_ids=[auto.pk]
        )
        assert (done.auto_shares_made, done.auto_shares_cancelled) == (0, 1)
    # Within auto-share's catch-up window, the regular run does not make it either.
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        assert autoshares_run() == 0
    share = Share.objects.get()
    assert share.status == ShareStatus.CANCELLED and REASON in share.cancel_reason
    assert Notification.objects.filter(membership=member, kind="autoshare_cancelled_pause").exists()


def test_another_organizations_pause_holds_nothing_here(
    organization: Any, member: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    other_admin = MembershipFactory(is_admin=True)
    pause(other_admin.organization, other_admin)
    share = scheduled(member, post, NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert shares_publish_due() == 1
    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED
    assert route.call_count == 1
