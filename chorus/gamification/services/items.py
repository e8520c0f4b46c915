"""Badges and rewards, which admins set up alike: a name and a description checked the
same way, and taken out of use or put back the same way."""

from __future__ import annotations

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from chorus.accounts.models import User
from chorus.core.audit import audit_record
from chorus.gamification.models import Badge, Reward


def name_and_description_clean(
    *,
    name: str,
    description: str,
    missing_name: str,
    max_name: int,
    max_description: int,
    errors: dict[str, str],
) -> tuple[str, str]:
    """The name and description trimmed; a problem goes in `errors` (`missing_name`, or
    one that is too long)."""
    name = name.strip()
    description = description.strip()
    if not name:
        errors["name"] = missing_name
    elif len(name) > max_name:
        errors["name"] = _("A name has at most %(max)s characters.") % {"max": max_name}
    if len(description) > max_description:
        errors["description"] = _("A description has at most %(max)s characters.") % {
            "max": max_description
        }
    return name, description


def grouped(number: int) -> str:
    """The number with the reader's thousands separator ("10,000", "10.000")."""
    return number_format(number, force_grouping=True)


def active_set(*, item: Badge | Reward, actor: User, active: bool, kind: str) -> bool:
    """Set `item.active`; audited as `<kind>.activated` or `<kind>.deactivated` when it
    changes. True if it changed (a second click changes nothing and records nothing)."""
    with transaction.atomic():
        changed = (
            type(item)
            ._default_manager.filter(pk=item.pk)
            .exclude(active=active)
            .update(active=active)
        )
        if changed:
            audit_record(
                organization=item.organization,
                actor=actor,
                action=f"{kind}.activated" if active else f"{kind}.deactivated",
                target=item,
            )
    item.active = active
    return bool(changed)
