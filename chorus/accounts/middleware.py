from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from chorus.accounts.models import Membership
from chorus.core.tenancy import across_organizations, in_organization, no_organization

SESSION_KEY = "organization_id"
# The operators' Django admin (chorus/urls.py), which reads every organization.
ADMIN_PREFIX = "/django-admin/"


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the signed-in user is acting through in this session.

    The organization chosen with the switcher wins; otherwise the oldest active one.
    """
    if not request.user.is_authenticated:
        return None
    with across_organizations("which of the user's organizations this request acts in"):
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
    """Sets request.membership and request.organization (both None when signed out), and
    runs the request in that organization's scope (chorus.core.tenancy): its queries see
    only the organization's rows, and with no organization, a query on tenant data raises.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with no_organization():
            membership = current_membership(request)
            request.membership = membership  # type: ignore[attr-defined]
            request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
            if request.path.startswith(ADMIN_PREFIX) and request.user.is_staff:
                with across_organizations("the operators' Django admin"):
                    return self.get_response(request)
            if membership is None:
                return self.get_response(request)
            with in_organization(membership.organization_id):
                return self.get_response(request)


class MemberLanguageMiddleware:
    """Pages in the language the signed-in member chose in Settings.

    Runs after Django's LocaleMiddleware, which has already picked the browser's language
    (Accept-Language) for everyone else and for members who did not choose.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "")
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
