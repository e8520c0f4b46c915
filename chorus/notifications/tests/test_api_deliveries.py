"""The delivery API: the log (filters, pages, newest first), its summary, and a test
message to yourself through the real engine (email on Django's test mail backend)."""

from __future__ import annotations

import datetime
from typing import Any, get_args

import pytest
from django.core import mail
from django.utils import timezone

from chorus.accounts.models import Membership, Organization
from chorus.accounts.services.tokens import api_token_create
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.api.deliveries import CategoryName, ChannelName, DeliveryStatusName
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


def call(client: Any, method: str, path: str, who: Membership | None) -> Any:
    headers = {}
    if who is not None:
        _token, secret = api_token_create(membership=who, name="test")
        headers["Authorization"] = f"Bearer {secret}"
    return client.generic(
        method, "/api/v1" + path, data="", content_type="application/json", headers=headers
    )


def _delivery(organization: Organization, **fields: Any) -> Delivery:
    values: dict[str, Any] = {
        "organization": organization,
        "channel": Channel.EMAIL,
        "category": Category.SHARES,
        "key": "notification:1",
        "status": DeliveryStatus.SENT,
    }
    values.update(fields)
    delivery: Delivery = Delivery.objects.create(**values)
    return delivery


@pytest.fixture
def log(organization: Organization, employee: Membership) -> list[Delivery]:
    """Three deliveries of the organization, oldest first, and one of another organization."""
    now = timezone.now()
    failed = _delivery(
        organization,
        membership=employee,
        status=DeliveryStatus.FAILED,
        subject="Your share <failed>",
        error="550 no such user",
        attempts=1,
        created_at=now - datetime.timedelta(days=10),
    )
    posted = _delivery(
        organization,
        channel=Channel.TEAMS,
        category=Category.ANNOUNCEMENT,
        destination="17",
        destination_label="Marketing · General",
        subject="New post",
        created_at=now - datetime.timedelta(hours=2),
    )
    pushed = _delivery(
        organization,
        membership=employee,
        channel=Channel.PUSH,
        category=Category.DIGEST,
        status=DeliveryStatus.SKIPPED,
        created_at=now - datetime.timedelta(hours=1),
    )
    other = OrganizationFactory.create()
    _delivery(other, membership=MembershipFactory.create(organization=other), subject="Theirs")
    return [failed, posted, pushed]


def test_the_filters_take_the_engines_values() -> None:
    assert set(get_args(ChannelName)) == set(Channel.values)
    assert set(get_args(DeliveryStatusName)) == set(DeliveryStatus.values)
    assert set(get_args(CategoryName)) == set(Category.values)


def test_an_admin_reads_the_log_newest_first_in_pages(
    client: Any, admin_member: Membership, employee: Membership, log: list[Delivery]
) -> None:
    failed, posted, pushed = log

    first = call(client, "GET", "/deliveries?limit=2", admin_member)
    rest = call(client, "GET", "/deliveries?limit=2&offset=2", admin_member)

    assert first.status_code == 200
    assert first.json()["count"] == 3
    assert [row["id"] for row in first.json()["items"]] == [pushed.pk, posted.pk]
    assert first.json()["items"][1] == {
        "id": posted.pk,
        "created_at": first.json()["items"][1]["created_at"],
        "sent_at": None,
        "channel": "teams",
        "category": "announcement",
        "status": "sent",
        "attempts": 0,
        "subject": "New post",
        "error": "",
        "member": None,
        "destination": "Marketing · General",
    }
    assert rest.json()["items"] == [
        {
            "id": failed.pk,
            "created_at": rest.json()["items"][0]["created_at"],
            "sent_at": None,
            "channel": "email",
            "category": "shares",
            "status": "failed",
            "attempts": 1,
            "subject": "Your share <failed>",
            "error": "550 no such user",
            "member": {"id": employee.pk, "name": str(employee.user)},
            "destination": "",
        }
    ]


def test_the_log_filters_by_channel_status_and_category(
    client: Any, admin_member: Membership, log: list[Delivery]
) -> None:
    failed, posted, pushed = log

    def ids(query: str) -> list[int]:
        response = call(client, "GET", f"/deliveries?{query}", admin_member)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["items"]]

    assert ids("channel=email") == [failed.pk]
    assert ids("status=skipped") == [pushed.pk]
    assert ids("category=announcement") == [posted.pk]
    assert ids("channel=email&status=sent") == []


