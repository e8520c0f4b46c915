from __future__ import annotations

from django_tasks import task

from chorus.core.tenancy import runs_in_no_organization
from chorus.identity.saml import assertions_seen_prune as prune


@task()
@runs_in_no_organization("the SAML assertions seen belong to no organization")
def saml_assertions_prune() -> None:
    """Forget the SAML assertions that have expired (daily)."""
    prune()
