"""Compliance rules and the organization's content policy."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from chorus.accounts.models import Organization, User
from chorus.content.compliance import fold_term, normalize_domain, url_host
from chorus.content.models import (
    ComplianceRule,
    ContentPolicy,
    RuleAction,
    RuleKind,
)
from chorus.core.audit import audit_record

_DOMAIN_KINDS = (RuleKind.ALLOWED_DOMAIN, RuleKind.DENIED_DOMAIN)
_ALREADY = {
    RuleKind.BLOCKED_TERM: gettext_lazy(
        "There is already a rule for the blocked term “%(value)s”."
    ),
    RuleKind.DISCLOSURE: gettext_lazy(
        "There is already a rule for the required disclosure “%(value)s”."
    ),
    RuleKind.ALLOWED_DOMAIN: gettext_lazy(
        "There is already a rule for the allowed link domain “%(value)s”."
    ),
    RuleKind.DENIED_DOMAIN: gettext_lazy(
        "There is already a rule for the denied link domain “%(value)s”."
    ),
}


def _rule_value(*, kind: str, value: str) -> str:
    """The value as stored: a domain cut down to its host, a term with tidy whitespace."""
    if kind not in RuleKind.values:
        raise ValidationError(gettext("Choose a kind of rule."))
    if "\x00" in value:
        raise ValidationError(gettext("Text must not contain NUL characters."))
    if kind in _DOMAIN_KINDS:
        return normalize_domain(value)
    value = " ".join(value.split())
    if not value:
        raise ValidationError(gettext("Enter the term or the disclosure text."))
    if len(value) > 300:
        raise ValidationError(gettext("Keep it under 300 characters."))
    if not fold_term(value):
        raise ValidationError(
            gettext("“%(value)s” has nothing a caption could contain.") % {"value": value}
        )
    return value


def _rule_check_unique(
    *, organization: Organization, kind: str, value: str, rule_id: int | None = None
) -> None:
    # "Secret" and "SECRET", or "bücher.de" and "xn--bcher-kva.de", are one rule.
    def key(text: str) -> str:
        return url_host(text) if kind in _DOMAIN_KINDS else fold_term(text)

    others = ComplianceRule.objects.filter(organization=organization, kind=kind)
    if rule_id is not None:
        others = others.exclude(pk=rule_id)
    for other in others:
        if key(other.value) == key(value):
            raise ValidationError(str(_ALREADY[RuleKind(kind)]) % {"value": other.value})


def _rule_fields(
    *, kind: str, value: str, action: str, auto_append: bool, note: str
) -> dict[str, object]:
    if action not in RuleAction.values:
        raise ValidationError(gettext("Choose block or warn."))
    if "\x00" in note:
        raise ValidationError(gettext("Text must not contain NUL characters."))
    return {
        "value": _rule_value(kind=kind, value=value),
        "action": action,
        "auto_append": auto_append and kind == RuleKind.DISCLOSURE,
        "note": " ".join(note.split())[:300],
    }


@transaction.atomic
def rule_create(
    *,
    organization: Organization,
    actor: User | None,
    kind: str,
    value: str,
    action: str = RuleAction.BLOCK,
    auto_append: bool = False,
    note: str = "",
) -> ComplianceRule:
    fields = _rule_fields(kind=kind, value=value, action=action, auto_append=auto_append, note=note)
    _rule_check_unique(organization=organization, kind=kind, value=str(fields["value"]))
    rule = ComplianceRule.objects.create(organization=organization, kind=kind, **fields)
    audit_record(
        organization=organization,
        actor=actor,
        action="rule.created",
        target=rule,
        data={"kind": kind, **fields},
    )
    return rule


@transaction.atomic
def rule_update(
    *,
    rule: ComplianceRule,
    actor: User | None,
    value: str,
    action: str,
    auto_append: bool = False,
    note: str = "",
) -> ComplianceRule:
    fields = _rule_fields(
        kind=rule.kind, value=value, action=action, auto_append=auto_append, note=note
    )
    _rule_check_unique(
        organization=rule.organization, kind=rule.kind, value=str(fields["value"]), rule_id=rule.pk
    )
    before = {name: getattr(rule, name) for name in fields}
    for name, new_value in fields.items():
        setattr(rule, name, new_value)
    rule.save(update_fields=list(fields))
    changed = {name: [before[name], new] for name, new in fields.items() if before[name] != new}
    audit_record(
        organization=rule.organization,
        actor=actor,
        action="rule.updated",
        target=rule,
        data=changed,
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: ComplianceRule, actor: User | None) -> None:
    audit_record(
        organization=rule.organization,
        actor=actor,
        action="rule.deleted",
        target=rule,
        data={"kind": rule.kind, "value": rule.value, "action": rule.action},
    )
    rule.delete()


@transaction.atomic
def policy_update(
    *,
    organization: Organization,
    actor: User | None,
    length_action: str | None = None,
    require_other_approver: bool | None = None,
    route_edited_captions_to_approver: bool | None = None,
    publish_on_approval: bool | None = None,
) -> ContentPolicy:
    """Change the organization's content policy; None leaves a switch as it is."""
    if length_action is not None and length_action not in RuleAction.values:
        raise ValidationError(gettext("Choose block or warn."))
    policy, _ = ContentPolicy.objects.select_for_update().get_or_create(organization=organization)
    wanted = {
        "length_action": length_action,
        "require_other_approver": require_other_approver,
        "route_edited_captions_to_approver": route_edited_captions_to_approver,
        "publish_on_approval": publish_on_approval,
    }
    changed = {
        name: [getattr(policy, name), value]
        for name, value in wanted.items()
        if value is not None and getattr(policy, name) != value
    }
    if changed:
        for name, (_old, value) in changed.items():
            setattr(policy, name, value)
        policy.save(update_fields=list(changed))
        audit_record(
            organization=organization,
            actor=actor,
            action="content_policy.updated",
            target_label="Content policy",
            data=changed,
        )
    return policy
