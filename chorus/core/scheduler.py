"""The periodic scheduler: APScheduler jobs that only enqueue tasks, one instance at a time.

Every machine of a deployment may run `manage.py scheduler`; a database lock lets only
one of them enqueue. On PostgreSQL it is a session-level advisory lock held by a
dedicated connection (it goes away with the process). Elsewhere (SQLite) it is a lease
row that the holder renews every minute; when the holder dies, the lease expires and a
waiting scheduler takes over. The work itself runs in the task workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.blocking import BlockingScheduler
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    close_old_connections,
    connections,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from chorus.core.models import SchedulerLease

logger = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
# How often each scheduler takes or renews the lock (SCHEDULER_HEARTBEAT_SECONDS): a waiting
# scheduler takes over from a dead PostgreSQL holder at its next heartbeat.
HEARTBEAT_SECONDS = 60
LEASE_SECONDS = 3 * HEARTBEAT_SECONDS
# pg_try_advisory_lock takes a 64-bit key; this one spells "chorus:s" in ASCII.
ADVISORY_LOCK_KEY = int.from_bytes(b"chorus:s", "big") & (2**63 - 1)

# Enqueue these tasks every so many seconds (dotted paths, imported when they run: a task
# that does not exist yet is skipped with a warning instead of stopping the scheduler).
PERIODIC_SECONDS = {
    "chorus.content.tasks.sources_poll_due": 60,
    "chorus.content.tasks.posts_advance_schedule": 60,
    # Clicks wait in the append path until this stores them: keep it short.
    "chorus.links.tasks.clicks_drain": 15,
    "chorus.core.tasks.task_results_prune": 3600,
    # Sharing: due shares to the workers, auto-shares at members' times, metrics, expiry.
    "chorus.sharing.tasks.shares_publish_due": 60,
    "chorus.sharing.tasks.autoshares_run": 300,
    "chorus.sharing.tasks.shares_fetch_metrics": 3600,
    "chorus.sharing.tasks.connections_check_expiry": 86400,
    # An opened share whose tracked link a person followed counts as shared.
    "chorus.sharing.tasks.shares_confirm_clicked": 60,
    # Analytics: days whose raw rows changed are rebuilt; headcounts snapshotted.
    "chorus.analytics.tasks.rollups_refresh": 60,
    "chorus.analytics.tasks.headcounts_today": 3600,
    "chorus.analytics.tasks.headcounts_daily": 86400,
    "chorus.analytics.tasks.rollups_recheck_recent": 86400,
    # Points: shares, clicks and engagement since the last run; recent clicks again daily.
    "chorus.gamification.tasks.points_refresh": 60,
    "chorus.gamification.tasks.points_recheck_recent": 86400,
    # Challenges that ended: the participants told the final figures, once.
    "chorus.gamification.tasks.challenges_send_results": 3600,
    # Training: certificates about to expire (a reminder) or expired (a notice), once each.
    "chorus.training.tasks.certificates_remind_and_expire": 3600,
    # Training reports: counted ahead for their pages (50,000 members take too long).
    "chorus.training.tasks.training_reports_refresh": 600,
    # Care: warnings before a target is missed; the reactions to published replies.
    "chorus.care.tasks.care_breach_warnings_send": 300,
    "chorus.care.tasks.care_replies_fetch_metrics": 3600,
    # Care: replies whose retry time came; escalations the support team has not received.
    "chorus.care.tasks.care_replies_publish_due": 60,
    # Care routing: what is still new, and what an unavailable assignee holds.
    "chorus.care.tasks.care_conversations_route": 60,
    "chorus.care.tasks.care_escalations_deliver_due": 60,
    # Care: listening sources whose next poll is due (each backs off on its own).
    "chorus.care.tasks.care_sources_poll": 60,
    # Reaching members: deliveries a dead worker left, and senders for due retries.
    "chorus.notifications.tasks.deliveries_recover": 60,
    # Surveys: rounds past their time closed, scheduled rounds opened, reminders once.
    "chorus.surveys.tasks.surveys_due": 3600,
    # Reach: digests due in members' time zones, new posts for everyone to the channels
    # that take them, the post of the day at 09:00, nudges.
    "chorus.reach.tasks.digests_due": 900,
    "chorus.reach.tasks.new_posts_due": 60,
    "chorus.reach.tasks.post_of_the_day_due": 900,
    "chorus.reach.tasks.nudges_due": 86400,
    # Single sign-on: the SAML assertions already used, forgotten once they have expired.
    "chorus.identity.tasks.saml_assertions_prune": 86400,
    # SCIM: the identity providers' request log kept for REQUEST_LOG_DAYS.
    "chorus.identity.scim.tasks.scim_requests_prune": 86400,
    # Personal data: exports deleted after 7 days, erasures after their cooling-off,
    # raw clicks, audit details and delivery logs past the organization's retention.
    "chorus.privacy.tasks.exports_expire": 3600,
    "chorus.privacy.tasks.erasures_due": 3600,
    "chorus.privacy.tasks.retention_enforce": 86400,
    # Webhooks: deliveries whose retry time came (the first attempt is enqueued at once).
    "chorus.webhooks.tasks.webhooks_deliver_due": 15,
}
PERIODIC_TASKS = tuple(PERIODIC_SECONDS)


class SchedulerLock(Protocol):
    valid_seconds: int

    def acquire(self) -> bool:
        """Take the lock, or keep holding it; True while this process holds it."""

    def release(self) -> None: ...


def heartbeat_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "SCHEDULER_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLock:
    """A lease row: held until `expires_at`, renewed by each `acquire()` of the holder."""

    def __init__(
        self,
        *,
        name: str = LOCK_NAME,
        holder: str | None = None,
        lease_seconds: int | None = None,
    ) -> None:
        self.name = name
        self.holder = holder or default_holder()
        self.valid_seconds = lease_seconds or 3 * heartbeat_seconds()

    def acquire(self) -> bool:
        now = timezone.now()
        expires_at = now + timedelta(seconds=self.valid_seconds)
        # One UPDATE renews our own lease or takes over an expired one, atomically.
        taken = (
            SchedulerLease.objects.filter(name=self.name)
            .filter(Q(holder=self.holder) | Q(expires_at__lte=now))
            .update(holder=self.holder, expires_at=expires_at)
        )
        if taken:
            return True
        try:
            with transaction.atomic():
                SchedulerLease.objects.create(
                    name=self.name, holder=self.holder, expires_at=expires_at
                )
        except IntegrityError:
            return False  # Someone else holds a lease that has not expired.
        return True

    def release(self) -> None:
        SchedulerLease.objects.filter(name=self.name, holder=self.holder).delete()


class AdvisoryLock:
    """PostgreSQL's session-level advisory lock, on a connection of its own."""

    def __init__(self, *, key: int = ADVISORY_LOCK_KEY) -> None:
        self.key = key
        self.valid_seconds = 2 * heartbeat_seconds()
        self.connection: Any = None

    def acquire(self) -> bool:
        if self.connection is not None and self._alive():
            return True
        self._close()
        connection = connections.create_connection(DEFAULT_DB_ALIAS)
        # The scheduler's jobs run in a thread pool: let them share this connection.
        connection.inc_thread_sharing()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
                held = bool(cursor.fetchone()[0])
        except DatabaseError:
            logger.exception("Could not ask PostgreSQL for the scheduler lock")
            held = False
        if held:
            self.connection = connection
        else:
            connection.close()
        return held

    def _alive(self) -> bool:
        """Whether our session still holds the lock (it goes away with the session)."""
        if self.connection.connection is None:
            return False  # Closed: Django would silently open a new session without it.
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND objsubid = 1"
                    " AND classid::bigint = %s AND objid::bigint = %s",
                    [self.key >> 32, self.key & 0xFFFFFFFF],
                )
                held = bool(cursor.fetchone()[0])
        except DatabaseError:
            held = False
        if not held:
            logger.warning("The scheduler lock's database session was lost")
        return held

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        except DatabaseError:
            pass  # Closing the session releases it anyway.
        self._close()

    def _close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(DatabaseError):
                self.connection.close()
            self.connection = None


