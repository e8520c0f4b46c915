from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.services import tokens as account_services
from chorus.factories import MembershipFactory, NotificationFactory
from chorus.notifications.models import Notification
from chorus.notifications.selectors.notifications import internal_url


def test_member_sees_own_notifications_newest_first(employee_client, employee, organization):
    now = timezone.now()
    old = NotificationFactory(
        membership=employee, message="Old news", created_at=now - timedelta(1)
    )
    new = NotificationFactory(membership=employee, message="Fresh news", created_at=now)
    NotificationFactory(
        membership=MembershipFactory(organization=organization), message="Not yours"
    )
    response = employee_client.get(reverse("notifications"))
    assert list(response.context["page"].object_list) == [new, old]
    body = response.content.decode()
    assert "Not yours" not in body
    assert 'class="notification unread"' in body


def test_notifications_are_paginated(employee_client, employee):
    NotificationFactory.create_batch(35, membership=employee)
    first = employee_client.get(reverse("notifications"))
    assert len(first.context["page"].object_list) == 30
    second = employee_client.get(reverse("notifications"), {"page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert employee_client.get(reverse("notifications"), {"page": "abc"}).status_code == 200


def test_mark_one_read(employee_client, employee):
    notification = NotificationFactory(membership=employee)
    other = NotificationFactory(membership=employee)
    response = employee_client.post(reverse("notification_read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


def test_mark_one_read_with_htmx_returns_the_row_and_badge(employee_client, employee):
    notification = NotificationFactory(membership=employee, message="Hello")
    NotificationFactory(membership=employee)
    response = employee_client.post(
        reverse("notification_read", args=[notification.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert f'id="notification-{notification.pk}"' in body
    assert "unread" not in body.split("</li>")[0]
    assert 'hx-swap-oob="outerHTML:' in body
    assert ">1</span>" in body


def test_mark_all_read(employee_client, employee, organization):
    NotificationFactory.create_batch(3, membership=employee)
    someone_else = NotificationFactory(membership=MembershipFactory(organization=organization))
    response = employee_client.post(reverse("notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(membership=employee, read_at__isnull=True).exists()
    someone_else.refresh_from_db()
    assert someone_else.read_at is None


def test_mark_all_read_with_htmx_removes_the_badge(employee_client, employee):
    NotificationFactory.create_batch(2, membership=employee)
    response = employee_client.post(
        reverse("notifications_read_all"), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'hx-swap-oob="delete:' in body
    assert "Mark all read" not in body


def test_another_members_notification_is_404(employee_client, organization):
    colleague = MembershipFactory(organization=organization)
    theirs = NotificationFactory(membership=colleague)
    response = employee_client.post(reverse("notification_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_is_post_only(employee_client, employee):
    notification = NotificationFactory(membership=employee)
    assert employee_client.get(reverse("notifications_read_all")).status_code == 405
    url = reverse("notification_read", args=[notification.pk])
    assert employee_client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/suggestions/", "/suggestions/"),
        ("/manage/posts/1/?tab=history#top", "/manage/posts/1/?tab=history#top"),
        ("", ""),
        ("https://evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("JAVASCRIPT:alert(1)", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("/\t/evil.example/", ""),
        ("/\n/evil.example", ""),
        (" /suggestions/", ""),
        ("suggestions/", ""),
        ("data:text/html,<b>x</b>", ""),
    ],
)
def test_only_links_inside_the_site_are_kept(url, expected):
    assert internal_url(url) == expected


def test_unsafe_notification_urls_are_not_rendered_as_links(employee_client, employee):
    NotificationFactory(membership=employee, message="Evil", url="javascript:alert(1)")
    NotificationFactory(membership=employee, message="Far", url="//evil.example/")
    NotificationFactory(membership=employee, message="Good", url="/suggestions/")
    body = employee_client.get(reverse("notifications")).content.decode()
    assert "javascript:" not in body
    assert "evil.example" not in body
    assert 'href="/suggestions/">Good</a>' in body


def test_badge_counts_unread_notifications(employee_client, employee):
    NotificationFactory.create_batch(2, membership=employee)
    NotificationFactory(membership=employee, read_at=timezone.now())
    body = employee_client.get(reverse("notifications")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in body
    assert '<span class="count" aria-hidden="true">2</span>' in body


# API ------------------------------------------------------------------------------------


@pytest.fixture
def api(client, employee):
    _, secret = account_services.api_token_create(membership=employee, name="test")

    def call(method, path, **kwargs):
        return client.generic(
            method,
            "/api/v1" + path,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
            **kwargs,
        )

    return call


def test_api_lists_own_notifications_with_unread_filter(api, employee, organization):
    unread = NotificationFactory(membership=employee, url="https://evil.example/")
    NotificationFactory(membership=employee, read_at=timezone.now())
    NotificationFactory(membership=MembershipFactory(organization=organization))
    everything = api("GET", "/notifications").json()
    assert everything["count"] == 2
    only_unread = api("GET", "/notifications?unread=true").json()
    assert [item["id"] for item in only_unread["items"]] == [unread.pk]
    assert only_unread["items"][0]["url"] == ""


def test_api_marks_read(api, employee, organization):
    first, second = NotificationFactory.create_batch(2, membership=employee)
    response = api("POST", f"/notifications/{first.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api("POST", "/notifications/read").json() == {"marked": 1}
    second.refresh_from_db()
    assert second.read_at is not None


def test_api_another_members_notification_is_404(api, organization):
    theirs = NotificationFactory(membership=MembershipFactory(organization=organization))
    assert api("POST", f"/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
