"""Periodic analytics tasks (enqueued by chorus.core.scheduler)."""

from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations


@task()
@runs_across_organizations("every organization's changed days")
def rollups_refresh() -> dict[str, int]:
    """Every minute: rebuild the days whose clicks, shares or metrics changed."""
    from chorus.analytics.rollups import rollups_refresh as refresh

    return refresh()


@task()
@runs_across_organizations("every organization's headcount")
def headcounts_today() -> int:
    """Hourly: today's headcount of every organization, as of now."""
    from chorus.analytics.rollups import headcounts_today as snapshot

    return snapshot()


@task()
@runs_across_organizations("every organization's headcount")
def headcounts_daily() -> int:
    """Daily: yesterday's headcount where it is missing, then today's."""
    from chorus.analytics.rollups import headcounts_daily as snapshot

    return snapshot()


@task()
@runs_across_organizations("every organization's last two days")
def rollups_recheck_recent() -> int:
    """Daily: mark the last two days dirty, catching rows committed out of id order."""
    from chorus.analytics.rollups import rollups_recheck_recent as recheck

    return recheck()
