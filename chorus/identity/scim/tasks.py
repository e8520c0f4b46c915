from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_across_organizations
from chorus.identity.scim.services.tokens import scim_requests_prune as prune


@task()
@runs_across_organizations("every organization's SCIM request log has the same retention")
def scim_requests_prune() -> None:
    """Forget identity providers' requests older than the log keeps (daily)."""
    prune()
