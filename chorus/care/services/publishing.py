"""Publishing a reply in the customer's thread from the member's own account, exactly once.

As shares are published (chorus/sharing/services/publishing.py): the task writes a STARTED
attempt before it calls the network, so a crash in the middle leaves a trace; every try
sends the reply's idempotency key. A retry after such a crash goes ahead on networks that
honour the key (the network answers with the reply it already made); on the others it
does not post blindly a second time but asks the member to check. Where the member has no
connected account (or it lapsed), the reply falls back to the network's own reply page.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.care.access import is_care_member
from chorus.care.models import (
    CareReply,
    ReplyAttempt,
    ReplyAttemptOutcome,
    ReplyMethod,
    ReplyStatus,
)
from chorus.care.services.replies import conversation_url, network_label, reply_mark_published
from chorus.networks import base, registry
from chorus.notifications.services.notifications import notification_create
from chorus.sharing.models import ConnectionStatus
from chorus.sharing.services.connections import connection_call

logger = logging.getLogger(__name__)

# Networks that honour the reply's idempotency key: a retry after a crash is safe there.
IDEMPOTENT_NETWORKS = registry.IDEMPOTENT_REPLY_NETWORKS
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# A reply being published is left alone this long before the sweep looks at it again
# (a worker that died mid-call leaves it PUBLISHING).
IN_FLIGHT = timedelta(minutes=10)


def replying_adapter(network: str) -> base.ReplyingAdapter | None:
    """The network's replying adapter, or None where Chorus cannot post replies there."""
    try:
        return registry.replying_adapter(network)
    except ValueError:
        return None


def can_reply_by_api(network: str) -> bool:
    return bool(network) and replying_adapter(network) is not None


def reply_target(reply: CareReply) -> base.ReplyTarget:
    """The post the reply answers, as the adapters take it."""
    message = reply.in_reply_to
    if message is None:
        return base.ReplyTarget(remote_id="", url=reply.conversation.customer_url)
    return base.ReplyTarget(
        remote_id=message.remote_id,
        url=message.remote_url,
        root_id=message.root_remote_id,
        extra={str(key): str(value) for key, value in (message.extra or {}).items()},
    )


def reply_intent_link(reply: CareReply) -> str:
    """Where the member posts the reply by hand: the network's reply page with the text
    where it takes one, else the customer's post itself ("" when there is none)."""
    target = reply_target(reply)
    network = replying_adapter(reply.network)
    if network is not None:
        instance = reply.connection.instance if reply.connection is not None else ""
        try:
            return network.reply_intent_url(reply.text, target, instance=instance)
        except ValueError:
            pass
    try:
        return registry.reply_page_url(
            reply.network, target.url or reply.conversation.customer_url, reply.text
        )
    except ValueError:
        return ""


def enqueue_publish(reply_id: int) -> None:
    """Hand one reply to the publish task (call it from transaction.on_commit)."""
    from chorus.care.tasks import care_reply_publish

    care_reply_publish.enqueue(reply_id=reply_id)


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with jitter: about 1, 2, 4... minutes, at most 6 hours."""
    seconds = BACKOFF_BASE.total_seconds() * 2.0 ** max(attempts - 1, 0)
    seconds = min(seconds, BACKOFF_MAX.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _notify_failed(reply: CareReply, message: str) -> None:
    conversation = reply.conversation
    notification_create(
        membership=reply.membership,
        kind="care_reply_failed",
        message=gettext_lazy("Your reply to %(customer)s was not posted: %(reason)s"),
        params={
            "customer": conversation.customer_handle or conversation.subject,
            "reason": message,
        },
        url=conversation_url(conversation.pk),
    )


def _stop(reply: CareReply, *, status: str, message: str) -> None:
    reply.status = status
    reply.error_message = message[:500]
    reply.next_attempt_at = None
    reply.save(update_fields=["status", "error_message", "next_attempt_at", "updated_at"])


def _to_intent(reply: CareReply, message: str) -> None:
    """No usable connection: the member posts it on the network's page instead."""
    reply.method = ReplyMethod.INTENT
    reply.status = ReplyStatus.MANUAL
    reply.error_message = message[:500]
    reply.next_attempt_at = None
    reply.save(update_fields=["method", "status", "error_message", "next_attempt_at", "updated_at"])
    notification_create(
        membership=reply.membership,
        kind="care_reply_manual",
        message=gettext_lazy("Post your reply to %(customer)s yourself: %(reason)s"),
        params={
            "customer": reply.conversation.customer_handle or reply.conversation.subject,
            "reason": message,
        },
        url=conversation_url(reply.conversation_id),
    )


