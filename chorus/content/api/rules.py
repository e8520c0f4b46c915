"""The compliance API: rules and the content policy (admins), and "check this text" (members).

Every rule lookup goes through the caller's organization, so a foreign id is 404. Writes go
through chorus.content.services, like the pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import Query

from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Input, NetworkName, PathId
from chorus.content.compliance import CheckResult, check_text, policy_for
from chorus.content.models import ComplianceRule, ContentPolicy
from chorus.content.services import rules as rule_services
from chorus.core.validators import WebURLOrBlank

router = Router(tags=["compliance"])

RuleKindName = Literal["blocked_term", "disclosure", "allowed_domain", "denied_domain"]
ActionName = Literal["block", "warn"]


# Rules --------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    kind: str
    value: str
    action: str
    auto_append: bool
    note: str
    created_at: datetime


class RuleIn(Input):
    kind: RuleKindName
    value: str = Field(min_length=1, max_length=300)
    action: ActionName = "block"
    auto_append: bool = Field(False, description="Disclosures only: append when missing.")
    note: str = Field("", max_length=300)


class RulePatch(Input):
    value: str | None = Field(None, min_length=1, max_length=300)
    action: ActionName | None = None
    auto_append: bool | None = None
    note: str | None = Field(None, max_length=300)


class RuleFilters(Input):
    kind: RuleKindName | None = None


def _rule(request: HttpRequest, rule_id: int) -> ComplianceRule:
    organization = calling_member(request).organization
    return get_object_or_404(ComplianceRule, pk=rule_id, organization=organization)


@router.get("/rules", response=list[RuleOut], summary="List compliance rules")
@api_roles("admin")
@paginate(Pagination)
def rule_list(request: HttpRequest, filters: Query[RuleFilters]) -> QuerySet[ComplianceRule]:
    rules = ComplianceRule.objects.filter(organization=calling_member(request).organization)
    if filters.kind:
        rules = rules.filter(kind=filters.kind)
    return rules.order_by("kind", "value", "id")


@router.post("/rules", response={201: RuleOut, 422: Error}, summary="Add a compliance rule")
@api_roles("admin")
def rule_create(request: HttpRequest, payload: RuleIn) -> Status[ComplianceRule]:
    caller = calling_member(request)
    rule = rule_services.rule_create(
        organization=caller.organization,
        actor=caller.user,
        kind=payload.kind,
        value=payload.value,
        action=payload.action,
        auto_append=payload.auto_append,
        note=payload.note,
    )
    return Status(201, rule)


@router.get("/rules/{rule_id}", response={200: RuleOut, 404: Error}, summary="One rule")
@api_roles("admin")
def rule_detail(request: HttpRequest, rule_id: PathId) -> ComplianceRule:
    return _rule(request, rule_id)


@router.patch(
    "/rules/{rule_id}",
    response={200: RuleOut, 404: Error, 422: Error},
    summary="Change a rule (its kind stays)",
)
@api_roles("admin")
def rule_update(request: HttpRequest, rule_id: PathId, payload: RulePatch) -> ComplianceRule:
    rule = _rule(request, rule_id)
    return rule_services.rule_update(
        rule=rule,
        actor=calling_member(request).user,
        value=rule.value if payload.value is None else payload.value,
        action=rule.action if payload.action is None else payload.action,
        auto_append=rule.auto_append if payload.auto_append is None else payload.auto_append,
        note=rule.note if payload.note is None else payload.note,
    )


@router.delete("/rules/{rule_id}", response={204: None, 404: Error}, summary="Delete a rule")
@api_roles("admin")
def rule_delete(request: HttpRequest, rule_id: PathId) -> Status[None]:
    rule_services.rule_delete(rule=_rule(request, rule_id), actor=calling_member(request).user)
    return Status(204, None)


# The content policy -------------------------------------------------------------------


class PolicyOut(Schema):
    length_action: str
    require_other_approver: bool
    route_edited_captions_to_approver: bool
    publish_on_approval: bool = Field(
        description="Approving a post publishes it (live, or scheduled until its window starts)."
    )


class PolicyPatch(Input):
    length_action: ActionName | None = None
    require_other_approver: bool | None = None
    route_edited_captions_to_approver: bool | None = None
    publish_on_approval: bool | None = None


@router.get("/content-policy", response=PolicyOut, summary="The content policy")
@api_roles("admin")
def policy_detail(request: HttpRequest) -> ContentPolicy:
    return policy_for(organization=calling_member(request).organization)


@router.patch(
    "/content-policy", response={200: PolicyOut, 422: Error}, summary="Change the content policy"
)
@api_roles("admin")
def policy_update(request: HttpRequest, payload: PolicyPatch) -> ContentPolicy:
    caller = calling_member(request)
    return rule_services.policy_update(
        organization=caller.organization,
        actor=caller.user,
        length_action=payload.length_action,
        require_other_approver=payload.require_other_approver,
        route_edited_captions_to_approver=payload.route_edited_captions_to_approver,
        publish_on_approval=payload.publish_on_approval,
    )


# Checking a text ----------------------------------------------------------------------


class CheckIn(Input):
    network: NetworkName
    text: Annotated[str, Field(max_length=70000)]
    link_url: WebURLOrBlank = ""


class FindingOut(Schema):
    rule: str = Field(
        description="blocked_term, disclosure, allowed_domain, denied_domain, length, "
        "bidi_control (direction overrides or isolates: always blocks)"
    )
    rule_id: int | None
    action: str
    message: str
    text: str = Field(description="The offending text.")
    start: int = Field(description="Its position in `text` of the result, in code points.")
    end: int
    location: str = Field(description="text, link_url (the shared link) or missing")


class CheckOut(Schema):
    text: str = Field(description="The text checked, with any disclosure appended.")
    network: str
    length: int = Field(description="Counted the network's way.")
    limit: int
    blocked: bool
    appended_disclosure: str
    findings: list[FindingOut]


@router.post(
    "/compliance/check",
    response={200: CheckOut, 422: Error},
    summary="Check a caption against the rules and the network's length limit",
)
@api_roles()
def compliance_check(request: HttpRequest, payload: CheckIn) -> CheckResult:
    return check_text(
        organization=calling_member(request).organization,
        network=payload.network,
        text=payload.text,
        link_url=payload.link_url.strip(),
    )
