"""Background work for sharing: publishing, auto-share, token expiry, metrics read-back."""

from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations, runs_in_organization_of
from chorus.sharing.models import Share


@task()
@runs_in_organization_of(Share, "share_id")
def share_publish(*, share_id: int) -> str:
    """Publish one share if it is due (idempotent; see services.publishing)."""
    from chorus.sharing.services.publishing import share_publish_run

    return share_publish_run(share_id=share_id)


@task()
@runs_across_organizations("every organization's due shares")
def shares_publish_due() -> int:
    """Every minute: hand the shares whose time came to the workers."""
    from chorus.sharing.services.publishing import shares_publish_due as publish_due

    return publish_due()


@task()
@runs_across_organizations("every organization's auto-shares")
def autoshares_run() -> int:
    """Every few minutes: members' auto-shares of the post of the day, at their time."""
    from chorus.sharing.services.schedule import autoshares_run as run

    return run()


@task()
@runs_across_organizations("every organization's connected accounts")
def connections_check_expiry() -> dict[str, int]:
    """Daily: remind members before a token lapses, mark lapsed connections expired."""
    from chorus.sharing.services.connections import connections_check_expiry as check

    return check()


@task()
@runs_across_organizations("every organization's recent API shares")
def shares_fetch_metrics() -> dict[str, int]:
    """Hourly: read reactions, reposts and replies back for recent API shares."""
    from chorus.sharing.services.metrics import shares_fetch_metrics as fetch

    return fetch()


@task()
@runs_across_organizations("every organization's opened shares")
def shares_confirm_clicked() -> int:
    """Every minute: opened shares whose tracked link a person followed count as shared."""
    from chorus.sharing.services.confirm import shares_confirm_clicked as confirm

    return confirm()
