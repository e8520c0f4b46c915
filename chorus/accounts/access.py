"""Access control for views: every view declares who may use it.

The route-walking test reads `view.chorus_access` to prove each route's checks, so a
view without one of these decorators fails the suite.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

if TYPE_CHECKING:
    from chorus.accounts.models import Membership, Organization


class MemberRequest(HttpRequest):
    """A request from a signed-in member of the current organization."""

    membership: Membership
    organization: Organization


View = TypeVar("View", bound=Callable[..., HttpResponse])


def public(view: View) -> View:
    """Anyone, signed in or not."""
    view.chorus_access = "public"  # type: ignore[attr-defined]
    return view


def signed_in(view: View) -> View:
    """Any signed-in user, even one without an organization."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.chorus_access = "signed_in"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def role_required(*roles: str) -> Callable[[View], View]:
    """A signed-in member of the current organization holding one of `roles`.

    No roles means any active member. Admins pass every role check.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("no_organization")
            if roles and not membership.has_role(*roles):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        wrapper.chorus_access = "member"  # type: ignore[attr-defined]
        wrapper.chorus_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


member_required = role_required()
admin_required = role_required("admin")
