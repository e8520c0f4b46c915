"""SCHEDULER_HEARTBEAT_SECONDS: how soon a standby scheduler takes over from a dead one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from chorus.core.scheduler import AdvisoryLock, LeaseLock, PeriodicEnqueuer, build_scheduler

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_heartbeat_follows_the_setting(settings):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 5
    scheduler = build_scheduler(PeriodicEnqueuer(lock=LeaseLock(holder="one"), task_paths=()))
    assert scheduler.get_job("heartbeat").trigger.interval == timedelta(seconds=5)
    assert LeaseLock(holder="one").valid_seconds == 15
    assert AdvisoryLock().valid_seconds == 10


def test_a_shorter_heartbeat_hands_a_dead_holders_lease_over_sooner(settings, db):
    settings.SCHEDULER_HEARTBEAT_SECONDS = 5
    dead, standby = LeaseLock(holder="dead"), LeaseLock(holder="standby")
    with time_machine.travel(NOW, tick=False):
        assert dead.acquire() is True
    with time_machine.travel(NOW + timedelta(seconds=14), tick=False):
        assert standby.acquire() is False
    with time_machine.travel(NOW + timedelta(seconds=15), tick=False):
        assert standby.acquire() is True


def test_the_default_stays_a_minute(settings):
    del settings.SCHEDULER_HEARTBEAT_SECONDS
    scheduler = build_scheduler(PeriodicEnqueuer(lock=LeaseLock(holder="one"), task_paths=()))
    assert scheduler.get_job("heartbeat").trigger.interval == timedelta(seconds=60)
