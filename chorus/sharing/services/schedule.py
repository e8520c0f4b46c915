"""Auto-share: a member's explicit, yearly-renewed consent to have the post of the day
published on chosen networks at a chosen time of their day."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Membership, User
from chorus.content.models import Post, PostState
from chorus.content.selectors.posts import post_audience
from chorus.core.audit import audit_record
from chorus.notifications.models import Notification
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.models import (
    AutoShare,
    ConnectionStatus,
    NetworkConnection,
    Share,
    ShareStatus,
)
from chorus.sharing.services.publishing import share_create_api
from chorus.sharing.services.settings import publishing_enabled
from chorus.training.models import GateAction
from chorus.training.selectors.gates import GateBlock, GateRefused, GateVerdict, gate_check

logger = logging.getLogger(__name__)

CONSENT_DAYS = 365
AUTOSHARE_GATED = "autoshare_gated"
# A day's share is made within this long after the member's chosen time; later than
# that (the scheduler was down, the consent came in the evening) the day is skipped.
CATCH_UP = timedelta(hours=3)
# Shares of these statuses mean the member already shared (or will) on that network.
ALREADY = (
    ShareStatus.SHARED,
    ShareStatus.SCHEDULED,
    ShareStatus.PUBLISHING,
    ShareStatus.OPENED,
    ShareStatus.IN_REVIEW,
    ShareStatus.APPROVED,
)


def autoshare_networks_available(*, membership: Membership) -> list[str]:
    """Networks the member could auto-share to: active connections the organization publishes to."""
    connected = NetworkConnection.objects.filter(
        membership=membership, status=ConnectionStatus.ACTIVE
    ).values_list("network", flat=True)
    return [
        network
        for network in connected
        if publishing_enabled(organization=membership.organization, network=network)
    ]


def _require_gates(membership: Membership, networks: list[str]) -> None:
    """Auto-share's gates (and sharing's, and each chosen network's), met; else GateRefused
    with every reason and its link."""
    blocks: list[GateBlock] = []
    for network in networks or [""]:
        verdict = gate_check(membership=membership, action=GateAction.AUTO_SHARE, network=network)
        blocks += [block for block in verdict.blocks if block not in blocks]
    if blocks:
        raise GateRefused(GateVerdict(allowed=False, blocks=tuple(blocks)))


def autoshare_enable(
    *, membership: Membership, actor: User, networks: list[str], time_of_day: time, tz: str
) -> AutoShare:
    """Record the member's own consent (for a year) to auto-share posts of the day.

    Only the member can give it. Enabling again renews the consent for another year.
    """
    if membership.user_id != actor.pk:
        raise ValidationError(_("Only members themselves can turn on auto-share."))
    if not membership.is_advocate:
        raise ValidationError(_("Join the advocacy program to auto-share."))
    chosen = sorted(set(networks))
    if not chosen:
        raise ValidationError(_("Choose at least one network."))
    _require_gates(membership, chosen)
    available = set(autoshare_networks_available(membership=membership))
    unavailable = [network for network in chosen if network not in available]
    if unavailable:
        raise ValidationError(
            _(
                "Connect these accounts first (or ask your admin to turn publishing on): "
                "%(networks)s."
            )
            % {"networks": ", ".join(unavailable)}
        )
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("Unknown time zone: %(zone)s.") % {"zone": tz}) from error
    now = timezone.now()
    with transaction.atomic():
        auto, created = AutoShare.objects.update_or_create(
            membership=membership,
            defaults={
                "organization_id": membership.organization_id,
                "networks": chosen,
                "time_of_day": time_of_day.replace(second=0, microsecond=0),
                "timezone": tz,
                "consented_at": now,
                "expires_at": now + timedelta(days=CONSENT_DAYS),
                "is_active": True,
            },
        )
        audit_record(
            organization=membership.organization,
            actor=actor,
            action="autoshare.enabled" if created else "autoshare.renewed",
            target=auto,
            data={
                "networks": chosen,
                "time_of_day": f"{time_of_day:%H:%M}",
                "timezone": tz,
                "expires_at": auto.expires_at.isoformat(),
            },
        )
    return auto


def autoshare_disable(*, membership: Membership, actor: User) -> None:
    with transaction.atomic():
        auto = AutoShare.objects.filter(membership=membership, is_active=True).first()
        if auto is None:
            return
        auto.is_active = False
        auto.save(update_fields=["is_active"])
        audit_record(
            organization=membership.organization,
            actor=actor,
            action="autoshare.disabled",
            target=auto,
        )


def _expire(auto: AutoShare) -> None:
    if not AutoShare.objects.filter(pk=auto.pk, is_active=True).update(is_active=False):
        return
    notification_create(
        membership=auto.membership,
        kind="autoshare_expired",
        message=gettext_lazy(
            "Your consent to auto-share posts of the day ended after a year, so auto-share "
            "stopped. Renew it on your connected accounts page if you want it back."
        ),
        url=reverse("connections"),
    )
    audit_record(
        organization=auto.membership.organization,
        actor=None,
        action="autoshare.expired",
        target=auto,
    )


def _tell_gated(auto: AutoShare, verdict: GateVerdict) -> None:
    """Tell the member once that auto-share waits for a certification (or the policy):
    not again until an auto share went out since."""
    since = (
        Share.objects.filter(membership=auto.membership, auto=True)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    since = max(since, auto.consented_at) if since is not None else auto.consented_at
    told = Notification.objects.filter(
        membership=auto.membership, kind=AUTOSHARE_GATED, created_at__gte=since
    )
    if told.exists():
        return
    first = verdict.first
    notification_create(
        membership=auto.membership,
        kind=AUTOSHARE_GATED,
        message=gettext_lazy(
            "Auto-share is paused: %(reason)s It starts again by itself once that is done."
        ),
        params={"reason": " ".join(verdict.reasons)},
        url=first.fix_url if first is not None else reverse("connections"),
    )


def _post_of_the_day(membership: Membership, day: date) -> Post | None:
    return Post.objects.filter(
        organization_id=membership.organization_id,
        post_of_the_day=day,
        state=PostState.LIVE,
    ).first()


def autoshare_due_at(*, auto: AutoShare, now: datetime) -> datetime:
    """When the member's auto-share is due on their day of `now` (in their time zone)."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(auto.timezone))
    return datetime.combine(local_now.date(), auto.time_of_day, tzinfo=local_now.tzinfo)


