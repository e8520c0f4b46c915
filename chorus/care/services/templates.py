"""Approved replies: templates approvers keep, with `{customer}`, `{first_name}` and `{link}`.

A template is checked when it is saved, by the organization's compliance rules and each
network's length (the same `check_text` captions go through), with the variables filled
by the longest values they plausibly take, so a template sent unchanged can always go out
without an approver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership, Organization
from chorus.care.models import CareTag, Conversation, ReplyTemplate
from chorus.content.compliance import NETWORK_LIMITS, check_text
from chorus.content.models import ComplianceRule, Network
from chorus.core.audit import audit_record

VARIABLES = ("customer", "first_name", "link")
_VARIABLE = re.compile(r"\{([^{}\s]{0,40})\}")
# Networks where Chorus answers customers; the default text must fit each one that has no
# shorter text of its own.
REPLY_NETWORKS = (Network.X, Network.BLUESKY, Network.MASTODON)
# The longest values the variables plausibly take, per network (handles are bounded by
# the networks: X 15 characters, a Bluesky domain handle, a Mastodon user on a server).
LONGEST_CUSTOMER: dict[str, str] = {
    Network.X: "@" + "x" * 15,
    Network.BLUESKY: "@" + "x" * 30 + ".bsky.social",
    Network.MASTODON: "@" + "x" * 30 + "@" + "x" * 24 + ".social",
}
LONGEST_CUSTOMER_DEFAULT = "@" + "x" * 40
LONGEST_FIRST_NAME = "x" * 20
MAX_NAME = 120
MAX_BODY = 5000
MAX_LANGUAGE = 10


@dataclass
class TemplateFields:
    name: str
    body: str
    network_bodies: dict[str, str] = field(default_factory=dict)
    link: str = ""
    language: str = ""
    tags: list[CareTag] = field(default_factory=list)
    is_active: bool = True


def template_variables(text: str) -> list[str]:
    return _VARIABLE.findall(text)


def fill(text: str, *, customer: str, first_name: str, link: str) -> str:
    """The text with its variables replaced (anything else in braces stays as written)."""
    values = {"customer": customer, "first_name": first_name, "link": link}
    return _VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def template_body_for(template: ReplyTemplate, network: str) -> str:
    """The template's shorter text for `network`, else its default text."""
    bodies = template.network_bodies or {}
    return str(bodies.get(network) or template.body)


def member_first_name(membership: Membership) -> str:
    """The first word of the member's name (their address' local part without one)."""
    user = membership.user
    words = (user.name or "").split()
    return words[0] if words else user.email.split("@", 1)[0]


def template_render(
    *, template: ReplyTemplate, conversation: Conversation, membership: Membership
) -> str:
    """The template filled for this customer and member, on the conversation's network,
    with any disclosure the organization appends automatically (what goes out)."""
    network = conversation.network
    text = fill(
        template_body_for(template, network),
        customer=conversation.customer_handle,
        first_name=member_first_name(membership),
        link=template.link,
    ).strip()
    return check_text(
        organization=conversation.organization, network=network, text=text, link_url=template.link
    ).text


def _clean(fields: TemplateFields) -> TemplateFields:
    errors: dict[str, list[str]] = {}
    name = fields.name.strip()
    body = fields.body.strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the template a name."))
    elif len(name) > MAX_NAME:
        errors.setdefault("name", []).append(
            _("A name has at most %(max)s characters.") % {"max": MAX_NAME}
        )
    if not body:
        errors.setdefault("body", []).append(_("Write the template's text."))
    bodies: dict[str, str] = {}
    for network, text in (fields.network_bodies or {}).items():
        if network not in NETWORK_LIMITS:
            errors.setdefault("network_bodies", []).append(
                _("Unknown network: %(network)s.") % {"network": network}
            )
        elif str(text).strip():
            bodies[network] = str(text).strip()
    for text in [body, *bodies.values()]:
        if len(text) > MAX_BODY:
            errors.setdefault("body", []).append(
                _("A text has at most %(max)s characters.") % {"max": MAX_BODY}
            )
            break
    unknown = sorted(
        {name for text in [body, *bodies.values()] for name in template_variables(text)}
        - set(VARIABLES)
    )
    if unknown:
        errors.setdefault("body", []).append(
            _(
                "Unknown variable %(unknown)s: a template can use {customer} (the customer's "
                "handle), {first_name} (your colleague's first name) and {link}."
            )
            % {"unknown": ", ".join("{" + item + "}" for item in unknown)}
        )
    uses_link = any("link" in template_variables(text) for text in [body, *bodies.values()])
    link = fields.link.strip()
    if uses_link and not link:
        errors.setdefault("link", []).append(_("The text uses {link}: give the template its link."))
    language = fields.language.strip().lower()
    if len(language) > MAX_LANGUAGE:
        errors.setdefault("language", []).append(_("Give a language code such as en or de."))
    if errors:
        raise ValidationError(errors)
    return TemplateFields(
        name=name,
        body=body,
        network_bodies=bodies,
        link=link,
        language=language,
        tags=list(fields.tags),
        is_active=fields.is_active,
    )


