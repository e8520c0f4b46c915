"""The rules admin page: rules by kind, add, edit, delete, the content policy, "try it"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chorus.content.models import ComplianceRule, ContentPolicy, RuleAction, RuleKind
from chorus.content.services import rules as rule_services
from chorus.core.models import AuditEvent
from chorus.factories import ComplianceRuleFactory, OrganizationFactory

RULES = "/manage/rules/"


def add(client, **fields):
    data = {"kind": RuleKind.BLOCKED_TERM, "value": "secret", "action": RuleAction.BLOCK}
    data.update(fields)
    return client.post(RULES, data)


def test_rules_page_lists_rules_by_kind(admin_client, organization):
    ComplianceRuleFactory(organization=organization, value="confidential")
    ComplianceRuleFactory(
        organization=organization, kind=RuleKind.DENIED_DOMAIN, value="rival.example"
    )
    ComplianceRuleFactory(organization=OrganizationFactory(), value="foreign-term")
    response = admin_client.get(RULES)
    assert response.status_code == 200
    html = response.content.decode()
    assert "confidential" in html and "rival.example" in html
    assert "foreign-term" not in html
    assert html.index("Blocked terms") < html.index("confidential") < html.index("rival.example")


@pytest.mark.parametrize(
    "url",
    [RULES, RULES + "policy/", RULES + "check/", RULES + "{id}/edit/", RULES + "{id}/delete/"],
)
def test_employees_may_not_manage_rules(employee_client, organization, url):
    rule = ComplianceRuleFactory(organization=organization)
    url = url.format(id=rule.pk)
    assert employee_client.get(url).status_code in (403, 405)
    assert employee_client.post(url, {"value": "x", "length_action": "warn"}).status_code == 403
    assert ComplianceRule.objects.filter(pk=rule.pk).exists()
    assert not ContentPolicy.objects.exists()


def test_admin_adds_a_rule_and_it_is_audited(admin_client, organization, admin_member):
    response = add(admin_client, value="  Top   Secret ", action=RuleAction.WARN, note="Legal")
    assert response.status_code == 302
    rule = ComplianceRule.objects.get(organization=organization)
    assert (rule.value, rule.action, rule.note) == ("Top Secret", RuleAction.WARN, "Legal")
    event = AuditEvent.objects.get(action="rule.created")
    assert event.actor == admin_member.user
    assert event.target_id == str(rule.pk)
    assert event.data["value"] == "Top Secret"


def test_domain_rule_is_cut_down_to_its_host(admin_client, organization):
    add(admin_client, kind=RuleKind.ALLOWED_DOMAIN, value="https://Example.com/x?y=1")
    assert ComplianceRule.objects.get(organization=organization).value == "example.com"


def test_bad_domain_is_refused_with_a_reason(admin_client, organization):
    response = add(admin_client, kind=RuleKind.DENIED_DOMAIN, value="not a domain")
    assert response.status_code == 400
    assert "not a domain" in response.content.decode()
    assert not ComplianceRule.objects.exists()
    assert not AuditEvent.objects.filter(action="rule.created").exists()


def test_duplicate_rule_is_refused_clearly(admin_client, organization):
    ComplianceRuleFactory(organization=organization, value="secret")
    response = add(admin_client, value="SÉCRET")
    assert response.status_code == 400
    assert "already a rule for the blocked term “secret”" in response.content.decode()
    assert ComplianceRule.objects.count() == 1


def test_same_value_of_another_kind_or_organization_is_no_duplicate(admin_client, organization):
    ComplianceRuleFactory(organization=OrganizationFactory(), value="secret")
    ComplianceRuleFactory(organization=organization, kind=RuleKind.DISCLOSURE, value="secret")
    assert add(admin_client, value="secret").status_code == 302
    assert ComplianceRule.objects.filter(organization=organization).count() == 2


def test_duplicate_domain_in_another_spelling_is_refused(organization):
    rule_services.rule_create(
        organization=organization, actor=None, kind=RuleKind.DENIED_DOMAIN, value="bücher.de"
    )
    with pytest.raises(ValidationError, match="already"):
        rule_services.rule_create(
            organization=organization,
            actor=None,
            kind=RuleKind.DENIED_DOMAIN,
            value="https://XN--BCHER-KVA.de/",
        )


def test_auto_append_only_sticks_to_disclosures(organization):
    term = rule_services.rule_create(
        organization=organization,
        actor=None,
        kind=RuleKind.BLOCKED_TERM,
        value="x",
        auto_append=True,
    )
    disclosure = rule_services.rule_create(
        organization=organization,
        actor=None,
        kind=RuleKind.DISCLOSURE,
        value="#employee",
        auto_append=True,
    )
    assert (term.auto_append, disclosure.auto_append) == (False, True)


@pytest.mark.parametrize("value", ["", "   ", "\u0301", "a\x00b"])
def test_empty_or_unmatchable_terms_are_refused(organization, value):
    with pytest.raises(ValidationError):
        rule_services.rule_create(
            organization=organization, actor=None, kind=RuleKind.BLOCKED_TERM, value=value
        )


def test_admin_edits_a_rule(admin_client, organization):
    rule = ComplianceRuleFactory(organization=organization, kind=RuleKind.DISCLOSURE, value="#ad")
    url = f"{RULES}{rule.pk}/edit/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"value": "#employee", "action": RuleAction.WARN, "auto_append": "on", "note": ""}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.value, rule.action, rule.auto_append) == (
        RuleKind.DISCLOSURE,
        "#employee",
        RuleAction.WARN,
        True,
    )
    event = AuditEvent.objects.get(action="rule.updated")
    assert event.data["value"] == ["#ad", "#employee"]


def test_edit_to_a_duplicate_is_refused(admin_client, organization):
    ComplianceRuleFactory(organization=organization, value="secret")
    rule = ComplianceRuleFactory(organization=organization, value="plan")
    response = admin_client.post(
        f"{RULES}{rule.pk}/edit/", {"value": "Secret", "action": RuleAction.BLOCK}
    )
    assert response.status_code == 400
    assert "already" in response.content.decode()
    rule.refresh_from_db()
    assert rule.value == "plan"


def test_admin_deletes_a_rule_by_post_only(admin_client, organization):
    rule = ComplianceRuleFactory(organization=organization, value="secret")
    url = f"{RULES}{rule.pk}/delete/"
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(url).status_code == 302
    assert not ComplianceRule.objects.filter(pk=rule.pk).exists()
    event = AuditEvent.objects.get(action="rule.deleted")
    assert (event.target_id, event.data["value"]) == (str(rule.pk), "secret")


@pytest.mark.parametrize("suffix", ["edit/", "delete/"])
def test_foreign_rule_is_404(admin_client, suffix):
    foreign = ComplianceRuleFactory(organization=OrganizationFactory(), value="secret")
    assert admin_client.post(f"{RULES}{foreign.pk}/{suffix}", {"value": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.value == "secret"


def test_admin_changes_the_content_policy(admin_client, organization):
    response = admin_client.post(
        RULES + "policy/",
        {"length_action": RuleAction.WARN, "route_edited_captions_to_approver": "on"},
    )
    assert response.status_code == 302
    policy = ContentPolicy.objects.get(organization=organization)
    assert policy.length_action == RuleAction.WARN
    assert policy.require_other_approver is False
    assert policy.route_edited_captions_to_approver is True
    event = AuditEvent.objects.get(action="content_policy.updated")
    assert event.data["length_action"] == ["block", "warn"]


def test_bad_policy_is_refused(admin_client, organization):
    response = admin_client.post(RULES + "policy/", {"length_action": "explode"})
    assert response.status_code == 400
    assert not ContentPolicy.objects.exists()


def test_unchanged_policy_is_not_audited(organization):
    rule_services.policy_update(
        organization=organization, actor=None, length_action=RuleAction.BLOCK
    )
    assert not AuditEvent.objects.filter(action="content_policy.updated").exists()


def test_try_it_shows_the_verdict_with_findings_marked(admin_client, organization):
    ComplianceRuleFactory(organization=organization, value="secret")
    response = admin_client.post(
        RULES + "check/",
        {"network": "x", "text": "<script>x</script> our Secret", "link_url": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Blocked" in html
    assert ">Secret</mark>" in html
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "<html" not in html  # the partial only


def test_try_it_without_htmx_renders_the_page(admin_client, organization):
    response = admin_client.post(RULES + "check/", {"network": "bluesky", "text": "Hello"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Allowed." in html and "<html" in html


def test_try_it_refuses_bad_input(admin_client):
    response = admin_client.post(
        RULES + "check/", {"network": "myspace", "text": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
