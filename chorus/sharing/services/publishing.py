"""Shares Chorus publishes for a member through a connected account: now or later,
within the organization's caps and rules, and published exactly once.

The publish task (`share_publish_run`) writes a STARTED attempt before it calls the
network, so a crash in the middle leaves a trace. A retry then reuses the share's
Idempotency-Key on networks that honour one (the network answers with the post it
already made); on the others it does not post blindly a second time but asks the member
to check their profile.
"""

from __future__ import annotations

import logging
import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chorus.accounts.models import Membership, User
from chorus.content.models import Post, PostState
from chorus.content.selectors.posts import post_audience
from chorus.core.audit import audit_record
from chorus.links.services.links import short_url
from chorus.networks import base
from chorus.networks.intents import text_with_url
from chorus.networks.registry import CHANNELS, adapter, publishing_adapter
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.compose import share_check, share_compose, text_fingerprint
from chorus.sharing.i18n import when_shown
from chorus.sharing.models import (
    AttemptOutcome,
    ConnectionStatus,
    NetworkConnection,
    PublishAttempt,
    Share,
    ShareMethod,
    ShareStatus,
)
from chorus.sharing.services.connections import connection_call
from chorus.sharing.services.events import share_emit
from chorus.sharing.services.review import review_reasons, share_goes_to_review
from chorus.sharing.services.settings import network_settings_for
from chorus.training.models import GateAction
from chorus.training.selectors.gates import GateVerdict, gate_check, gate_require

logger = logging.getLogger(__name__)

# Networks that honour the share's idempotency key: a retry after a crash is safe there.
IDEMPOTENT_NETWORKS = frozenset({"mastodon", "bluesky"})
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# How long a share being published is left alone before a retry may look at it again
# (a worker that died mid-call leaves the share PUBLISHING).
IN_FLIGHT = timedelta(minutes=10)
# A share scheduled this far in the past is refused (a clock a little behind is fine).
PAST_TOLERANCE = timedelta(minutes=5)
MAX_AHEAD = timedelta(days=365)
# Counted against the daily cap: what was shared and what is waiting to be.
CAP_STATUSES = (
    ShareStatus.SHARED,
    ShareStatus.SCHEDULED,
    ShareStatus.PUBLISHING,
    ShareStatus.IN_REVIEW,
)
# A member may cancel these: nothing went out yet.
CANCELLABLE_STATUSES = (ShareStatus.SCHEDULED, ShareStatus.IN_REVIEW)


def _label(network: str) -> str:
    return adapter(network).label


