"""Background work of the surveys app: telling members a round opened, and the periodic
tick (close rounds past their time, open scheduled rounds, remind once)."""

from __future__ import annotations

from django_tasks import task

from chorus.accounts.models import Organization
from chorus.core.tenancy import in_organization, runs_across_organizations, runs_in_organization_of
from chorus.surveys.models import Round


@task()
@runs_in_organization_of(Round, "round_id")
def round_notify(round_id: int) -> int:
    from chorus.surveys.services.surveys import round_notify as notify

    found = Round.objects.select_related("survey").filter(pk=round_id).first()
    return notify(round=found) if found is not None else 0


@task()
@runs_across_organizations("every organization's survey rounds that open, close or remind")
def surveys_due() -> int:
    """Every hour: rounds past their time closed, scheduled rounds opened, reminders."""
    from chorus.surveys.services.surveys import surveys_tick

    done = 0
    for organization in Organization.objects.order_by("pk"):
        with in_organization(organization):
            done += surveys_tick(organization=organization)
    return done