@pytest.mark.parametrize(
    "query", ["channel=fax", "status=lost", "category=gossip", "limit=0", "offset=-1", "limit=201"]
)
def test_unknown_filters_are_refused(client: Any, admin_member: Membership, query: str) -> None:
    response = call(client, "GET", f"/deliveries?{query}", admin_member)

    assert response.status_code == 422
    assert response.json()["detail"]


def test_the_summary_counts_each_channel_and_status_within_the_days(
    client: Any, admin_member: Membership, log: list[Delivery]
) -> None:
    week = call(client, "GET", "/deliveries/summary", admin_member)
    month = call(client, "GET", "/deliveries/summary?days=30", admin_member)

    assert week.status_code == 200
    nothing = dict.fromkeys(DeliveryStatus.values, 0)
    assert week.json()["channels"] == [
        {"channel": "push", "counts": {**nothing, "skipped": 1}},
        {"channel": "teams", "counts": {**nothing, "sent": 1}},
    ]
    assert {row["channel"]: row["counts"] for row in month.json()["channels"]}["email"] == {
        **nothing,
        "failed": 1,
    }
    since = datetime.datetime.fromisoformat(week.json()["since"])
    assert abs(since - (timezone.now() - datetime.timedelta(days=7))) < datetime.timedelta(
        minutes=1
    )


@pytest.mark.parametrize("days", ["0", "91", "-3", "week"])
def test_the_summary_takes_1_to_90_days(client: Any, admin_member: Membership, days: str) -> None:
    assert call(client, "GET", f"/deliveries/summary?days={days}", admin_member).status_code == 422


def test_only_admins_read_the_log(
    client: Any, organization: Organization, employee: Membership, log: list[Delivery]
) -> None:
    curator: Membership = MembershipFactory.create(organization=organization, is_curator=True)

    for who in (employee, curator):
        assert call(client, "GET", "/deliveries", who).status_code == 403
        assert call(client, "GET", "/deliveries/summary", who).status_code == 403
    assert call(client, "GET", "/deliveries", None).status_code == 401
    assert call(client, "GET", "/deliveries/summary", None).status_code == 401


# --- a test to yourself ---


def test_an_admin_sends_a_test_email_to_themselves(
    client: Any, settings: Any, admin_member: Membership
) -> None:
    settings.SITE_URL = "https://chorus.example"

    response = call(client, "POST", "/channels/email/test", admin_member)

    assert response.status_code == 200
    delivery = Delivery.objects.get()
    assert response.json() == {
        "delivery_id": delivery.pk,
        "channel": "email",
        "status": "sent",
        "error": "",
    }
    assert delivery.membership == admin_member and delivery.category == Category.TEST
    assert [message.to for message in mail.outbox] == [[admin_member.user.email]]
    assert mail.outbox[0].subject == "A test from Chorus"


def test_a_test_in_the_app_lands_in_the_callers_notifications(
    client: Any, admin_member: Membership
) -> None:
    response = call(client, "POST", "/channels/in_app/test", admin_member)

    assert response.status_code == 200
    assert response.json()["status"] == "sent"
    assert admin_member.notifications.count() == 1


def test_an_unknown_channel_is_not_found_and_one_without_members_is_refused(
    client: Any, admin_member: Membership
) -> None:
    unknown = call(client, "POST", "/channels/fax/test", admin_member)
    organization_only = call(client, "POST", "/channels/teams/test", admin_member)

    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Choose a channel to test."}
    assert organization_only.status_code == 422
    assert organization_only.json() == {"detail": "Choose a channel to test."}
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_only_admins_send_tests(
    client: Any, organization: Organization, employee: Membership
) -> None:
    curator: Membership = MembershipFactory.create(organization=organization, is_curator=True)

    assert call(client, "POST", "/channels/email/test", employee).status_code == 403
    assert call(client, "POST", "/channels/email/test", curator).status_code == 403
    assert call(client, "POST", "/channels/email/test", None).status_code == 401
    assert not Delivery.objects.exists()
    assert mail.outbox == []