def template_findings(
    *,
    organization: Organization,
    fields: TemplateFields,
    rules: Iterable[ComplianceRule] | None = None,
) -> list[str]:
    """What keeps the template from going out unchanged: rules that block and texts too
    long for a network, checked with the variables at their longest (empty: it passes)."""
    if rules is None:
        rules = ComplianceRule.objects.filter(organization=organization)
    loaded = list(rules)
    checks = list(fields.network_bodies.items())
    checks += [
        (network, fields.body) for network in REPLY_NETWORKS if network not in fields.network_bodies
    ]
    messages: list[str] = []
    for network, text in checks:
        filled = fill(
            text,
            customer=LONGEST_CUSTOMER.get(network, LONGEST_CUSTOMER_DEFAULT),
            first_name=LONGEST_FIRST_NAME,
            link=fields.link,
        )
        result = check_text(
            organization=organization,
            network=network,
            text=filled,
            link_url=fields.link,
            rules=loaded,
        )
        for finding in result.findings:
            if finding.rule == "length":
                message = _(
                    "Too long for %(network)s with a long customer handle and first name: "
                    "%(length)s of %(limit)s. Write a shorter text for %(network)s."
                ) % {
                    "network": result.network_label,
                    "length": result.length,
                    "limit": result.limit,
                }
            elif finding.action == "block":
                message = finding.message
            else:
                continue
            if message not in messages:
                messages.append(message)
    return messages


def _check(*, membership: Membership, fields: TemplateFields) -> TemplateFields:
    if not membership.has_role("approver"):
        raise ValidationError(_("Only approvers and admins keep the approved replies."))
    cleaned = _clean(fields)
    foreign = [tag for tag in cleaned.tags if tag.organization_id != membership.organization_id]
    if foreign:
        raise ValidationError({"tags": [_("Choose tags of your organization.")]})
    findings = template_findings(organization=membership.organization, fields=cleaned)
    if findings:
        raise ValidationError({"body": findings})
    return cleaned


def _audit_data(template: ReplyTemplate, fields: TemplateFields) -> dict[str, object]:
    return {
        "name": template.name,
        "networks": sorted(fields.network_bodies),
        "language": fields.language,
        "active": fields.is_active,
    }


def template_create(*, membership: Membership, fields: TemplateFields) -> ReplyTemplate:
    """A new approved reply, refused (ValidationError, nothing saved) when it does not pass."""
    cleaned = _check(membership=membership, fields=fields)
    with transaction.atomic():
        template = ReplyTemplate.objects.create(
            organization_id=membership.organization_id,
            name=cleaned.name,
            body=cleaned.body,
            network_bodies=cleaned.network_bodies,
            link=cleaned.link,
            language=cleaned.language,
            is_active=cleaned.is_active,
            created_by=membership.user,
        )
        template.tags.set(cleaned.tags)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.template_created",
            target=template,
            data=_audit_data(template, cleaned),
        )
    return template


def template_update(
    *, membership: Membership, template: ReplyTemplate, fields: TemplateFields
) -> ReplyTemplate:
    cleaned = _check(membership=membership, fields=fields)
    with transaction.atomic():
        template.name = cleaned.name
        template.body = cleaned.body
        template.network_bodies = cleaned.network_bodies
        template.link = cleaned.link
        template.language = cleaned.language
        template.is_active = cleaned.is_active
        template.save(
            update_fields=[
                "name",
                "body",
                "network_bodies",
                "link",
                "language",
                "is_active",
                "updated_at",
            ]
        )
        template.tags.set(cleaned.tags)
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.template_updated",
            target=template,
            data=_audit_data(template, cleaned),
        )
    return template


def template_delete(*, membership: Membership, template: ReplyTemplate) -> None:
    """Delete a template; replies sent with it keep their text."""
    if not membership.has_role("approver"):
        raise ValidationError(_("Only approvers and admins keep the approved replies."))
    with transaction.atomic():
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="care.template_deleted",
            target=template,
            data={"name": template.name},
        )
        template.delete()