def _history_url() -> str:
    for name in ("share_history", "connections"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def share_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def share_cap_check(
    *, membership: Membership, network: str, day: date, exclude: Share | None = None
) -> None:
    """ValidationError when the member already reached the day's cap on `network`.

    The day of a share is when it is (or was) due: scheduled_for, else shared_at, else
    created_at, in the site's time zone.
    """
    cap = network_settings_for(organization=membership.organization, network=network).daily_cap
    if cap is None:
        return
    start, end = share_day_bounds(day)
    shares = (
        Share.objects.filter(membership=membership, network=network, status__in=CAP_STATUSES)
        .annotate(day_of=Coalesce("scheduled_for", "shared_at", "created_at"))
        .filter(day_of__gte=start, day_of__lt=end)
    )
    if exclude is not None:
        shares = shares.exclude(pk=exclude.pk)
    if shares.count() >= cap:
        raise ValidationError(
            ngettext(
                "Your organization allows %(cap)s share a day on %(network)s; "
                "you reached it for %(day)s.",
                "Your organization allows %(cap)s shares a day on %(network)s; "
                "you reached it for %(day)s.",
                cap,
            )
            % {"cap": cap, "network": _label(network), "day": when_shown(day)}
        )


def active_connection(*, membership: Membership, network: str) -> NetworkConnection | None:
    return NetworkConnection.objects.filter(
        membership=membership, network=network, status=ConnectionStatus.ACTIVE
    ).first()


def share_create_api(
    *,
    membership: Membership,
    post: Post,
    network: str,
    text: str | None = None,
    when: datetime | None = None,
    auto: bool = False,
) -> Share:
    """A share Chorus publishes on the member's connected account, now (`when` None) or
    at `when`. `text` None takes the suggested caption. Refused (ValidationError, nothing
    saved) outside the rules: program, post state and audience, connection, caps,
    compliance. An edited text that breaks a rule is kept IN_REVIEW instead when the
    organization routes those to an approver (see services.review): nothing is published
    until one approves it."""
    if network not in CHANNELS:
        raise ValidationError(_("Unknown network: %(network)s.") % {"network": network})
    label = _label(network)
    if membership.organization_id != post.organization_id:
        raise ValidationError(_("That member cannot share this post."))
    if not membership.is_advocate:
        raise ValidationError(_("Join the advocacy program to share."))
    if post.state != PostState.LIVE:
        raise ValidationError(_("This post is not live."))
    if not post_audience(post).filter(pk=membership.pk).exists():
        raise ValidationError(_("This post is not meant for you."))
    # A missing certification (or policy) refuses with why and the link that fixes it.
    gate_require(
        membership=membership,
        action=GateAction.AUTO_SHARE if auto else GateAction.SHARE,
        network=network,
        post=post,
    )
    found = network_settings_for(organization=post.organization, network=network)
    if not (found.sharing_enabled and found.publishing_enabled):
        raise ValidationError(
            _("Your organization does not publish to %(network)s for you.") % {"network": label}
        )
    connection = active_connection(membership=membership, network=network)
    if connection is None:
        raise ValidationError(_("Connect your %(network)s account first.") % {"network": label})
    now = timezone.now()
    due = when or now
    if when is not None:
        if timezone.is_naive(when):
            raise ValidationError(_("Give the time with its time zone."))
        if when < now - PAST_TOLERANCE:
            raise ValidationError(_("That time has passed."))
        if when > now + MAX_AHEAD:
            raise ValidationError(_("Shares can be scheduled up to a year ahead."))
    if post.publish_end is not None and due >= post.publish_end:
        raise ValidationError(_("The post is withdrawn from sharing before that time."))
    suggested, link = share_compose(post=post, membership=membership, network=network)
    edited = text is not None and not auto
    if text is None:
        text = suggested
    if link is not None:
        text = text_with_url(text, short_url(link))
    if not text.strip():
        raise ValidationError(_("Write something to share."))
    verdict = share_check(post=post, network=network, text=text)
    in_review = verdict.blocked
    if in_review and not share_goes_to_review(post=post, verdict=verdict, edited=edited):
        raise ValidationError(verdict.messages)
    with transaction.atomic():
        # Lock the member's row so two parallel requests cannot both slip under the cap.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        share_cap_check(membership=membership, network=network, day=timezone.localdate(due))
        share = Share.objects.create(
            organization_id=post.organization_id,
            membership=membership,
            post=post,
            network=network,
            method=ShareMethod.API,
            status=ShareStatus.IN_REVIEW if in_review else ShareStatus.SCHEDULED,
            text=verdict.text,
            text_hash=text_fingerprint(verdict.text),
            caption_edited=text_fingerprint(verdict.text) != text_fingerprint(suggested),
            link=link,
            connection=connection,
            auto=auto,
            # In review, "now" stays unset: it means "when approved".
            scheduled_for=when if in_review else due,
            next_attempt_at=None if in_review else due,
            review_reasons=review_reasons(verdict) if in_review else "",
        )
        share_emit(share=share, event_type="share.created")
        if in_review:
            audit_record(
                organization=post.organization,
                actor=membership.user,
                action="share.sent_to_review",
                target=share,
                data={
                    "network": network,
                    "post": post.pk,
                    "due": when.isoformat() if when else None,
                    "reasons": share.review_reasons,
                },
            )
            return share
        audit_record(
            organization=post.organization,
            actor=membership.user,
            action="share.scheduled",
            target=share,
            data={"network": network, "post": post.pk, "due": due.isoformat(), "auto": auto},
        )
        if due <= now:
            share_id = share.pk
            transaction.on_commit(lambda: enqueue_publish(share_id))
    return share


def enqueue_publish(share_id: int) -> None:
    """Hand one share to the publish task (call it from transaction.on_commit)."""
    from chorus.sharing.tasks import share_publish

    share_publish.enqueue(share_id=share_id)


def share_publish_now(
    *, membership: Membership, post: Post, network: str, text: str | None = None
) -> Share:
    return share_create_api(membership=membership, post=post, network=network, text=text)


def share_schedule(
    *, membership: Membership, post: Post, network: str, when: datetime, text: str | None = None
) -> Share:
    return share_create_api(membership=membership, post=post, network=network, text=text, when=when)


def share_cancel(*, share: Share, actor: User, reason: str = "Cancelled by you.") -> Share:
    """Cancel a share that is still waiting (scheduled or in review); it stays in the
    member's history."""
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.status not in CANCELLABLE_STATUSES:
            raise ValidationError(_("Only a share that is still waiting can be cancelled."))
        locked.status = ShareStatus.CANCELLED
        locked.cancel_reason = reason[:300]
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "cancel_reason", "next_attempt_at", "updated_at"])
        audit_record(
            organization=locked.membership.organization,
            actor=actor,
            action="share.cancelled",
            target=locked,
            data={"reason": reason},
        )
    return locked


