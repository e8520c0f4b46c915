"""Background work of personal data rights: building a member's export, deleting expired
exports, carrying out erasure requests whose cooling-off ended, enforcing retention."""

from __future__ import annotations

from django_tasks import task

from chorus.accounts.models import Organization
from chorus.core.tenancy import in_organization, runs_across_organizations, runs_in_organization_of
from chorus.privacy.models import DataExport


@task()
@runs_in_organization_of(DataExport, "export_id")
def export_build(export_id: int) -> int:
    from chorus.privacy.services.export import export_build as build

    found = (
        DataExport.objects.select_related("membership__user", "organization")
        .filter(pk=export_id)
        .first()
    )
    return build(export=found).size if found is not None else 0


@task()
@runs_across_organizations("every organization's data exports past their seven days")
def exports_expire() -> int:
    from chorus.privacy.services.export import exports_expire as expire

    return expire()


@task()
@runs_across_organizations("every organization's erasure requests whose cooling-off ended")
def erasures_due() -> int:
    from chorus.privacy.services.erasure import erasures_due as carry_out

    done = 0
    for organization in Organization.objects.order_by("pk"):
        with in_organization(organization):
            done += carry_out()
    return done


@task()
@runs_across_organizations("every organization's retention settings, applied daily")
def retention_enforce() -> int:
    from chorus.privacy.services.retention import retention_enforce as enforce

    removed = 0
    for organization in Organization.objects.order_by("pk"):
        with in_organization(organization):
            removed += sum(enforce(organization=organization).values())
    return removed
