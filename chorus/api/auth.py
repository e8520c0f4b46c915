"""API authentication: a personal token (Bearer) or the browser session.

Both leave `request.membership` set to the member the call acts as.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from chorus.accounts.models import Membership
from chorus.accounts.services.tokens import api_token_authenticate
from chorus.core.logs import bind_identity
from chorus.core.tenancy import enter_organization

Operation = TypeVar("Operation", bound=Callable[..., Any])


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        request.membership = api_token.membership  # type: ignore[attr-defined]
        request.organization = api_token.membership.organization  # type: ignore[attr-defined]
        # The rest of the call runs in the token's organization.
        enter_organization(api_token.organization_id)
        request.user = api_token.membership.user
        bind_identity(user_id=request.user.pk, organization_id=api_token.organization_id)
        return api_token.membership


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in member there is nothing for CSRF to protect; returning
        # None here makes a call with a bad Bearer token a 401, not a CSRF 403.
        if not request.user.is_authenticated or getattr(request, "membership", None) is None:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        membership = getattr(request, "membership", None)
        if not request.user.is_authenticated or membership is None:
            return None
        return membership  # type: ignore[no-any-return]


def require_roles(request: HttpRequest, *roles: str) -> Membership:
    """The calling member, who must hold one of `roles` (admins hold all)."""
    from ninja.errors import HttpError

    membership: Any = getattr(request, "membership", None)
    if membership is None:
        raise AuthenticationError()
    if roles and not membership.has_role(*roles):
        raise HttpError(403, _("Your role does not allow this."))
    return membership  # type: ignore[no-any-return]


def calling_member(request: HttpRequest) -> Membership:
    """The calling member (its roles were checked by the operation's @api_roles)."""
    return require_roles(request)


def api_roles(*roles: str) -> Callable[[Operation], Operation]:
    """Mark an API operation with the roles it needs and check them on each call.

    Put it under the router decorator. No roles means any member. The route-walking
    test reads `chorus_roles` to prove the check for every operation.
    """

    def decorator(view: Operation) -> Operation:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require_roles(request, *roles)
            return view(request, *args, **kwargs)

        wrapper.chorus_roles = roles  # type: ignore[attr-defined]
        # ninja resolves string annotations (`from __future__ import annotations`) in
        # the globals of the function it is given, which would be this module's:
        # hand it the signature resolved where the operation was written.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