def share_delete_scheduled(*, share: Share, actor: User) -> None:
    """Delete a share that was only scheduled (nothing was posted, nothing is kept)."""
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if locked.status not in (ShareStatus.SCHEDULED, ShareStatus.CANCELLED):
            raise ValidationError(_("Only a scheduled share can be deleted."))
        if locked.publish_attempts.exists():
            raise ValidationError(
                _("Chorus already tried to publish this share; cancel it instead.")
            )
        audit_record(
            organization=locked.membership.organization,
            actor=actor,
            action="share.deleted",
            target=locked,
            data={"network": locked.network, "post": locked.post_id},
        )
        locked.delete()


# Publishing (the task) ---------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with jitter: about 1, 2, 4... minutes, at most 6 hours."""
    seconds = BACKOFF_BASE.total_seconds() * 2.0 ** max(attempts - 1, 0)
    seconds = min(seconds, BACKOFF_MAX.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _due_at(share: Share) -> datetime:
    return share.next_attempt_at or share.scheduled_for or share.created_at


def _stop(share: Share, *, status: str, kind: str, message: str) -> None:
    share.status = status
    share.error_kind = kind
    share.error_message = message[:500]
    share.next_attempt_at = None
    if status == ShareStatus.CANCELLED:
        share.cancel_reason = message[:300]
    share.save(
        update_fields=[
            "status",
            "error_kind",
            "error_message",
            "next_attempt_at",
            "cancel_reason",
            "updated_at",
        ]
    )


def _notify_failed(share: Share, message: str) -> None:
    notification_create(
        membership=share.membership,
        kind="share_failed",
        message=gettext_lazy("Your %(network)s share of “%(title)s” failed: %(reason)s"),
        params={"network": _label(share.network), "title": share.post.title, "reason": message},
        url=_history_url(),
    )


def _notify_gated(share: Share, verdict: GateVerdict) -> None:
    """A waiting share was cancelled because the member lost a certification (it expired,
    it was revoked) or a new policy waits: say so, with the link that fixes it."""
    first = verdict.first
    notification_create(
        membership=share.membership,
        kind="share_gated",
        message=gettext_lazy("Your %(network)s share of “%(title)s” was cancelled: %(reason)s"),
        params={
            "network": _label(share.network),
            "title": share.post.title,
            "reason": " ".join(verdict.reasons),
        },
        url=first.fix_url if first is not None else _history_url(),
    )


def _precondition_failure(share: Share) -> tuple[str, str, str] | None:
    """(status, kind, message) when the share must not be published any more."""
    label = _label(share.network)
    if not share.membership.is_advocate:
        return ShareStatus.CANCELLED, "program", _("You are no longer in the advocacy program.")
    if share.post.state != PostState.LIVE:
        return ShareStatus.CANCELLED, "post", _("The post was withdrawn.")
    verdict = gate_check(
        membership=share.membership,
        action=GateAction.AUTO_SHARE if share.auto else GateAction.SHARE,
        network=share.network,
        post=share.post,
    )
    if not verdict.allowed:
        _notify_gated(share, verdict)
        return ShareStatus.CANCELLED, "certification", " ".join(verdict.reasons)
    found = network_settings_for(organization=share.post.organization, network=share.network)
    if not (found.sharing_enabled and found.publishing_enabled):
        return (
            ShareStatus.FAILED,
            "disabled",
            _("Your organization turned off publishing to %(network)s.") % {"network": label},
        )
    connection = share.connection
    if connection is None or connection.status != ConnectionStatus.ACTIVE:
        return (
            ShareStatus.FAILED,
            "auth_expired",
            _("Reconnect your %(network)s account to share.") % {"network": label},
        )
    return None


def _begin(share_id: int) -> tuple[Share, PublishAttempt] | str:
    """Under the row lock: decide whether to publish, and record the attempt first."""
    now = timezone.now()
    with transaction.atomic():
        share = (
            # Only the share's row: PostgreSQL cannot lock the nullable side of a join.
            Share.objects.select_for_update(of=("self",))
            .filter(pk=share_id)
            .select_related("membership__organization", "post__organization", "connection")
            .first()
        )
        if share is None:
            return "missing"
        if share.status not in (ShareStatus.SCHEDULED, ShareStatus.PUBLISHING):
            return f"skipped ({share.status})"
        if share.membership.organization.sharing_paused:
            # Held, not lost: an admin paused all sharing (services.pause). Checked before
            # anything else so that nothing is cancelled or failed because of the pause;
            # resuming hands the share to the workers again.
            return "paused"
        if _due_at(share) > now:
            return "not due"
        failure = _precondition_failure(share)
        if failure is not None:
            status, kind, message = failure
            _stop(share, status=status, kind=kind, message=message)
            if status == ShareStatus.FAILED:
                _notify_failed(share, message)
            return kind
        unfinished = share.publish_attempts.filter(outcome=AttemptOutcome.STARTED)
        if unfinished.exists() and share.network not in IDEMPOTENT_NETWORKS:
            # The last call may have posted before its worker died, and this network
            # cannot tell us: posting again could make a duplicate in the member's name.
            unfinished.update(outcome=AttemptOutcome.ERROR, finished_at=now)
            message = _(
                "We could not tell whether this reached %(network)s: "
                "check your profile before sharing it again."
            ) % {"network": _label(share.network)}
            _stop(share, status=ShareStatus.FAILED, kind="uncertain", message=message)
            _notify_failed(share, message)
            return "uncertain"
        attempt = PublishAttempt.objects.create(share=share, started_at=now)
        share.status = ShareStatus.PUBLISHING
        share.attempts += 1
        share.next_attempt_at = now + IN_FLIGHT
        share.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    return share, attempt


def _finish_attempt(
    attempt: PublishAttempt, *, outcome: str, status_code: int | None = None, message: str = ""
) -> None:
    attempt.outcome = outcome
    attempt.finished_at = timezone.now()
    attempt.status_code = status_code
    attempt.message = message[:500]
    attempt.save(update_fields=["outcome", "finished_at", "status_code", "message"])


def _retry_or_fail(
    share: Share, *, kind: str, message: str, retry_after: float | None = None
) -> str:
    if share.attempts >= MAX_ATTEMPTS:
        final = _("%(network)s did not take it after %(tries)s tries (%(reason)s)") % {
            "network": _label(share.network),
            "tries": share.attempts,
            "reason": message,
        }
        _stop(share, status=ShareStatus.FAILED, kind=kind, message=final)
        _notify_failed(share, final)
        return "failed"
    delay = timedelta(seconds=retry_after) if retry_after is not None else backoff(share.attempts)
    share.status = ShareStatus.SCHEDULED
    share.error_kind = kind
    share.error_message = message[:500]
    share.next_attempt_at = timezone.now() + delay
    share.save(
        update_fields=["status", "error_kind", "error_message", "next_attempt_at", "updated_at"]
    )
    return "retry"


def share_publish_run(*, share_id: int) -> str:
    """Publish one share if it is due; idempotent (a second run finds nothing to do).

    Returns what happened: "published", "retry", "failed", "not due", "skipped (...)"...
    What went wrong is written in the member's language: they read it in their shares.
    """
    language = (
        Share.objects.filter(pk=share_id).values_list("membership__user__language", flat=True)
    ).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _publish(share_id)


def _publish(share_id: int) -> str:
    begun = _begin(share_id)
    if isinstance(begun, str):
        return begun
    share, attempt = begun
    assert share.connection is not None  # checked under the lock
    connection = share.connection
    url = short_url(share.link) if share.link is not None else ""
    network = publishing_adapter(share.network)
    try:
        remote = connection_call(
            connection=connection,
            action=lambda plain: network.publish(
                plain, share.text, url, str(share.idempotency_key)
            ),
        )
    except base.RateLimited as error:
        _finish_attempt(
            attempt,
            outcome=AttemptOutcome.RATE_LIMITED,
            status_code=error.status,
            message=error.message,
        )
        return _retry_or_fail(
            share, kind="rate_limited", message=error.message, retry_after=error.retry_after
        )
    except base.Unavailable as error:
        _finish_attempt(
            attempt,
            outcome=AttemptOutcome.UNAVAILABLE,
            status_code=error.status,
            message=error.message,
        )
        return _retry_or_fail(share, kind="unavailable", message=error.message)
    except base.AuthExpired as error:
        _finish_attempt(
            attempt,
            outcome=AttemptOutcome.AUTH_EXPIRED,
            status_code=error.status,
            message=error.message,
        )
        message = _("Reconnect your %(network)s account, then share again.") % {
            "network": _label(share.network)
        }
        _stop(share, status=ShareStatus.FAILED, kind="auth_expired", message=message)
        # connection_call told the member to reconnect (once per connection).
        return "failed"
    except base.Rejected as error:
        _finish_attempt(
            attempt, outcome=AttemptOutcome.REJECTED, status_code=error.status, message=error.reason
        )
        message = _("%(network)s refused it: %(reason)s") % {
            "network": _label(share.network),
            "reason": error.reason,
        }
        _stop(share, status=ShareStatus.FAILED, kind="rejected", message=message)
        _notify_failed(share, message)
        return "failed"
    except Exception as error:
        logger.exception("Publishing share %s failed", share.pk)
        _finish_attempt(attempt, outcome=AttemptOutcome.ERROR, message=type(error).__name__)
        message = _(
            "Something went wrong while publishing to %(network)s: "
            "check your profile before sharing it again."
        ) % {"network": _label(share.network)}
        _stop(share, status=ShareStatus.FAILED, kind="error", message=message)
        _notify_failed(share, message)
        return "failed"
    _finish_attempt(attempt, outcome=AttemptOutcome.PUBLISHED)
    now = timezone.now()
    share.status = ShareStatus.SHARED
    share.remote_id = remote.remote_id[:300]
    share.remote_url = remote.url[:2000]
    share.shared_at = now
    share.next_attempt_at = None
    share.error_kind = share.error_message = ""
    share.save(
        update_fields=[
            "status",
            "remote_id",
            "remote_url",
            "shared_at",
            "next_attempt_at",
            "error_kind",
            "error_message",
            "updated_at",
        ]
    )
    share_emit(share=share, event_type="share.confirmed")
    return "published"


def shares_publish_due(*, batch_size: int = 500) -> int:
    """Hand every due share to the workers (the scheduler runs this every minute).

    Shares of an organization that paused sharing wait (services.pause releases them)."""
    now = timezone.now()
    due = list(
        Share.objects.filter(
            Q(status=ShareStatus.SCHEDULED) | Q(status=ShareStatus.PUBLISHING),
            method=ShareMethod.API,
            next_attempt_at__lte=now,
            organization__sharing_paused_at__isnull=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for share_id in due:
        enqueue_publish(share_id)
    return len(due)