def lock_for_database() -> SchedulerLock:
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        return AdvisoryLock()
    return LeaseLock()


class PeriodicEnqueuer:
    """What the scheduler's jobs do: keep the lock, and enqueue tasks while holding it."""

    def __init__(self, *, lock: SchedulerLock, task_paths: Sequence[str] = PERIODIC_TASKS) -> None:
        self.lock = lock
        self.task_paths = tuple(task_paths)
        self.held_until: datetime | None = None

    @property
    def holds_lock(self) -> bool:
        return self.held_until is not None and timezone.now() < self.held_until

    def heartbeat(self) -> bool:
        """Take or renew the lock; True while this process is the one that enqueues."""
        was_holding = self.holds_lock
        try:
            held = self.lock.acquire()
        except DatabaseError:
            logger.exception("Could not take or renew the scheduler lock")
            held = False
        if held:
            self.held_until = timezone.now() + timedelta(seconds=self.lock.valid_seconds)
        else:
            self.held_until = None
        if held != was_holding:
            logger.info("This scheduler %s the lock", "holds" if held else "does not hold")
        return held

    def enqueue(self, task_path: str) -> bool:
        """Enqueue one periodic task if this process holds the lock; True if it did."""
        if not self.holds_lock:
            return False
        try:
            task = import_string(task_path)
        except ImportError:
            logger.warning("Periodic task %s does not exist (yet): skipped", task_path)
            return False
        task.enqueue()
        return True

    def run_once(self) -> list[str]:
        """One round: the heartbeat, then every task. Returns the tasks enqueued."""
        self.heartbeat()
        return [path for path in self.task_paths if self.enqueue(path)]


def _job(function: Callable[..., Any]) -> Callable[..., Any]:
    """A scheduler job: fresh database connections, and no exception escapes."""

    def run(*args: Any) -> None:
        close_old_connections()
        try:
            function(*args)
        except Exception:
            logger.exception("Scheduler job %s failed", getattr(function, "__name__", function))
        finally:
            close_old_connections()

    return run


def build_scheduler(enqueuer: PeriodicEnqueuer) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    start = datetime.now(UTC)
    options: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}
    scheduler.add_job(
        _job(enqueuer.heartbeat),
        "interval",
        seconds=heartbeat_seconds(),
        next_run_time=start,
        id="heartbeat",
        name="scheduler lock heartbeat",
        **options,
    )
    for path in enqueuer.task_paths:
        scheduler.add_job(
            _job(enqueuer.enqueue),
            "interval",
            seconds=PERIODIC_SECONDS.get(path, 60),
            args=[path],
            # A few seconds after the heartbeat, so the first round already holds the lock.
            next_run_time=start + timedelta(seconds=5),
            id=path,
            name=f"enqueue {path}",
            **options,
        )
    return scheduler
