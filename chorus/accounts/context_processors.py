from typing import Any

from django.http import HttpRequest

from chorus.accounts.models import Membership
from chorus.accounts.selectors.branding import organization_logo_path
from chorus.core.tenancy import across_organizations


def organization(request: HttpRequest) -> dict[str, Any]:
    """The current membership, the user's other organizations for the switcher, and the
    organization's logo for the shell."""
    membership = getattr(request, "membership", None)
    others: list[Membership] = []
    if membership is not None:
        with across_organizations("the switcher lists the user's other organizations"):
            others = list(
                Membership.objects.select_related("organization")
                .filter(user_id=membership.user_id, is_active=True)
                .exclude(pk=membership.pk)
            )
    logo = organization_logo_path(organization=membership.organization) if membership else ""
    return {"membership": membership, "other_memberships": others, "organization_logo": logo}