def _begin(reply_id: int) -> tuple[CareReply, ReplyAttempt] | str:
    """Under the row lock: decide whether to publish, and record the attempt first."""
    now = timezone.now()
    with transaction.atomic():
        reply = (
            CareReply.objects.select_for_update(of=("self",))
            .filter(pk=reply_id)
            .select_related(
                "conversation__organization", "membership__user", "connection", "in_reply_to"
            )
            .first()
        )
        if reply is None:
            return "missing"
        if reply.status not in (ReplyStatus.QUEUED, ReplyStatus.PUBLISHING):
            return f"skipped ({reply.status})"
        if reply.next_attempt_at is not None and reply.next_attempt_at > now:
            return "not due"
        label = network_label(reply.network)
        if not reply.membership.is_active or not is_care_member(reply.membership):
            _stop(
                reply,
                status=ReplyStatus.CANCELLED,
                message=_("You no longer answer customers."),
            )
            return "cancelled"
        connection = reply.connection
        if connection is None or connection.status != ConnectionStatus.ACTIVE:
            _to_intent(
                reply,
                _("your %(network)s account is not connected any more.") % {"network": label},
            )
            return "manual"
        unfinished = reply.attempts_made.filter(outcome=ReplyAttemptOutcome.STARTED)
        if unfinished.exists() and reply.network not in IDEMPOTENT_NETWORKS:
            # The last call may have posted before its worker died, and this network
            # cannot tell us: posting again could answer the customer twice.
            unfinished.update(outcome=ReplyAttemptOutcome.ERROR, finished_at=now)
            message = _(
                "we could not tell whether it reached %(network)s: check the thread before "
                "answering again."
            ) % {"network": label}
            _stop(reply, status=ReplyStatus.FAILED, message=message)
            _notify_failed(reply, message)
            return "uncertain"
        attempt = ReplyAttempt.objects.create(
            organization_id=reply.organization_id, reply=reply, started_at=now
        )
        reply.status = ReplyStatus.PUBLISHING
        reply.attempts += 1
        reply.next_attempt_at = now + IN_FLIGHT
        reply.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    return reply, attempt


def _finish_attempt(
    attempt: ReplyAttempt, *, outcome: str, status_code: int | None = None, message: str = ""
) -> None:
    attempt.outcome = outcome
    attempt.finished_at = timezone.now()
    attempt.status_code = status_code
    attempt.message = message[:500]
    attempt.save(update_fields=["outcome", "finished_at", "status_code", "message"])


def _retry_or_fail(reply: CareReply, *, message: str, retry_after: float | None = None) -> str:
    if reply.attempts >= MAX_ATTEMPTS:
        final = _("%(network)s did not take it after %(tries)s tries (%(reason)s)") % {
            "network": network_label(reply.network),
            "tries": reply.attempts,
            "reason": message,
        }
        _stop(reply, status=ReplyStatus.FAILED, message=final)
        _notify_failed(reply, final)
        return "failed"
    delay = timedelta(seconds=retry_after) if retry_after is not None else backoff(reply.attempts)
    reply.status = ReplyStatus.QUEUED
    reply.error_message = message[:500]
    reply.next_attempt_at = timezone.now() + delay
    reply.save(update_fields=["status", "error_message", "next_attempt_at", "updated_at"])
    return "retry"


