from __future__ import annotations

from django.core.management import call_command
from django_tasks import task

from chorus.core.tenancy import runs_across_organizations


@task()
@runs_across_organizations("task results, which belong to no organization")
def task_results_prune() -> None:
    """Delete finished task results older than two days (periodic tasks add many a day)."""
    call_command("prune_db_task_results", min_age_days=2, failed_min_age_days=14, verbosity=0)
