"""The compliance API: rules and policy for admins, "check this text" for every member."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from chorus.content.models import ComplianceRule, ContentPolicy, RuleKind
from chorus.core.models import AuditEvent
from chorus.factories import ComplianceRuleFactory, MembershipFactory, OrganizationFactory

BASE = "/api/v1"


def call(client, method, path, body=None):
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, BASE + path, data=data, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/rules"),
        ("POST", "/rules"),
        ("GET", "/rules/{id}"),
        ("PATCH", "/rules/{id}"),
        ("DELETE", "/rules/{id}"),
        ("GET", "/content-policy"),
        ("PATCH", "/content-policy"),
    ],
)
def test_employees_may_not_manage_rules(employee_client, organization, method, path):
    rule = ComplianceRuleFactory(organization=organization)
    body = {"kind": "blocked_term", "value": "x", "length_action": "warn"}
    response = call(employee_client, method, path.format(id=rule.pk), body)
    assert response.status_code == 403
    assert ComplianceRule.objects.filter(organization=organization).count() == 1


def test_admin_lists_own_rules(admin_client, organization):
    ComplianceRuleFactory(organization=organization, value="secret")
    ComplianceRuleFactory(organization=organization, kind=RuleKind.DISCLOSURE, value="#ad")
    ComplianceRuleFactory(organization=OrganizationFactory(), value="foreign")
    response = call(admin_client, "GET", "/rules")
    assert response.status_code == 200
    assert [item["value"] for item in response.json()["items"]] == ["secret", "#ad"]
    only = call(admin_client, "GET", "/rules?kind=disclosure").json()["items"]
    assert [item["value"] for item in only] == ["#ad"]


def test_admin_creates_a_rule(admin_client, organization):
    response = call(
        admin_client,
        "POST",
        "/rules",
        {"kind": "allowed_domain", "value": "https://WWW.Example.com/x", "action": "warn"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["value"], body["action"]) == (
        "allowed_domain",
        "www.example.com",
        "warn",
    )
    assert AuditEvent.objects.filter(action="rule.created", target_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "denied_domain", "value": "not a domain"}, "not a domain"),
        ({"kind": "blocked_term", "value": "Secret"}, "already"),
        ({"kind": "blocked_term", "value": "a\x00b"}, "NUL"),
        ({"kind": "nonsense", "value": "x"}, ""),
        ({"kind": "blocked_term", "value": "x", "action": "explode"}, ""),
    ],
)
def test_bad_rules_are_422(admin_client, organization, body, message):
    ComplianceRuleFactory(organization=organization, value="secret")
    response = call(admin_client, "POST", "/rules", body)
    assert response.status_code == 422
    assert message in json.dumps(response.json(), ensure_ascii=False)
    assert ComplianceRule.objects.count() == 1


def test_admin_updates_and_deletes_a_rule(admin_client, organization):
    rule = ComplianceRuleFactory(organization=organization, value="secret", note="keep")
    response = call(admin_client, "PATCH", f"/rules/{rule.pk}", {"action": "warn"})
    assert response.status_code == 200
    assert (response.json()["action"], response.json()["note"]) == ("warn", "keep")
    assert call(admin_client, "GET", f"/rules/{rule.pk}").json()["action"] == "warn"
    assert call(admin_client, "DELETE", f"/rules/{rule.pk}").status_code == 204
    assert not ComplianceRule.objects.filter(pk=rule.pk).exists()
    assert AuditEvent.objects.filter(action="rule.deleted").exists()


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_foreign_rule_is_404(admin_client, method):
    foreign = ComplianceRuleFactory(organization=OrganizationFactory(), value="secret")
    response = call(admin_client, method, f"/rules/{foreign.pk}", {"value": "changed"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.value == "secret"


def test_admin_reads_and_changes_the_policy(admin_client, organization):
    assert call(admin_client, "GET", "/content-policy").json() == {
        "length_action": "block",
        "require_other_approver": True,
        "route_edited_captions_to_approver": False,
        "publish_on_approval": False,
    }
    response = call(admin_client, "PATCH", "/content-policy", {"length_action": "warn"})
    assert response.status_code == 200
    assert response.json()["length_action"] == "warn"
    assert response.json()["require_other_approver"] is True
    assert ContentPolicy.objects.get(organization=organization).length_action == "warn"
    bad = call(admin_client, "PATCH", "/content-policy", {"length_action": "explode"})
    assert bad.status_code == 422


def test_admin_turns_on_publishing_on_approval_and_it_is_audited(admin_client, organization):
    response = call(admin_client, "PATCH", "/content-policy", {"publish_on_approval": True})
    assert response.status_code == 200
    assert response.json()["publish_on_approval"] is True
    assert ContentPolicy.objects.get(organization=organization).publish_on_approval is True
    event = AuditEvent.objects.filter(
        organization=organization, action="content_policy.updated"
    ).latest("id")
    assert event.data == {"publish_on_approval": [False, True]}
    assert (
        call(admin_client, "PATCH", "/content-policy", {"publish_on_approval": "x"}).status_code
        == 422
    )


def test_any_member_may_check_a_text(employee_client, organization):
    ComplianceRuleFactory(organization=organization, value="top secret")
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.DISCLOSURE, value="#employee", auto_append=True
    )
    response = call(
        employee_client,
        "POST",
        "/compliance/check",
        {"network": "x", "text": "Our TOP\nsecret café", "link_url": "https://example.com/a"},
    )
    assert response.status_code == 200
    body = response.json()
    # A caption of several lines gets the disclosure on a line of its own.
    assert body["text"] == "Our TOP\nsecret café\n#employee"
    assert body["appended_disclosure"] == "#employee"
    assert (body["length"], body["limit"], body["blocked"]) == (29, 280, True)
    [finding] = body["findings"]
    assert finding["rule"] == "blocked_term"
    assert finding["action"] == "block"
    assert (finding["text"], finding["start"], finding["end"]) == ("TOP\nsecret", 4, 14)
    assert finding["location"] == "text"


def test_check_uses_only_the_callers_rules(client, db):
    other = OrganizationFactory()
    ComplianceRuleFactory(organization=other, value="secret")
    member = MembershipFactory(organization=OrganizationFactory())
    client.force_login(member.user)
    response = call(client, "POST", "/compliance/check", {"network": "linkedin", "text": "secret"})
    assert response.json()["findings"] == []


def test_check_refuses_unknown_networks_and_anonymous_callers(employee_client):
    bad = call(employee_client, "POST", "/compliance/check", {"network": "myspace", "text": "x"})
    assert bad.status_code == 422
    anonymous = call(Client(), "POST", "/compliance/check", {"network": "x", "text": "x"})
    assert anonymous.status_code == 401