def reply_publish_run(*, reply_id: int) -> str:
    """Publish one reply if it is due; idempotent (a second run finds nothing to do).

    Returns what happened: "published", "retry", "failed", "manual", "not due"...
    What went wrong is written in the member's language.
    """
    language = (
        CareReply.objects.filter(pk=reply_id).values_list("membership__user__language", flat=True)
    ).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _publish(reply_id)


def _publish(reply_id: int) -> str:
    begun = _begin(reply_id)
    if isinstance(begun, str):
        return begun
    reply, attempt = begun
    assert reply.connection is not None  # checked under the lock
    network = replying_adapter(reply.network)
    if network is None:
        _finish_attempt(attempt, outcome=ReplyAttemptOutcome.ERROR, message="no reply API")
        with transaction.atomic():
            _to_intent(reply, _("Chorus cannot post replies there."))
        return "manual"
    target = reply_target(reply)
    key = str(reply.idempotency_key)
    try:
        remote = connection_call(
            connection=reply.connection,
            action=lambda plain: network.reply(plain, reply.text, target, key),
        )
    except base.RateLimited as error:
        _finish_attempt(
            attempt,
            outcome=ReplyAttemptOutcome.RATE_LIMITED,
            status_code=error.status,
            message=error.message,
        )
        return _retry_or_fail(reply, message=error.message, retry_after=error.retry_after)
    except base.Unavailable as error:
        _finish_attempt(
            attempt,
            outcome=ReplyAttemptOutcome.UNAVAILABLE,
            status_code=error.status,
            message=error.message,
        )
        return _retry_or_fail(reply, message=error.message)
    except base.AuthExpired as error:
        _finish_attempt(
            attempt,
            outcome=ReplyAttemptOutcome.AUTH_EXPIRED,
            status_code=error.status,
            message=error.message,
        )
        _to_intent(
            reply,
            _("your %(network)s account needs reconnecting.")
            % {"network": network_label(reply.network)},
        )
        return "manual"
    except base.Rejected as error:
        _finish_attempt(
            attempt,
            outcome=ReplyAttemptOutcome.REJECTED,
            status_code=error.status,
            message=error.reason,
        )
        message = _("%(network)s refused it: %(reason)s") % {
            "network": network_label(reply.network),
            "reason": error.reason,
        }
        _stop(reply, status=ReplyStatus.FAILED, message=message)
        _notify_failed(reply, message)
        return "failed"
    except Exception as error:
        logger.exception("Publishing care reply %s failed", reply.pk)
        _finish_attempt(attempt, outcome=ReplyAttemptOutcome.ERROR, message=type(error).__name__)
        message = _(
            "something went wrong while posting to %(network)s: check the thread before "
            "answering again."
        ) % {"network": network_label(reply.network)}
        _stop(reply, status=ReplyStatus.FAILED, message=message)
        _notify_failed(reply, message)
        return "failed"
    _finish_attempt(attempt, outcome=ReplyAttemptOutcome.PUBLISHED)
    with transaction.atomic():
        locked = CareReply.objects.select_for_update().get(pk=reply.pk)
        if locked.status != ReplyStatus.PUBLISHING:
            return f"skipped ({locked.status})"
        reply_mark_published(reply=locked, remote_id=remote.remote_id, remote_url=remote.url)
    return "published"


def replies_publish_due(*, batch_size: int = 500) -> int:
    """Hand every due reply to the workers (the scheduler runs this every minute): queued
    ones whose retry time came, and ones left publishing by a worker that died."""
    now = timezone.now()
    due = list(
        CareReply.objects.filter(
            Q(status=ReplyStatus.QUEUED) | Q(status=ReplyStatus.PUBLISHING),
            method=ReplyMethod.API,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for reply_id in due:
        enqueue_publish(reply_id)
    return len(due)
