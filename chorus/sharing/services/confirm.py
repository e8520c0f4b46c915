"""Opened shares confirmed by a click: someone else followed the member's tracked link.

A share through a network's share page is OPENED when the member opened that page;
Chorus cannot see whether they then posted it. A person's click on the member's tracked
link after the share was opened (not a bot, preview, HEAD or prefetch, not the member's
own click, not one that found a withdrawn post's dead end) proves the text went out: the
share becomes SHARED, as if the member had pressed "Done", `shared_at` is the moment of
that first click, and the member is told. Points and the analytics rollups follow by
themselves: both read the shares changed since their watermarks (by `updated_at`) and
rebuild or award from `shared_at`.

A click later reclassified as a bot does not undo the confirmation: a network's crawler
fetching the link also shows that the text was posted.

Clicks are stored by the drainer in links, a layer below sharing; this periodic pass
reads them (chorus.sharing.tasks.shares_confirm_clicked) instead of the drainer calling up.

A tracked link is one per (post, member, network), so several shares may carry it. A
click confirms only the latest opened share on its link, and none while another share
on the link is SHARED (the click may come from that one's post).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from chorus.core.audit import audit_record
from chorus.links.models import Click, ClickKind, ClickOutcome
from chorus.networks.registry import CHANNEL_CHOICES
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.models import Share, ShareMethod, ShareStatus
from chorus.sharing.services.events import share_emit

BATCH = 500


def _confirming_clicks() -> QuerySet[Click]:
    """A person's click, not the sharer's, on the share's link since it was opened."""
    return (
        Click.objects.filter(
            link_id=OuterRef("link_id"),
            kind=ClickKind.CLICK,
            is_self=False,
            created_at__gte=OuterRef("created_at"),
        )
        .exclude(outcome=ClickOutcome.UNAVAILABLE)
        .order_by()
    )


def shares_confirm_clicked(*, limit: int = BATCH) -> int:
    """Confirm the opened shares whose tracked link a person followed. Returns how many.

    Idempotent: a confirmed share is not OPENED any more. Runs across organizations (the
    periodic task opens that scope).
    """
    others_on_link = Share.objects.filter(link_id=OuterRef("link_id")).exclude(pk=OuterRef("pk"))
    candidates = (
        Share.objects.filter(
            status=ShareStatus.OPENED,
            method=ShareMethod.INTENT,
            link__isnull=False,
            # The link's counters, kept by the drainer, rule most shares out cheaply.
            link__clicks__gt=0,
            link__last_click_at__gte=F("created_at"),
        )
        .filter(Exists(_confirming_clicks()))
        .exclude(
            Exists(
                others_on_link.filter(
                    Q(status=ShareStatus.SHARED)
                    | Q(status=ShareStatus.OPENED, created_at__gt=OuterRef("created_at"))
                )
            )
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(share_confirm_by_click(share_id=pk) for pk in list(candidates))


def share_confirm_by_click(*, share_id: int) -> bool:
    """Mark one opened share SHARED at its first confirming click; False if it is not due."""
    with transaction.atomic():
        share = (
            Share.objects.select_for_update(of=("self",))  # the share only: its link may be null
            .select_related("organization", "link", "post", "membership__user")
            .filter(pk=share_id, status=ShareStatus.OPENED, method=ShareMethod.INTENT)
            .first()
        )
        if share is None or share.link_id is None:
            return False
        first_click = (
            Click.objects.filter(
                link_id=share.link_id,
                kind=ClickKind.CLICK,
                is_self=False,
                created_at__gte=share.created_at,
            )
            .exclude(outcome=ClickOutcome.UNAVAILABLE)
            .aggregate(first=Min("created_at"))["first"]
        )
        if first_click is None:
            return False
        share.status = ShareStatus.SHARED
        share.shared_at = first_click
        share.save(update_fields=["status", "shared_at", "updated_at"])
        share_emit(share=share, event_type="share.confirmed")
        audit_record(
            organization=share.organization,
            actor=None,
            action="share.confirmed_by_click",
            target=share,
            data={"post": share.post_id, "network": share.network, "first_click": str(first_click)},
        )
        notification_create(
            membership=share.membership,
            kind="share_confirmed",
            message=gettext_lazy(
                "Your share of “%(title)s” on %(network)s is confirmed: someone followed your link."
            ),
            params={
                "title": share.post.title,
                "network": dict(CHANNEL_CHOICES).get(share.network, share.network),
            },
            url=reverse("share_history"),
        )
    return True
