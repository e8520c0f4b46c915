"""Auto-share of the post of the day: explicit yearly consent, at the member's time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from chorus.accounts.models import ProgramStatus
from chorus.core.models import AuditEvent
from chorus.factories import NetworkConnectionFactory
from chorus.notifications.models import Notification
from chorus.sharing.models import AutoShare, Share, ShareStatus
from chorus.sharing.services.schedule import autoshare_enable, autoshares_run
from chorus.sharing.tests.test_publishing import advocate, enable, live_post

# 07:00 UTC is 08:00 in Berlin (winter).
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def member(organization: Any) -> Any:
    enable(organization)
    member = advocate(organization)
    NetworkConnectionFactory(membership=member)
    return member


@pytest.fixture
def post_of_the_day(organization: Any) -> Any:
    return live_post(
        organization, post_of_the_day=date(2026, 3, 2), publish_start=NOW - timedelta(days=1)
    )


def consent(member: Any, at: time = time(8, 0)) -> AutoShare:
    return autoshare_enable(
        membership=member,
        actor=member.user,
        networks=["mastodon"],
        time_of_day=at,
        tz="Europe/Berlin",
    )


def test_consent_is_recorded_for_a_year_and_audited(member: Any) -> None:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        auto = consent(member)
    assert auto.consented_at == NOW - timedelta(days=1)
    assert auto.expires_at == NOW + timedelta(days=364)
    assert auto.is_active
    assert AuditEvent.objects.filter(action="autoshare.enabled").count() == 1
    with time_machine.travel(NOW + timedelta(days=300), tick=False):
        renewed = consent(member)
    assert renewed.pk == auto.pk
    assert renewed.expires_at == NOW + timedelta(days=665)
    assert AuditEvent.objects.filter(action="autoshare.renewed").count() == 1


def test_only_the_member_can_consent_and_only_for_connected_networks(
    organization: Any, member: Any, admin_member: Any
) -> None:
    with pytest.raises(ValidationError, match="Only members themselves"):
        autoshare_enable(
            membership=member,
            actor=admin_member.user,
            networks=["mastodon"],
            time_of_day=time(8),
            tz="UTC",
        )
    with pytest.raises(ValidationError, match="Connect these accounts first"):
        autoshare_enable(
            membership=member, actor=member.user, networks=["x"], time_of_day=time(8), tz="UTC"
        )
    with pytest.raises(ValidationError, match="Unknown time zone"):
        autoshare_enable(
            membership=member,
            actor=member.user,
            networks=["mastodon"],
            time_of_day=time(8),
            tz="Mars/Olympus",
        )
    assert not AutoShare.objects.exists()


def test_the_post_of_the_day_is_shared_at_the_members_time_once(
    member: Any, post_of_the_day: Any
) -> None:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        consent(member)
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        assert autoshares_run() == 0  # 07:55 in Berlin: not yet
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert autoshares_run() == 1
        assert autoshares_run() == 0
    share = Share.objects.get()
    assert share.auto and share.post == post_of_the_day and share.network == "mastodon"
    assert share.status == ShareStatus.SCHEDULED
    # Even a failed auto-share is not made again for the same post.
    Share.objects.update(status=ShareStatus.FAILED)
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        assert autoshares_run() == 0


def test_a_network_the_member_already_shared_to_is_skipped(
    member: Any, post_of_the_day: Any
) -> None:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        consent(member)
    Share.objects.create(
        organization=member.organization,
        membership=member,
        post=post_of_the_day,
        network="mastodon",
        method="intent",
        status=ShareStatus.SHARED,
        text="Shared myself",
    )
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert autoshares_run() == 0


def test_auto_share_respects_the_daily_cap(
    organization: Any, member: Any, post_of_the_day: Any
) -> None:
    enable(organization, daily_cap=1)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        consent(member)
    other = live_post(organization, publish_start=NOW - timedelta(days=1))
    Share.objects.create(
        organization=organization,
        membership=member,
        post=other,
        network="mastodon",
        method="api",
        status=ShareStatus.SHARED,
        text="Earlier today",
        shared_at=NOW - timedelta(hours=1),
        scheduled_for=NOW - timedelta(hours=1),
    )
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert autoshares_run() == 0
    assert not Share.objects.filter(auto=True).exists()


def test_members_who_left_the_program_get_no_auto_shares(member: Any, post_of_the_day: Any) -> None:
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        consent(member)
    type(member).objects.filter(pk=member.pk).update(program_status=ProgramStatus.LEFT)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert autoshares_run() == 0


def test_expired_consent_stops_auto_share_and_tells_the_member(
    member: Any, post_of_the_day: Any
) -> None:
    with time_machine.travel(NOW - timedelta(days=366), tick=False):
        consent(member)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        assert autoshares_run() == 0
        assert autoshares_run() == 0
    assert not AutoShare.objects.get().is_active
    assert not Share.objects.exists()
    notice = Notification.objects.get(membership=member)
    assert notice.kind == "autoshare_expired"
    assert "Renew" in notice.message


def test_the_auto_share_form_records_consent(client: Any, member: Any) -> None:
    client.force_login(member.user)
    refused = client.post(
        "/connections/auto-share/",
        {"action": "enable", "networks": ["mastodon"], "time_of_day": "08:00", "timezone": "UTC"},
    )
    assert refused.status_code == 422  # the consent box was not ticked
    assert not AutoShare.objects.exists()
    response = client.post(
        "/connections/auto-share/",
        {
            "action": "enable",
            "networks": ["mastodon"],
            "time_of_day": "08:00",
            "timezone": "Europe/Berlin",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    auto = AutoShare.objects.get(membership=member)
    assert auto.networks == ["mastodon"] and auto.timezone == "Europe/Berlin"
    client.post("/connections/auto-share/", {"action": "disable"})
    assert not AutoShare.objects.get().is_active
