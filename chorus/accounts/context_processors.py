from typing import Any

from django.http import HttpRequest

from chorus.accounts.models import Membership
from chorus.core.tenancy import across_organizations


def organization(request: HttpRequest) -> dict[str, Any]:
    """The current membership, and the user's other organizations for the switcher."""
    membership = getattr(request, "membership", None)
    others: list[Membership] = []
    if membership is not None:
        with across_organizations("the switcher lists the user's other organizations"):
            others = list(
                Membership.objects.select_related("organization")
                .filter(user_id=membership.user_id, is_active=True)
                .exclude(pk=membership.pk)
            )
    return {"membership": membership, "other_memberships": others}
