"""Retention: the daily task deletes exactly what is older than each setting, and only
clicks whose days are rolled up; rollups and audit rows stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.analytics.models import RollupDirtyDay, RollupState
from chorus.core.audit import audit_record
from chorus.core.models import AuditEvent
from chorus.factories import (
    MembershipFactory,
    NotificationFactory,
    OrganizationFactory,
    PostFactory,
)
from chorus.links.models import Click, Link
from chorus.notifications.models import Delivery
from chorus.privacy.models import RetentionSettings
from chorus.privacy.tasks import retention_enforce

pytestmark = pytest.mark.django_db


def clicks_at(link: Link, *ages_in_days: float) -> list[Click]:
    now = timezone.now()
    return [
        Click.objects.create(
            organization=link.organization,
            event_id=f"{link.code}-{index}",
            link=link,
            created_at=now - timedelta(days=age),
            kind="click",
            device_class="desktop",
            visitor_key="v",
        )
        for index, age in enumerate(ages_in_days)
    ]


def a_link(organization, code: str) -> Link:
    return Link.objects.create(
        organization=organization,
        code=code,
        post=PostFactory.create(organization=organization),
        destination="https://example.com/",
    )


def test_raw_clicks_older_than_the_setting_go_once_rolled_up(organization):
    RetentionSettings.objects.create(organization=organization, clicks_days=100)
    link = a_link(organization, "keep1")
    old, older, recent = clicks_at(link, 102, 200, 98)
    RollupState.objects.create(source="clicks", last_id=max(c.pk for c in (old, older, recent)))
    other = OrganizationFactory(name="Other", slug="other")
    foreign = clicks_at(a_link(other, "keep2"), 300)[0]
    RollupState.objects.filter(source="clicks").update(last_id=foreign.pk)
    retention_enforce.call()
    assert set(Click.objects.values_list("pk", flat=True)) == {recent.pk, foreign.pk}


def test_clicks_not_yet_rolled_up_stay(organization):
    RetentionSettings.objects.create(organization=organization, clicks_days=100)
    link = a_link(organization, "keep3")
    waiting, beyond_watermark = clicks_at(link, 150, 150)
    RollupState.objects.create(source="clicks", last_id=waiting.pk - 1)
    retention_enforce.call()
    assert Click.objects.count() == 2
    # A day still marked to be rebuilt keeps its clicks (and every later day's).
    RollupState.objects.filter(source="clicks").update(last_id=beyond_watermark.pk)
    RollupDirtyDay.objects.create(
        organization=organization, day=(timezone.now() - timedelta(days=160)).date()
    )
    retention_enforce.call()
    assert Click.objects.count() == 2
    RollupDirtyDay.objects.all().delete()
    retention_enforce.call()
    assert Click.objects.count() == 0


def test_audit_details_are_blanked_after_the_setting_and_the_rows_kept(organization, admin_member):
    RetentionSettings.objects.create(organization=organization, audit_days=30)
    old = audit_record(
        organization=organization,
        actor=admin_member.user,
        action="member.roles_changed",
        data={"roles": ["admin"]},
    )
    new = audit_record(
        organization=organization,
        actor=admin_member.user,
        action="member.roles_changed",
        data={"roles": ["curator"]},
    )
    AuditEvent._base_manager.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    retention_enforce.call()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.action, old.data) == ("member.roles_changed", {})
    assert new.data == {"roles": ["curator"]}


def test_finished_delivery_logs_older_than_the_setting_go(organization):
    RetentionSettings.objects.create(organization=organization, deliveries_days=10)
    member = MembershipFactory(organization=organization)
    notification = NotificationFactory(membership=member)
    now = timezone.now()

    def delivery(age: int, status: str, key: str) -> Delivery:
        return Delivery.objects.create(
            organization=organization,
            notification=notification,
            membership=member,
            channel="email",
            category="program",
            key=key,
            status=status,
            created_at=now - timedelta(days=age),
        )

    gone = delivery(11, "sent", "a")
    waiting = delivery(11, "queued", "b")
    recent = delivery(9, "sent", "c")
    retention_enforce.call()
    assert set(Delivery.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert gone.pk not in set(Delivery.objects.values_list("pk", flat=True))


def test_defaults_and_bounds_on_the_admin_page(admin_client, organization):
    page = admin_client.get(reverse("organization_data_retention"))
    assert page.status_code == 200
    assert 'value="395"' in page.content.decode()
    too_short = admin_client.post(
        reverse("organization_data_retention"),
        {"clicks_days": 10, "audit_days": 730, "deliveries_days": 90},
    )
    assert too_short.status_code == 200
    assert not RetentionSettings.objects.exists()
    saved = admin_client.post(
        reverse("organization_data_retention"),
        {"clicks_days": 400, "audit_days": 365, "deliveries_days": 30},
    )
    assert saved.status_code == 302
    assert RetentionSettings.objects.get(organization=organization).audit_days == 365


def test_members_cannot_change_retention(employee_client):
    assert employee_client.get(reverse("organization_data_retention")).status_code == 403
