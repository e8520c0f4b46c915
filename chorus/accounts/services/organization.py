"""The organization's own settings: its name, the program's terms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    Organization,
    User,
)
from chorus.core.audit import audit_record


def organization_update_terms(*, organization: Organization, actor: User, terms: str) -> None:
    """New terms get a new version; members who joined keep their recorded consent."""
    terms = terms.strip()
    if not terms:
        raise ValidationError(_("The program terms cannot be empty."))
    if terms == organization.program_terms:
        return
    organization.program_terms = terms
    organization.program_terms_version += 1
    organization.save(update_fields=["program_terms", "program_terms_version"])
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.terms_changed",
        target=organization,
        data={"version": organization.program_terms_version},
    )


def organization_rename(*, organization: Organization, actor: User, name: str) -> None:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("The organization needs a name."))
    if len(name) > Organization._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError(_("The organization name is too long."))
    if name == organization.name:
        return
    before = organization.name
    organization.name = name
    organization.save(update_fields=["name"])
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.renamed",
        target=organization,
        data={"before": before, "after": name},
    )
