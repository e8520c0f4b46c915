"""Turning a visitor's people-clicks into bot previews, on the links' side.

When an admin or a heuristic finds that a visitor was a bot (a crawler with a browser's
user agent, a security scanner opening every link of an email), its clicks become
previews and the links' counters are corrected. The whole change, with the rollups marked
for rebuilding and the points the clicks earned taken back, is the cross-app action
chorus.actions.clicks.clicks_reclassify_as_bot; pages and the API call
chorus.actions.clicks.visitor_reclassify_as_bot.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.utils.translation import gettext

from chorus.accounts.models import Organization, User
from chorus.links.models import Click, ClickKind, ClickOutcome, DeviceClass, Link
from chorus.links.selectors.visitors import visitor_clicks

MAX_REASON = 200
MAX_BOT_NAME = 100


class UnknownVisitor(LookupError):
    """No click of this visitor key in the organization over the period the page covers."""


def reason_clean(reason: str) -> str:
    """The reason on one line; refused when too long."""
    if "\x00" in reason:
        raise ValidationError(gettext("The reason must not contain NUL characters."))
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError(
            gettext("Keep the reason to %(most)s characters (it has %(length)s).")
            % {"most": MAX_REASON, "length": len(reason)}
        )
    return reason


def reclassified_bot_name(*, actor: User, reason: str) -> str:
    """What the clicks' bot name says: who counted them as a bot, and why."""
    name = f"Reclassified by {actor.get_full_name()}"
    return (f"{name}: {reason}" if reason else name)[:MAX_BOT_NAME]


def visitor_click_ids(*, organization: Organization, visitor_key: str) -> list[int]:
    """The ids of the visitor's people-clicks, oldest first.

    Found over the (organization, time) index from the visitor's days: by key alone, the
    search would read every click of the organization. Raises UnknownVisitor for a key with
    no click in the organization (see selectors.visitors.visitor_clicks).
    """
    clicks = visitor_clicks(organization=organization, visitor_key=visitor_key)
    if clicks is None:
        raise UnknownVisitor(visitor_key)
    return list(clicks.filter(kind=ClickKind.CLICK).order_by("pk").values_list("pk", flat=True))


def clicks_lock_people(
    *,
    organization_id: int,
    visitor_key: str | None = None,
    click_ids: Iterable[int] | None = None,
) -> list[int]:
    """Lock and return the organization's person clicks of a visitor (or among these ids).

    Clicks already counted as previews are left out. Must run inside transaction.atomic.
    """
    if visitor_key is None and click_ids is None:
        raise ValueError("Give a visitor key or click ids.")
    clicks = Click.objects.filter(organization_id=organization_id, kind=ClickKind.CLICK)
    if visitor_key is not None:
        clicks = clicks.filter(visitor_key=visitor_key)
    if click_ids is not None:
        clicks = clicks.filter(pk__in=list(click_ids))
    return list(clicks.select_for_update().values_list("pk", flat=True))


def clicks_mark_bot(*, ids: list[int], bot_name: str) -> None:
    """Make these (locked) person clicks bot previews and correct their links' counters."""
    chosen = Click.objects.filter(pk__in=ids)
    # Clicks that got the "no longer available" page were never counted as clicks.
    counted = ~Q(outcome=ClickOutcome.UNAVAILABLE)
    per_link = (
        chosen.values("link_id")
        .annotate(
            people=Count("pk", filter=counted & Q(is_self=False)),
            unique=Count("pk", filter=counted & Q(is_self=False, is_unique=True)),
            own=Count("pk", filter=counted & Q(is_self=True)),
            total=Count("pk"),
        )
        .order_by("link_id")  # a fixed order: no deadlocks with the drainer
    )
    for row in per_link:
        Link.objects.filter(pk=row["link_id"]).update(
            clicks=F("clicks") - row["people"],
            unique_clicks=F("unique_clicks") - row["unique"],
            self_clicks=F("self_clicks") - row["own"],
            previews=F("previews") + row["total"],
        )
    chosen.update(
        kind=ClickKind.BOT,
        bot_name=bot_name[:MAX_BOT_NAME],
        device_class=DeviceClass.BOT,
        is_unique=False,
        is_self=False,
    )
