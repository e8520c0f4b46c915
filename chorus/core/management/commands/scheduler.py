"""`manage.py scheduler`: enqueue the periodic tasks (one scheduler per deployment is enough).

Safe to run on several machines: a database lock lets one of them enqueue, and another
takes over when it stops.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chorus.core.scheduler import PeriodicEnqueuer, build_scheduler, lock_for_database
from chorus.core.tenancy import runs_in_no_organization


class Command(BaseCommand):
    help = "Run the periodic scheduler: it only enqueues tasks; the worker runs them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Take the lock, enqueue each periodic task once, release the lock and exit.",
        )

    @runs_in_no_organization("it only enqueues the periodic tasks")
    def handle(self, *args: Any, **options: Any) -> None:
        lock = lock_for_database()
        enqueuer = PeriodicEnqueuer(lock=lock)
        if options["once"]:
            try:
                enqueued = enqueuer.run_once()
            finally:
                lock.release()
            if enqueuer.held_until is None:
                self.stdout.write("Another scheduler holds the lock: nothing enqueued.")
            else:
                self.stdout.write(f"Enqueued: {', '.join(enqueued) or 'nothing'}.")
            return
        # APScheduler logs every run of every job at INFO: once a minute is noise.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        scheduler = build_scheduler(enqueuer)

        def stop(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write("Scheduler started: enqueues periodic tasks while it holds the lock.")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            lock.release()
            self.stdout.write("Scheduler stopped.")
