"""The reach API: announcing a post (and its audience), and the nudge settings."""

from __future__ import annotations

import datetime
import json
from typing import Any, get_args

import pytest
from django.utils import timezone

from chorus.accounts.models import Group, Membership, Organization
from chorus.accounts.services.tokens import api_token_create
from chorus.content.models import Post, PostState
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, PostFactory
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import (
    Delivery,
    DeliveryPreference,
    DeliveryStatus,
    Dispatch,
    Unsubscribe,
)
from chorus.notifications.services.sending import deliveries_send_run
from chorus.reach.api.announce import AnnouncementChannel
from chorus.reach.models import ReachSettings
from chorus.reach.tests.conftest import RecordingChannel, joined

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]


def call(client: Any, method: str, path: str, who: Membership | None, body: Any = None) -> Any:
    headers = {}
    if who is not None:
        _token, secret = api_token_create(membership=who, name="test")
        headers["Authorization"] = f"Bearer {secret}"
    return client.generic(
        method,
        "/api/v1" + path,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def _live(organization: Organization) -> Post:
    post: Post = PostFactory.create(organization=organization, state=PostState.LIVE)
    return post


def _curator(organization: Organization) -> Membership:
    member: Membership = MembershipFactory.create(organization=organization, is_curator=True)
    return member


def _wants_email(member: Membership) -> None:
    DeliveryPreference.objects.create(
        organization_id=member.organization_id,
        membership=member,
        quiet_hours=False,
        choices={Category.ANNOUNCEMENT: [Channel.EMAIL]},
    )


# --- announcements ---


def test_the_channels_an_announcement_takes_are_the_engines() -> None:
    assert set(get_args(AnnouncementChannel)) == set(Channel.values)


def test_a_curator_counts_the_audience_then_announces_once_a_day(
    client: Any,
    organization: Organization,
    email: RecordingChannel,
    django_capture_on_commit_callbacks: Any,
) -> None:
    curator = _curator(organization)
    sales: Group = GroupFactory.create(organization=organization, name="Sales")
    in_sales = [joined(organization) for _ in range(2)]
    sales.members.add(*in_sales)
    others = joined(organization)
    for member in [*in_sales, others]:
        _wants_email(member)
    post = _live(organization)
    path = f"/posts/{post.pk}/announce"

    everyone = call(client, "GET", path, curator)
    in_group = call(client, "GET", f"{path}?groups={sales.pk}", curator)
    with django_capture_on_commit_callbacks(execute=True):
        sent = call(
            client, "POST", path, curator, {"groups": [sales.pk], "channels": ["email", "email"]}
        )
    after = call(client, "GET", path, curator)
    again = call(client, "POST", path, curator, {"channels": ["in_app"]})

    assert everyone.status_code == 200
    assert everyone.json() == {
        "post_id": post.pk,
        "live": True,
        "members": 3,
        "announced_today": False,
    }
    assert in_group.json()["members"] == 2
    assert sent.status_code == 201
    assert sent.json() == {
        "post_id": post.pk,
        "members": 2,
        "sent": True,
        "groups": [sales.pk],
        "channels": ["email"],
    }
    assert after.json()["announced_today"] is True
    assert again.status_code == 409
    assert again.json() == {"detail": "This post was already announced today."}
    assert Dispatch.objects.filter(category=Category.ANNOUNCEMENT).count() == 1
    deliveries_send_run(organization_id=organization.pk)
    assert sorted(outgoing.membership.pk for outgoing in email.sent) == sorted(
        member.pk for member in in_sales
    )
    assert AuditEvent.objects.filter(action="reach.post_announced").count() == 1


def test_a_foreign_draft_or_unknown_post_is_not_found(
    client: Any, organization: Organization
) -> None:
    curator = _curator(organization)
    foreign = _live(OrganizationFactory.create())
    draft: Post = PostFactory.create(organization=organization)
    body = {"channels": ["email"]}

    assert call(client, "GET", f"/posts/{foreign.pk}/announce", curator).status_code == 404
    assert call(client, "POST", f"/posts/{foreign.pk}/announce", curator, body).status_code == 404
    assert call(client, "POST", f"/posts/{draft.pk}/announce", curator, body).status_code == 404
    assert call(client, "POST", "/posts/999999/announce", curator, body).status_code == 404
    # A draft's audience may still be counted (to plan), and says it is not live.
    planned = call(client, "GET", f"/posts/{draft.pk}/announce", curator)
    assert planned.status_code == 200 and planned.json()["live"] is False
    assert not Dispatch.objects.exists()


def test_foreign_groups_unknown_channels_or_none_are_refused_and_nothing_is_sent(
    client: Any, organization: Organization
) -> None:
    curator = _curator(organization)
    post = _live(organization)
    foreign_group: Group = GroupFactory.create(organization=OrganizationFactory.create())
    path = f"/posts/{post.pk}/announce"

    foreign = call(
        client, "POST", path, curator, {"groups": [foreign_group.pk], "channels": ["email"]}
    )
    counted = call(client, "GET", f"{path}?groups={foreign_group.pk}", curator)
    no_channel = call(client, "POST", path, curator, {"channels": []})
    unknown = call(client, "POST", path, curator, {"channels": ["fax"]})
    nul = call(client, "POST", path, curator, {"channels": ["email\x00"]})
    missing = call(client, "POST", path, curator, {})

    assert foreign.status_code == 422
    assert foreign.json() == {"detail": "Choose groups of your organization."}
    assert counted.status_code == 422
    assert no_channel.status_code == 422
    assert no_channel.json() == {"detail": "Choose a channel from the list."}
    assert unknown.status_code == 422 and nul.status_code == 422 and missing.status_code == 422
    assert not Dispatch.objects.exists()
    assert not AuditEvent.objects.filter(action="reach.post_announced").exists()


def test_only_curators_and_admins_announce(client: Any, organization: Organization) -> None:
    post = _live(organization)
    employee = joined(organization)
    admin: Membership = MembershipFactory.create(organization=organization, is_admin=True)
    path = f"/posts/{post.pk}/announce"
    body = {"channels": ["in_app"]}

    assert call(client, "GET", path, employee).status_code == 403
    assert call(client, "POST", path, employee, body).status_code == 403
    assert call(client, "GET", path, None).status_code == 401
    assert call(client, "POST", path, None, body).status_code == 401
    assert not Dispatch.objects.exists()
    assert call(client, "POST", path, admin, body).status_code == 201


# --- nudges ---


def test_an_admin_reads_and_changes_the_nudge_settings_with_the_months(
    client: Any, organization: Organization, admin_member: Membership
) -> None:
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
    month = timezone.localtime(sent_at).date().replace(day=1).isoformat()

    read = call(client, "GET", "/reach/nudges", admin_member)
    changed = call(client, "PUT", "/reach/nudges", admin_member, {"enabled": False, "days": 90})

    assert read.status_code == 200
    assert read.json() == {
        "enabled": True,
        "days": 45,
        "months": [{"month": month, "nudged": 3, "unsubscribed": 1}],
    }
    assert changed.status_code == 200
    assert changed.json()["enabled"] is False and changed.json()["days"] == 90
    found = ReachSettings.objects.get(organization=organization)
    assert (found.nudges_enabled, found.nudge_after_days) == (False, 90)
    assert AuditEvent.objects.filter(action="reach.nudges_changed").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"enabled": True, "days": 29},
        {"enabled": True, "days": 366},
        {"enabled": True, "days": 10**30},
        {"enabled": True},
        {"enabled": "perhaps", "days": 60},
    ],
)
def test_nudge_days_out_of_bounds_are_refused_and_nothing_changes(
    client: Any, organization: Organization, admin_member: Membership, body: dict[str, Any]
) -> None:
    ReachSettings.objects.create(organization=organization, nudge_after_days=60)

    response = call(client, "PUT", "/reach/nudges", admin_member, body)

    assert response.status_code == 422
    assert "detail" in response.json()
    assert ReachSettings.objects.get(organization=organization).nudge_after_days == 60
    assert not AuditEvent.objects.filter(action="reach.nudges_changed").exists()


def test_only_admins_see_or_change_nudges(
    client: Any, organization: Organization, employee: Membership
) -> None:
    curator = _curator(organization)
    body = {"enabled": False, "days": 60}

    for who in (employee, curator):
        assert call(client, "GET", "/reach/nudges", who).status_code == 403
        assert call(client, "PUT", "/reach/nudges", who, body).status_code == 403
    assert call(client, "GET", "/reach/nudges", None).status_code == 401
    assert call(client, "PUT", "/reach/nudges", None, body).status_code == 401
    assert not ReachSettings.objects.filter(nudges_enabled=False).exists()