def autoshare_run_one(*, auto: AutoShare, now: datetime, held_since: datetime | None = None) -> int:
    """Create the day's shares for one member, when their time came. Returns how many.

    Nothing is made while the organization paused sharing (services.pause). On resuming,
    `held_since` (when the pause began) makes the shares whose time passed during the
    pause, as long as it is still the same day for the member and the post is still live.
    """
    if auto.expires_at <= now:
        _expire(auto)
        return 0
    membership = auto.membership
    if not membership.is_advocate or membership.organization.sharing_paused:
        return 0
    local_now = now.astimezone(zoneinfo.ZoneInfo(auto.timezone))
    due = autoshare_due_at(auto=auto, now=now)
    if held_since is not None:
        if not held_since <= due <= local_now or due < auto.consented_at:
            return 0
    elif not due <= local_now < due + CATCH_UP or due < auto.consented_at:
        return 0
    post = _post_of_the_day(membership, local_now.date())
    if post is None or not post_audience(post, now).filter(pk=membership.pk).exists():
        return 0
    # What stops a share is told in the member's language (the reasons are written now).
    with translation.override(membership.user.language or settings.LANGUAGE_CODE):
        return _autoshare_post(auto, post)


def _autoshare_post(auto: AutoShare, post: Post) -> int:
    membership = auto.membership
    verdict = gate_check(membership=membership, action=GateAction.AUTO_SHARE, post=post)
    if not verdict.allowed:
        # No longer certified (expired, revoked) or a new policy waits: skip the day and
        # resume by itself once it is fixed.
        _tell_gated(auto, verdict)
        return 0
    made = 0
    for network in auto.networks:
        # Never twice for the same post, member and network: not after an earlier auto
        # share (whatever became of it), nor when the member shared there themselves.
        taken = Share.objects.filter(post=post, membership=membership, network=network)
        if taken.filter(auto=True).exists() or taken.filter(status__in=ALREADY).exists():
            continue
        try:
            # The member's time has come (the run is a few minutes late at most): now.
            share_create_api(membership=membership, post=post, network=network, auto=True)
        except GateRefused as refused:
            # This network (or the post) needs a certification the member lost.
            _tell_gated(auto, refused.verdict)
            continue
        except ValidationError as error:
            # Over the cap, refused by the rules, connection gone...: skip this network today.
            logger.info(
                "Auto-share of post %s to %s for member %s skipped: %s",
                post.pk,
                network,
                membership.pk,
                " ".join(error.messages),
            )
            continue
        made += 1
    return made


def autoshares_run(*, now: datetime | None = None) -> int:
    """Periodic: every active auto-share whose time came makes its shares. Returns how many."""
    now = now or timezone.now()
    made = 0
    active = AutoShare.objects.filter(is_active=True).select_related("membership__organization")
    for auto in active.iterator():
        made += autoshare_run_one(auto=auto, now=now)
    return made
