"""An admin counts a visitor as a bot: their people-clicks become previews, with an audit."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from chorus.accounts.models import Organization, User
from chorus.core.audit import audit_record
from chorus.links.models import ClickKind
from chorus.links.reclassify import MAX_BOT_NAME, clicks_reclassify_as_bot
from chorus.links.selectors.visitors import SHORT_KEY, visitor_clicks

MAX_REASON = 200
# Clicks per call of clicks_reclassify_as_bot: its ids go into one IN (...) list, and SQLite
# allows 32,766 parameters.
IDS_PER_CALL = 2000


class UnknownVisitor(LookupError):
    """No click of this visitor key in the organization over the period the page covers."""


def reason_clean(reason: str) -> str:
    """The reason on one line; refused when too long."""
    if "\x00" in reason:
        raise ValidationError("The reason must not contain NUL characters.")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError(f"Keep the reason to {MAX_REASON} characters (it has {len(reason)}).")
    return reason


def reclassified_bot_name(*, actor: User, reason: str) -> str:
    """What the clicks' bot name says: who counted them as a bot, and why."""
    name = f"Reclassified by {actor.get_full_name()}"
    return (f"{name}: {reason}" if reason else name)[:MAX_BOT_NAME]


@transaction.atomic
def visitor_reclassify_as_bot(
    *, organization: Organization, actor: User, visitor_key: str, reason: str = ""
) -> int:
    """Count the visitor's people-clicks as bot previews. Returns how many changed (0: the
    visitor had none left); the audit log records who did it and why.

    Raises UnknownVisitor for a key with no click in the organization (see
    selectors_visitors.visitor_clicks), ValidationError for a reason that is too long.
    """
    reason = reason_clean(reason)
    clicks = visitor_clicks(organization=organization, visitor_key=visitor_key)
    if clicks is None:
        raise UnknownVisitor(visitor_key)
    # The ids from the visitor's day, found over the (organization, time) index: by key
    # alone, clicks_reclassify_as_bot would read every click of the organization.
    ids = list(clicks.filter(kind=ClickKind.CLICK).order_by("pk").values_list("pk", flat=True))
    bot_name = reclassified_bot_name(actor=actor, reason=reason)
    changed = 0
    for start in range(0, len(ids), IDS_PER_CALL):
        changed += clicks_reclassify_as_bot(
            organization_id=organization.pk,
            visitor_key=visitor_key,
            click_ids=ids[start : start + IDS_PER_CALL],
            bot_name=bot_name,
        )
    if changed:
        short_key = visitor_key[:SHORT_KEY]
        audit_record(
            organization=organization,
            actor=actor,
            action="clicks.reclassified",
            target_label=f"Visitor {short_key}",
            data={"visitor": short_key, "clicks": changed, "reason": reason},
        )
    return changed
