"""Access to the gamification pages: every one of them is a 404 while the organization has
points off."""

from __future__ import annotations

from django.http import Http404

from chorus.accounts.access import MemberRequest
from chorus.gamification.services.points import gamification_enabled


def require_on(request: MemberRequest) -> None:
    """Raise 404 when the organization turned points, rankings and badges off."""
    if not gamification_enabled(organization_id=request.organization.pk):
        raise Http404("Points are turned off in this organization.")
