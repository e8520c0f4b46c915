"""Store the clicks this machine's web processes answered (the worker's clicks_drain task).

For machines that serve links without a task worker: with CLICKS_BACKEND=redis their clicks
go to the stream, but to local files under CLICKS_DIR while Redis fails, and only a drain on
the same machine reads those. Run it every minute from cron or a systemd timer there.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chorus.core.tenancy import runs_across_organizations
from chorus.links.clicks import clicks_drain


class Command(BaseCommand):
    help = "Store the answered clicks waiting on this machine (and in the Redis stream)."

    @runs_across_organizations("the redirect's clicks, of every organization")
    def handle(self, *args: Any, **options: Any) -> None:
        drained = clicks_drain()
        self.stdout.write(f"{drained} click records drained.")
