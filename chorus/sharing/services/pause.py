"""The sharing pause: in a crisis an admin stops everything shared in the organization's
name with one switch and a reason, and resumes later.

While paused (`Organization.sharing_paused_at`):

- scheduled API shares are held, not lost: `shares_publish_due` skips the organization and
  the publish task leaves a due share SCHEDULED (services.publishing);
- auto-share makes nothing (services.schedule); the auto-shares whose time passed are made
  on resuming, while it is still the member's day and the post of the day is live;
- every share is refused with the pause's reason: training's gates say "Sharing is paused:
  <reason>" for SHARE and AUTO_SHARE (the feed, the post page, the share dialog, the API's
  403, auto-share's settings), and shares through intent links are refused the same way.

Resuming releases what was held (the due shares are published now) and cancels the ones
the admin chose; their members are told why, in their own language. Both are audited.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, Organization, User
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.compose import suggested_caption
from chorus.sharing.models import AutoShare, Share, ShareMethod, ShareStatus
from chorus.sharing.selectors.pause import Held, HeldAutoShare, shares_held
from chorus.sharing.services.cancel import shares_cancel_chosen
from chorus.sharing.services.publishing import enqueue_publish
from chorus.sharing.services.schedule import autoshare_run_one

MAX_REASON = 500


@dataclass(frozen=True)
class Resumed:
    """What resuming did: due shares published now, later ones left to their time, the
    chosen ones cancelled, and the held auto-shares made or cancelled."""

    released: int
    still_scheduled: int
    cancelled: int
    auto_shares_made: int
    auto_shares_cancelled: int


def _history_url() -> str:
    try:
        return reverse("share_history")
    except NoReverseMatch:
        return ""


def _locked(organization: Organization) -> Organization:
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _copy_pause(target: Organization, source: Organization) -> None:
    target.sharing_paused_at = source.sharing_paused_at
    target.sharing_pause_reason = source.sharing_pause_reason
    target.sharing_paused_by_id = source.sharing_paused_by_id


def sharing_pause(*, organization: Organization, actor: User, reason: str) -> Organization:
    """Pause all sharing in the organization's name (admins; the caller checks the role).

    ValidationError, nothing changed, without a reason or when already paused."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            _("Say why sharing is paused: members read it on every share button.")
        )
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("Keep the reason under %(count)s characters.") % {"count": MAX_REASON}
        )
    with transaction.atomic():
        locked = _locked(organization)
        if locked.sharing_paused_at is not None:
            raise ValidationError(_("Sharing is already paused."))
        locked.sharing_paused_at = timezone.now()
        locked.sharing_pause_reason = reason
        locked.sharing_paused_by = actor
        locked.save(
            update_fields=["sharing_paused_at", "sharing_pause_reason", "sharing_paused_by"]
        )
        held = shares_held(organization=locked)
        audit_record(
            organization=locked,
            actor=actor,
            action="sharing.paused",
            target=locked,
            data={"reason": reason, "scheduled": len(held.due) + len(held.scheduled)},
        )
    _copy_pause(organization, locked)
    return organization


def _cancel_share(share: Share, pause_reason: str) -> int:
    """Cancel one held share, telling its member why in their language."""
    member: Membership = share.membership
    with translation.override(member.user.language or settings.LANGUAGE_CODE):
        reason = _("Cancelled by an admin while sharing was paused: %(reason)s") % {
            "reason": pause_reason
        }
    cancelled = shares_cancel_chosen(shares=Share.objects.filter(pk=share.pk), reason=reason)
    if cancelled:
        notification_create(
            membership=member,
            kind="share_cancelled_pause",
            message=gettext_lazy(
                "Your scheduled %(network)s share of “%(title)s” was cancelled while sharing "
                "was paused: %(reason)s"
            ),
            params={
                "network": share.get_network_display(),
                "title": share.post.title,
                "reason": pause_reason,
            },
            url=_history_url(),
        )
    return cancelled


def _cancel_auto_share(held: HeldAutoShare, pause_reason: str) -> None:
    """Not made today: a cancelled share per network records it (auto-share never makes a
    post's share twice), and the member is told why in their language."""
    member = held.auto.membership
    with translation.override(member.user.language or settings.LANGUAGE_CODE):
        reason = _("Cancelled by an admin while sharing was paused: %(reason)s") % {
            "reason": pause_reason
        }
    for network in held.networks:
        Share.objects.create(
            organization_id=held.post.organization_id,
            membership=member,
            post=held.post,
            network=network,
            method=ShareMethod.API,
            status=ShareStatus.CANCELLED,
            text=suggested_caption(post=held.post, network=network),
            auto=True,
            cancel_reason=reason[:300],
        )
    notification_create(
        membership=member,
        kind="autoshare_cancelled_pause",
        message=gettext_lazy(
            "Auto-share did not share “%(title)s” today: sharing was paused (%(reason)s) and "
            "an admin cancelled it."
        ),
        params={"title": held.post.title, "reason": pause_reason},
        url=_history_url(),
    )


def sharing_resume(
    *,
    organization: Organization,
    actor: User,
    cancel_share_ids: Collection[int] = (),
    cancel_auto_share_ids: Collection[int] = (),
    now: datetime | None = None,
) -> Resumed:
    """Resume sharing: cancel the chosen held shares and auto-shares, publish the due
    shares now, make the held auto-shares. Ids that are not held are ignored (the page and
    the API answer 404 for them before calling this). ValidationError when not paused."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(organization)
        paused_at = locked.sharing_paused_at
        if paused_at is None:
            raise ValidationError(_("Sharing is not paused."))
        pause_reason = locked.sharing_pause_reason
        held: Held = shares_held(organization=locked, now=now)
        chosen = set(cancel_share_ids)
        chosen_auto = set(cancel_auto_share_ids)
        cancelled = sum(
            _cancel_share(share, pause_reason)
            for share in [*held.due, *held.scheduled]
            if share.pk in chosen
        )
        auto_cancelled = 0
        for found in held.auto_shares:
            if found.pk in chosen_auto:
                _cancel_auto_share(found, pause_reason)
                auto_cancelled += 1
        locked.sharing_paused_at = None
        locked.sharing_pause_reason = ""
        locked.sharing_paused_by = None
        locked.save(
            update_fields=["sharing_paused_at", "sharing_pause_reason", "sharing_paused_by"]
        )
        released = [share.pk for share in held.due if share.pk not in chosen]
        for share_id in released:
            transaction.on_commit(lambda share_id=share_id: enqueue_publish(share_id))  # type: ignore[misc]
        made = 0
        to_make = [found.pk for found in held.auto_shares if found.pk not in chosen_auto]
        for auto in AutoShare.objects.filter(pk__in=to_make).select_related(
            "membership__organization", "membership__user"
        ):
            made += autoshare_run_one(auto=auto, now=now, held_since=paused_at)
        result = Resumed(
            released=len(released),
            still_scheduled=len([s for s in held.scheduled if s.pk not in chosen]),
            cancelled=cancelled,
            auto_shares_made=made,
            auto_shares_cancelled=auto_cancelled,
        )
        audit_record(
            organization=locked,
            actor=actor,
            action="sharing.resumed",
            target=locked,
            data={
                "reason": pause_reason,
                "paused_at": paused_at.isoformat(),
                "released": result.released,
                "still_scheduled": result.still_scheduled,
                "cancelled": result.cancelled,
                "auto_shares_made": result.auto_shares_made,
                "auto_shares_cancelled": result.auto_shares_cancelled,
            },
        )
    _copy_pause(organization, locked)
    return result
