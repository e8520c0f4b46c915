"""Periodic points tasks (enqueued by chorus.core.scheduler)."""

from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations


@task()
@runs_across_organizations("every organization's new shares, clicks and engagement")
def points_refresh() -> dict[str, int]:
    """Every minute: new shares, clicks and engagement earn points; quick undos lose them."""
    from chorus.gamification.awards import points_refresh as refresh

    return refresh()


@task()
@runs_across_organizations("every organization's clicks of the last two days")
def points_recheck_recent() -> int:
    """Daily: the last two days' clicks again, for rows committed out of id order."""
    from chorus.gamification.awards import points_recheck_recent as recheck

    return recheck()


@task()
@runs_across_organizations("every organization's ended challenges")
def challenges_send_results() -> dict[str, int]:
    """Hourly: ended challenges tell their participants the final figures (once)."""
    from chorus.gamification.services.challenges import challenges_send_results as send

    return send()
