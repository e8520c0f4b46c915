"""Publishing shares through a connected account: the real Mastodon (and LinkedIn) adapter,
faked at the transport with respx from the documented request and response shapes."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from chorus.accounts.models import ProgramStatus
from chorus.actions.members import member_leave_program, member_set_active
from chorus.actions.posts import post_archive
from chorus.content.models import CaptionMode, ComplianceRule, PostState, RuleKind
from chorus.factories import MembershipFactory, NetworkConnectionFactory, PostFactory
from chorus.notifications.models import Notification
from chorus.sharing.models import (
    AttemptOutcome,
    AutoShare,
    ConnectionStatus,
    NetworkSettings,
    PublishAttempt,
    Share,
    ShareStatus,
)
from chorus.sharing.services import publishing
from chorus.sharing.services.publishing import (
    MAX_ATTEMPTS,
    share_cancel,
    share_delete_scheduled,
    share_publish_now,
    share_publish_run,
    share_schedule,
    shares_publish_due,
)

INSTANCE = "https://mastodon.example"
STATUSES = f"{INSTANCE}/api/v1/statuses"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def status_entity(status_id: str = "113001") -> dict[str, Any]:
    """A Status entity as POST /api/v1/statuses returns it (docs.joinmastodon.org)."""
    return {
        "id": status_id,
        "created_at": "2026-03-02T09:00:00.000Z",
        "uri": f"{INSTANCE}/users/ada/statuses/{status_id}",
        "url": f"{INSTANCE}/@ada/{status_id}",
        "visibility": "public",
        "content": "<p>Our report is out</p>",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
    }


def enable(organization: Any, network: str = "mastodon", **values: Any) -> NetworkSettings:
    defaults: dict[str, Any] = {"publishing_enabled": True}
    if network not in ("mastodon", "bluesky"):
        defaults.update(client_id="client-id", client_secret="client-secret")
    defaults.update(values)
    settings, _ = NetworkSettings.objects.update_or_create(
        organization=organization, network=network, defaults=defaults
    )
    return settings


def advocate(organization: Any, **values: Any) -> Any:
    return MembershipFactory(
        organization=organization, program_status=ProgramStatus.JOINED, **values
    )


def live_post(organization: Any, **values: Any) -> Any:
    defaults: dict[str, Any] = {
        "state": PostState.LIVE,
        "link_url": "https://example.com/report",
        "publish_start": NOW - timedelta(days=1),
        "caption_mode": CaptionMode.EDITABLE,
    }
    defaults.update(values)
    return PostFactory(organization=organization, **defaults)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def member(organization: Any) -> Any:
    enable(organization)
    return advocate(organization)


@pytest.fixture
def connection(member: Any) -> Any:
    return NetworkConnectionFactory(membership=member, network="mastodon", instance=INSTANCE)


@pytest.fixture
def post(organization: Any, clock: Any) -> Any:
    return live_post(organization)


@pytest.fixture
def mastodon() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def share_now(member: Any, post: Any, text: str | None = "Our report is out.") -> Share:
    return share_publish_now(membership=member, post=post, network="mastodon", text=text)


# Creating shares ----------------------------------------------------------------------


def test_publishing_now_posts_the_text_with_the_members_tracked_link(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    share = share_now(member, post)

    assert share_publish_run(share_id=share.pk) == "published"

    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED
    assert share.remote_id == "113001"
    assert share.remote_url == f"{INSTANCE}/@ada/113001"
    assert share.shared_at == NOW
    sent = json.loads(route.calls.last.request.content)
    assert share.link is not None and f"/l/{share.link.code}" in sent["status"]
    assert sent["status"] == share.text  # exactly what was stored is what was posted
    assert route.calls.last.request.headers["Idempotency-Key"] == str(share.idempotency_key)
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {connection.access_token}"
    assert [a.outcome for a in share.publish_attempts.all()] == [AttemptOutcome.PUBLISHED]


def test_publishing_now_enqueues_the_task_after_commit(
    member: Any,
    connection: Any,
    post: Any,
    mastodon: respx.MockRouter,
    django_capture_on_commit_callbacks: Any,
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    with django_capture_on_commit_callbacks(execute=True):
        share = share_now(member, post)
    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED
    assert route.call_count == 1


def test_without_text_the_suggested_caption_is_shared(
    member: Any, connection: Any, post: Any
) -> None:
    post.captions.create(network="mastodon", text="Read our report https://example.com/report")
    share = share_now(member, post, text=None)
    assert share.text.startswith("Read our report ")
    assert "https://example.com/report" not in share.text  # the tracked link replaced it


def test_a_share_needs_an_active_connection(member: Any, post: Any) -> None:
    with pytest.raises(ValidationError, match="Connect your Mastodon account first"):
        share_now(member, post)
    NetworkConnectionFactory(membership=member, status=ConnectionStatus.EXPIRED)
    with pytest.raises(ValidationError, match="Connect your Mastodon account first"):
        share_now(member, post)
    assert not Share.objects.exists()


def test_a_member_outside_the_program_cannot_share(
    organization: Any, post: Any, clock: Any
) -> None:
    enable(organization)
    outsider = MembershipFactory(organization=organization)
    NetworkConnectionFactory(membership=outsider)
    with pytest.raises(ValidationError, match="Join the advocacy program"):
        share_now(outsider, post)


def test_a_post_that_is_not_live_cannot_be_shared(
    organization: Any, member: Any, connection: Any, clock: Any
) -> None:
    draft = live_post(organization, state=PostState.DRAFT)
    with pytest.raises(ValidationError, match="not live"):
        share_now(member, draft)


def test_publishing_turned_off_by_the_admin_refuses_shares(
    organization: Any, member: Any, connection: Any, post: Any
) -> None:
    enable(organization, publishing_enabled=False)
    with pytest.raises(ValidationError, match="does not publish to Mastodon"):
        share_now(member, post)


def test_a_blocked_term_refuses_the_share(
    organization: Any, member: Any, connection: Any, post: Any
) -> None:
    ComplianceRule.objects.create(
        organization=organization, kind=RuleKind.BLOCKED_TERM, value="guaranteed"
    )
    with pytest.raises(ValidationError, match="guaranteed"):
        share_now(member, post, text="Guaranteed returns!")
    assert not Share.objects.exists()


def test_a_locked_caption_cannot_be_changed(
    organization: Any, member: Any, connection: Any, clock: Any
) -> None:
    locked = live_post(organization, caption_mode=CaptionMode.LOCKED)
    locked.captions.create(network="mastodon", text="Exactly this.")
    with pytest.raises(ValidationError, match="locked"):
        share_now(member, locked, text="Something else.")
    assert share_now(member, locked, text=None).text.startswith("Exactly this.")


def test_the_daily_cap_counts_shared_and_pending_shares(
    organization: Any, member: Any, connection: Any, post: Any
) -> None:
    enable(organization, daily_cap=2)
    other = live_post(organization)
    first = share_now(member, post)
    Share.objects.filter(pk=first.pk).update(status=ShareStatus.SHARED, shared_at=NOW)
    share_schedule(membership=member, post=other, network="mastodon", when=NOW + timedelta(hours=3))
    with pytest.raises(ValidationError, match="2 shares a day on Mastodon"):
        share_now(member, live_post(organization))
    # Cancelled shares free their place; tomorrow is another day.
    share_schedule(membership=member, post=post, network="mastodon", when=NOW + timedelta(days=1))
    Share.objects.filter(scheduled_for=NOW + timedelta(hours=3)).update(
        status=ShareStatus.CANCELLED
    )
    share_now(member, live_post(organization))


def test_the_cap_is_per_member_and_per_network(
    organization: Any, member: Any, connection: Any, post: Any
) -> None:
    enable(organization, daily_cap=1)
    share_now(member, post)
    colleague = advocate(organization)
    NetworkConnectionFactory(membership=colleague)
    share_now(colleague, post)
    enable(organization, "linkedin", daily_cap=1)
    NetworkConnectionFactory(membership=member, network="linkedin", instance="")
    share_publish_now(membership=member, post=post, network="linkedin", text="Hello")
    assert Share.objects.count() == 3


def test_scheduling_in_the_past_or_naive_times_is_refused(
    member: Any, connection: Any, post: Any
) -> None:
    with pytest.raises(ValidationError, match="passed"):
        share_schedule(
            membership=member, post=post, network="mastodon", when=NOW - timedelta(hours=1)
        )
    with pytest.raises(ValidationError, match="time zone"):
        share_schedule(
            membership=member,
            post=post,
            network="mastodon",
            when=datetime(2026, 3, 3, 9, 0),
        )


def test_a_scheduled_share_is_published_when_due_and_not_before(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    share = share_schedule(
        membership=member, post=post, network="mastodon", when=NOW + timedelta(hours=2)
    )
    assert shares_publish_due() == 0
    assert share_publish_run(share_id=share.pk) == "not due"
    clock.shift(timedelta(hours=2))
    assert shares_publish_due() == 1  # the immediate backend ran it
    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED
    assert route.call_count == 1


# Exactly once, retries ------------------------------------------------------------------


def test_running_the_task_again_after_success_never_posts_twice(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    share = share_now(member, post)
    assert share_publish_run(share_id=share.pk) == "published"
    assert share_publish_run(share_id=share.pk) == "skipped (shared)"
    shares_publish_due()
    assert route.call_count == 1


def test_a_retry_after_a_crash_reuses_the_idempotency_key(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    share = share_now(member, post)

    # A worker died mid-call: its attempt stayed STARTED and the share PUBLISHING.
    def worker_dies(request: httpx.Request) -> httpx.Response:
        raise SystemExit("the worker was killed")

    mastodon.post(STATUSES).mock(side_effect=worker_dies)
    with pytest.raises(SystemExit):
        share_publish_run(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == ShareStatus.PUBLISHING
    assert [a.outcome for a in share.publish_attempts.all()] == [AttemptOutcome.STARTED]
    assert share_publish_run(share_id=share.pk) == "not due"  # still in flight

    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(200, json=status_entity()))
    clock.shift(publishing.IN_FLIGHT)
    assert share_publish_run(share_id=share.pk) == "published"
    assert route.call_count == 1
    assert route.calls.last.request.headers["Idempotency-Key"] == str(share.idempotency_key)


def test_a_crash_on_a_network_without_idempotency_key_is_not_posted_blindly_again(
    organization: Any, member: Any, post: Any, clock: Any
) -> None:
    enable(organization, "linkedin")
    NetworkConnectionFactory(membership=member, network="linkedin", instance="", account_id="p1")
    share = share_publish_now(membership=member, post=post, network="linkedin", text="Hello")
    PublishAttempt.objects.create(share=share, started_at=NOW - timedelta(minutes=15))
    Share.objects.filter(pk=share.pk).update(status=ShareStatus.PUBLISHING, attempts=1)

    with respx.mock(assert_all_called=False) as linkedin:
        route = linkedin.post("https://api.linkedin.com/rest/posts")
        assert share_publish_run(share_id=share.pk) == "uncertain"
    assert route.call_count == 0
    share.refresh_from_db()
    assert share.status == ShareStatus.FAILED
    assert "check your profile" in share.error_message
    notice = Notification.objects.get(membership=member)
    assert "check your profile" in notice.message


def test_rate_limited_shares_retry_at_retry_after(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    route = mastodon.post(STATUSES).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "120"}, json={"error": "Too many"}),
            httpx.Response(200, json=status_entity()),
        ]
    )
    share = share_now(member, post)
    assert share_publish_run(share_id=share.pk) == "retry"
    share.refresh_from_db()
    assert share.status == ShareStatus.SCHEDULED
    assert share.next_attempt_at == NOW + timedelta(seconds=120)
    assert share.error_kind == "rate_limited"

    clock.shift(timedelta(seconds=119))
    assert shares_publish_due() == 0
    clock.shift(timedelta(seconds=1))
    assert shares_publish_due() == 1
    share.refresh_from_db()
    assert share.status == ShareStatus.SHARED
    assert route.call_count == 2
    keys = {call.request.headers["Idempotency-Key"] for call in route.calls}
    assert keys == {str(share.idempotency_key)}
    outcomes = [a.outcome for a in share.publish_attempts.all()]
    assert outcomes == [AttemptOutcome.RATE_LIMITED, AttemptOutcome.PUBLISHED]


def test_outages_back_off_exponentially_and_fail_after_the_last_attempt(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter, clock: Any
) -> None:
    route = mastodon.post(STATUSES).mock(return_value=httpx.Response(503))
    share = share_now(member, post)
    delays = []
    for _ in range(MAX_ATTEMPTS - 1):
        started = timezone.now()
        assert share_publish_run(share_id=share.pk) == "retry"
        share.refresh_from_db()
        assert share.next_attempt_at is not None
        delays.append(share.next_attempt_at - started)
        clock.move_to(share.next_attempt_at)
    assert share_publish_run(share_id=share.pk) == "failed"
    share.refresh_from_db()
    assert share.status == ShareStatus.FAILED
    assert route.call_count == MAX_ATTEMPTS
    # About 1, 2, 4, 8, 16 minutes: each wait longer than the one before, jitter and all.
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    assert timedelta(seconds=45) < delays[0] < timedelta(seconds=75)
    assert Notification.objects.filter(membership=member, kind="share_failed").count() == 1


def test_an_expired_token_stops_the_share_and_asks_the_member_to_reconnect(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    mastodon.post(STATUSES).mock(
        return_value=httpx.Response(401, json={"error": "The access token is invalid"})
    )
    share = share_now(member, post)
    assert share_publish_run(share_id=share.pk) == "failed"
    share.refresh_from_db()
    connection.refresh_from_db()
    assert share.status == ShareStatus.FAILED
    assert "Reconnect your Mastodon account" in share.error_message
    assert connection.status == ConnectionStatus.EXPIRED
    notice = Notification.objects.get(membership=member)
    assert notice.message.startswith("Reconnect your Mastodon account")
    assert notice.url == "/connections/"


def test_rejected_content_fails_with_the_networks_reason(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    mastodon.post(STATUSES).mock(
        return_value=httpx.Response(422, json={"error": "Validation failed: Text too long"})
    )
    share = share_now(member, post)
    assert share_publish_run(share_id=share.pk) == "failed"
    share.refresh_from_db()
    assert share.status == ShareStatus.FAILED
    assert share.error_kind == "rejected"
    assert "Text too long" in share.error_message
    assert "Text too long" in Notification.objects.get(membership=member).message
    assert connection.status == ConnectionStatus.ACTIVE


def test_a_timeout_is_retried_later(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    mastodon.post(STATUSES).mock(side_effect=httpx.ReadTimeout("slow"))
    share = share_now(member, post)
    assert share_publish_run(share_id=share.pk) == "retry"
    share.refresh_from_db()
    assert share.error_kind == "unavailable"
    assert share.next_attempt_at is not None and share.next_attempt_at > NOW


# Cancellation ---------------------------------------------------------------------------


def test_archiving_a_post_cancels_its_pending_shares(
    admin_member: Any, member: Any, connection: Any, post: Any
) -> None:
    pending = share_schedule(
        membership=member, post=post, network="mastodon", when=NOW + timedelta(hours=1)
    )
    done = share_now(member, live_post(post.organization))
    Share.objects.filter(pk=done.pk).update(status=ShareStatus.SHARED)
    post_archive(post=post, actor=admin_member.user)
    pending.refresh_from_db()
    assert pending.status == ShareStatus.CANCELLED
    assert pending.cancel_reason == "The post was withdrawn."
    assert Share.objects.get(pk=done.pk).status == ShareStatus.SHARED


def test_leaving_the_program_cancels_pending_shares_and_stops_auto_share(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(STATUSES)
    pending = share_schedule(
        membership=member, post=post, network="mastodon", when=NOW + timedelta(hours=1)
    )
    auto = AutoShare.objects.create(
        organization=member.organization,
        membership=member,
        networks=["mastodon"],
        time_of_day="09:00",
        consented_at=NOW,
        expires_at=NOW + timedelta(days=365),
    )
    member_leave_program(membership=member, actor=member.user)
    pending.refresh_from_db()
    auto.refresh_from_db()
    assert pending.status == ShareStatus.CANCELLED
    assert pending.cancel_reason == "You left the advocacy program."
    assert not auto.is_active
    assert share_publish_run(share_id=pending.pk) == "skipped (cancelled)"
    assert route.call_count == 0


def test_deactivating_a_member_cancels_their_pending_shares(
    admin_member: Any, member: Any, connection: Any, post: Any
) -> None:
    pending = share_now(member, post)
    member_set_active(membership=member, actor=admin_member.user, active=False)
    pending.refresh_from_db()
    assert pending.status == ShareStatus.CANCELLED
    assert pending.cancel_reason == "Your membership was deactivated."


def test_a_share_of_a_post_withdrawn_meanwhile_is_cancelled_at_publish_time(
    member: Any, connection: Any, post: Any, mastodon: respx.MockRouter
) -> None:
    route = mastodon.post(STATUSES)
    share = share_now(member, post)
    type(post).objects.filter(pk=post.pk).update(state=PostState.EXPIRED)
    assert share_publish_run(share_id=share.pk) == "post"
    assert Share.objects.get(pk=share.pk).status == ShareStatus.CANCELLED
    assert route.call_count == 0


def test_members_cancel_or_delete_their_scheduled_shares(
    member: Any, connection: Any, post: Any
) -> None:
    first = share_schedule(
        membership=member, post=post, network="mastodon", when=NOW + timedelta(hours=1)
    )
    cancelled = share_cancel(share=first, actor=member.user)
    assert cancelled.status == ShareStatus.CANCELLED
    with pytest.raises(ValidationError):
        share_cancel(share=first, actor=member.user)
    second = share_schedule(
        membership=member, post=post, network="mastodon", when=NOW + timedelta(hours=2)
    )
    share_delete_scheduled(share=second, actor=member.user)
    assert not Share.objects.filter(pk=second.pk).exists()
    Share.objects.filter(pk=first.pk).update(status=ShareStatus.SHARED)
    with pytest.raises(ValidationError, match="Only a scheduled share"):
        share_delete_scheduled(share=first, actor=member.user)
