from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chorus.accounts.models import Membership

SESSION_KEY = "organization_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the signed-in user is acting through in this session.

    The organization chosen with the switcher wins; otherwise the oldest active one.
    """
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("organization", "user").filter(
        user=request.user, is_active=True
    )
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("created_at", "id").first()


class OrganizationMiddleware:
    """Sets request.membership and request.organization (both None when signed out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = current_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)
