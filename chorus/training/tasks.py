"""Training's background work."""

from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations


@task()
@runs_across_organizations("every organization's certificates near or past expiry")
def certificates_remind_and_expire() -> dict[str, int]:
    """Hourly: remind members once before a certificate expires, tell them once after."""
    from chorus.training.services.certification import certificates_remind_and_expire as run

    return run()
