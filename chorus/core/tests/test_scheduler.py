"""The periodic scheduler: a single lock holder enqueues, another takes over after expiry."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django_tasks.signals import task_enqueued

from chorus.core.models import SchedulerLease
from chorus.core.scheduler import (
    LEASE_SECONDS,
    PERIODIC_TASKS,
    AdvisoryLock,
    LeaseLock,
    PeriodicEnqueuer,
    build_scheduler,
    lock_for_database,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def enqueued() -> Iterator[list[str]]:
    """The names of the tasks enqueued during the test."""
    names: list[str] = []

    def record(sender: Any, task_result: Any, **kwargs: Any) -> None:
        names.append(task_result.task.name)

    task_enqueued.connect(record)
    yield names
    task_enqueued.disconnect(record)


def test_only_one_scheduler_holds_the_lease(db: None) -> None:
    first, second = LeaseLock(holder="one"), LeaseLock(holder="two")
    with time_machine.travel(NOW, tick=False):
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.acquire() is True  # renewing
    assert SchedulerLease.objects.get().holder == "one"


def test_a_renewed_lease_is_not_taken_over(db: None) -> None:
    first, second = LeaseLock(holder="one"), LeaseLock(holder="two")
    with time_machine.travel(NOW, tick=False):
        first.acquire()
    # The holder renews every minute: the lease never runs out.
    for minute in range(1, 10):
        with time_machine.travel(NOW + timedelta(minutes=minute), tick=False):
            assert first.acquire() is True
            assert second.acquire() is False


def test_another_scheduler_takes_over_after_the_lease_expires(db: None) -> None:
    first, second = LeaseLock(holder="one"), LeaseLock(holder="two")
    with time_machine.travel(NOW, tick=False):
        assert first.acquire() is True
    with time_machine.travel(NOW + timedelta(seconds=LEASE_SECONDS - 1), tick=False):
        assert second.acquire() is False
    with time_machine.travel(NOW + timedelta(seconds=LEASE_SECONDS), tick=False):
        assert second.acquire() is True
        # The old holder, back from a pause, finds the lock taken.
        assert first.acquire() is False
    assert SchedulerLease.objects.get().holder == "two"


def test_releasing_lets_another_scheduler_in_at_once(db: None) -> None:
    first, second = LeaseLock(holder="one"), LeaseLock(holder="two")
    first.acquire()
    second.release()  # not the holder: changes nothing
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True


def test_only_the_holder_enqueues(db: None, enqueued: list[str]) -> None:
    paths = ["chorus.content.tasks.sources_poll_due"]
    holder = PeriodicEnqueuer(lock=LeaseLock(holder="one"), task_paths=paths)
    standby = PeriodicEnqueuer(lock=LeaseLock(holder="two"), task_paths=paths)
    with time_machine.travel(NOW, tick=False):
        assert holder.run_once() == paths
        assert standby.run_once() == []
    assert enqueued == ["sources_poll_due"]
    # The holder stops (dies without releasing): the standby takes over once it expires.
    with time_machine.travel(NOW + timedelta(seconds=LEASE_SECONDS + 1), tick=False):
        assert holder.holds_lock is False
        assert standby.run_once() == paths
    assert enqueued == ["sources_poll_due", "sources_poll_due"]


def test_a_holder_whose_lease_ran_out_stops_enqueuing(db: None, enqueued: list[str]) -> None:
    holder = PeriodicEnqueuer(lock=LeaseLock(holder="one"))
    with time_machine.travel(NOW, tick=False):
        holder.heartbeat()
    with time_machine.travel(NOW + timedelta(seconds=LEASE_SECONDS + 1), tick=False):
        # No heartbeat since: it cannot know nobody took over, so it does nothing.
        assert holder.enqueue("chorus.content.tasks.sources_poll_due") is False
    assert enqueued == []


def test_a_missing_task_is_skipped_with_a_warning(
    db: None, enqueued: list[str], caplog: Any
) -> None:
    paths = ["chorus.content.tasks.does_not_exist", "chorus.content.tasks.sources_poll_due"]
    enqueuer = PeriodicEnqueuer(lock=LeaseLock(), task_paths=paths)
    with caplog.at_level(logging.WARNING, logger="chorus.core.scheduler"):
        assert enqueuer.run_once() == ["chorus.content.tasks.sources_poll_due"]
    assert "does_not_exist does not exist" in caplog.text


def test_the_scheduler_has_a_heartbeat_and_a_job_per_task(db: None) -> None:
    scheduler = build_scheduler(PeriodicEnqueuer(lock=LeaseLock()))
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {"heartbeat", *PERIODIC_TASKS}
    assert "chorus.content.tasks.sources_poll_due" in ids


def test_scheduler_command_once_enqueues_and_releases(db: None, enqueued: list[str]) -> None:
    call_command("scheduler", "--once")
    assert "sources_poll_due" in enqueued
    assert not SchedulerLease.objects.exists()


def test_scheduler_command_once_does_nothing_while_another_holds_the_lock(
    db: None, enqueued: list[str], capsys: Any
) -> None:
    if connection.vendor == "postgresql":
        other: Any = AdvisoryLock()
    else:
        other = LeaseLock(holder="elsewhere")
    assert other.acquire()
    try:
        call_command("scheduler", "--once")
    finally:
        other.release()
    assert enqueued == []
    assert "Another scheduler holds the lock" in capsys.readouterr().out


def test_the_lock_matches_the_database(db: None) -> None:
    expected = AdvisoryLock if connection.vendor == "postgresql" else LeaseLock
    assert isinstance(lock_for_database(), expected)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks need PostgreSQL (DATABASE_URL)"
)
def test_only_one_scheduler_holds_the_advisory_lock(db: None) -> None:
    first, second = AdvisoryLock(), AdvisoryLock()
    try:
        assert first.acquire() is True
        assert first.acquire() is True  # still held on its own connection
        assert second.acquire() is False
        # The holder's session ends (the process died): the lock goes with it.
        first.connection.close()
        assert second.acquire() is True
        assert first.acquire() is False
    finally:
        first.release()
        second.release()
