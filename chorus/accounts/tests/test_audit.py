from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.urls import reverse

from chorus.core.audit import audit_record
from chorus.core.models import AuditEvent
from chorus.factories import OrganizationFactory, UserFactory


def actions_listed(response) -> list[str]:
    return [event.action for event, _label, _data in response.context["rows"]]


def record(organization, *, action, actor=None, label="", when="2026-03-10", data=None):
    with time_machine.travel(datetime.fromisoformat(when).replace(tzinfo=UTC)):
        return audit_record(
            organization=organization, actor=actor, action=action, target_label=label, data=data
        )


def test_audit_log_is_newest_first_and_only_this_organization(admin_client, organization):
    record(organization, action="first", when="2026-03-01")
    record(organization, action="second", when="2026-03-02")
    record(OrganizationFactory(), action="foreign", when="2026-03-03")
    response = admin_client.get(reverse("audit_log"))
    assert actions_listed(response) == ["second", "first"]


def test_filter_by_action(admin_client, organization):
    record(organization, action="group.created")
    record(organization, action="member.deactivated")
    response = admin_client.get(reverse("audit_log"), {"action": "group.created"})
    assert actions_listed(response) == ["group.created"]
    assert "member.deactivated" in response.context["form"].fields["action"].choices[2]


def test_filter_by_actor_email(admin_client, organization):
    boss = UserFactory(email="boss@acme.test")
    record(organization, action="by.boss", actor=boss)
    record(organization, action="by.system")
    response = admin_client.get(reverse("audit_log"), {"actor": "BOSS@"})
    assert actions_listed(response) == ["by.boss"]


def test_filter_by_target_label(admin_client, organization):
    record(organization, action="about.alice", label="Alice Archer")
    record(organization, action="about.bob", label="Bob Baker")
    response = admin_client.get(reverse("audit_log"), {"target": "archer"})
    assert actions_listed(response) == ["about.alice"]


def test_filter_by_dates_is_inclusive(admin_client, organization):
    record(organization, action="march.1", when="2026-03-01T10:00")
    record(organization, action="march.2", when="2026-03-02T23:30")
    record(organization, action="march.3", when="2026-03-03T00:10")
    response = admin_client.get(
        reverse("audit_log"), {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    )
    assert actions_listed(response) == ["march.2"]
    later = admin_client.get(reverse("audit_log"), {"date_from": "2026-03-02"})
    assert actions_listed(later) == ["march.3", "march.2"]


def test_bad_dates_give_a_message_not_a_500(admin_client, organization):
    record(organization, action="kept")
    response = admin_client.get(
        reverse("audit_log"), {"date_from": "2026-13-45", "date_to": "yesterday"}
    )
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert actions_listed(response) == ["kept"]


def test_end_before_start_is_reported(admin_client, organization):
    response = admin_client.get(
        reverse("audit_log"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "before the start date" in response.content.decode()


def test_unknown_action_is_ignored_with_a_message(admin_client, organization):
    record(organization, action="kept")
    response = admin_client.get(reverse("audit_log"), {"action": "x" * 300})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert actions_listed(response) == ["kept"]


def test_data_is_shown_as_escaped_key_values(admin_client, organization):
    record(
        organization,
        action="member.groups_changed",
        label="<b>Mallory</b>",
        data={"after": ["<script>x</script>", "Sales"], "items": "shadow"},
    )
    body = admin_client.get(reverse("audit_log")).content.decode()
    assert "<script>x</script>" not in body and "<b>Mallory</b>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;, Sales" in body
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in body
    assert "<dt>items</dt>" in body and "shadow" in body


def test_audit_log_is_paginated(admin_client, organization):
    for number in range(55):
        record(organization, action=f"event.{number}")
    first = admin_client.get(reverse("audit_log"))
    second = admin_client.get(reverse("audit_log"), {"page": 2})
    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 5


def test_htmx_request_gets_only_the_table(admin_client, organization):
    record(organization, action="kept")
    response = admin_client.get(reverse("audit_log"), headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()
    assert "Kept" in response.content.decode()  # the action, in words


def test_audit_log_is_read_only(admin_client, organization):
    record(organization, action="kept")
    response = admin_client.post(reverse("audit_log"), {"action": "kept"})
    assert response.status_code == 405
    assert AuditEvent.objects.count() == 1
    page = admin_client.get(reverse("audit_log")).content.decode().split("<main", 1)[1]
    assert 'method="post"' not in page


def test_employee_is_refused_the_audit_log(employee_client):
    assert employee_client.get(reverse("audit_log")).status_code == 403
