"""Reaching members outside the app: fan-out, sending, recovering from dead workers."""

from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import in_organization, runs_across_organizations, runs_in_organization_of
from chorus.notifications.models import Dispatch


@task()
@runs_in_organization_of(Dispatch, "dispatch_id")
def dispatch_fan_out(*, dispatch_id: int) -> int:
    """Queue a dispatch for its whole audience, in batches, resuming where it stopped."""
    from chorus.notifications.services.delivery import dispatch_fan_out_run

    return dispatch_fan_out_run(dispatch_id=dispatch_id)


@task()
@runs_across_organizations("opens the scope of the organization it was given")
def deliveries_send(*, organization_id: int) -> int:
    """Send one organization's due deliveries, batch after batch."""
    from chorus.notifications.services.sending import deliveries_send_run

    with in_organization(organization_id):
        return deliveries_send_run(organization_id=organization_id)


@task()
@runs_across_organizations("every organization's deliveries: dead claims and due retries")
def deliveries_recover() -> dict[str, int]:
    """Every minute: claims of dead workers, and a sender for due deliveries."""
    from chorus.notifications.services.sending import deliveries_recover as recover

    return recover()
