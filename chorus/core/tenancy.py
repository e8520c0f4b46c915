"""Tenant scoping that fails loudly (django-scopes, as pretix does it).

Every model of an organization's data (`TenantModel`) is read through `TenantManager`. A
query on it raises `ScopeError` unless an organization scope is open, and inside one it
only ever sees that organization's rows, even when a filter was forgotten. The scope is
opened where work enters Chorus:

- a page or API call: `OrganizationMiddleware` starts every request with no organization,
  then opens the signed-in member's (and the API token auth the token's);
- a task: `@runs_in_organization_of(Model, "id_argument")` for a task about one row,
  `@runs_across_organizations("why")` for a batch job that truly spans organizations;
- a management command: its `handle` is decorated the same way, or with
  `@runs_in_no_organization("why")` when it opens the scope itself (after creating the
  organization, or finding it by name).

Anything that has to read across organizations outside those (the sign-in step that finds
which organizations a user belongs to, the Django admin for operators) says so with
`across_organizations("why")`, so each place is found by one search.

Creating rows (`Model.objects.create`, `bulk_create`) is never refused: a new row names
its organization.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from django.db import models
from django_scopes import scopes_disabled
from django_scopes.exceptions import ScopeError
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope, state

__all__ = [
    "ScopeError",
    "TenantManager",
    "across_organizations",
    "enter_organization",
    "in_organization",
    "keep_scope",
    "no_organization",
    "runs_across_organizations",
    "runs_in_no_organization",
    "runs_in_organization_of",
]

Function = TypeVar("Function", bound=Callable[..., Any])
_Model = TypeVar("_Model", bound=models.Model)

# How a function tells the structure test how it opens its scope (see tests/test_tenancy.py).
SCOPE_ATTRIBUTE = "chorus_scope"


def _refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise ScopeError(
        f"A query on {self.model.__name__} needs an organization scope: open one with "
        "chorus.core.tenancy.in_organization(...), or across_organizations(why) for work "
        "that truly spans organizations."
    )


class _RefusedQuerySet(DisabledQuerySet):  # type: ignore[misc]
    """django-scopes' refusal, also for the reads it lets through (exists(), in_bulk())."""

    def __repr__(self) -> str:
        return f"<{self.model.__name__} query refused: no organization scope>"

    exists = _refuse
    in_bulk = _refuse
    contains = _refuse
    explain = _refuse
    bulk_update = _refuse
    exclude = _refuse
    select_related = _refuse
    prefetch_related = _refuse
    distinct = _refuse
    defer = _refuse
    extra = _refuse
    alias = _refuse


# Every refusal of django-scopes' queryset says what to do about it.
for _name, _value in vars(DisabledQuerySet).items():
    if _value is DisabledQuerySet.error:
        setattr(_RefusedQuerySet, _name, _refuse)


class TenantManager(models.Manager[_Model]):
    """The manager of an organization's rows: a query needs an organization scope.

    django-scopes' ScopedManager, on the one dimension Chorus has, written as a class (the
    library builds one inside a function, which the type checker cannot see through).
    """

    def get_queryset(self) -> models.QuerySet[_Model]:
        current = get_scope()
        queryset = super().get_queryset()
        if not current.get("_enabled", True):
            return queryset
        if "organization" not in current:
            return _RefusedQuerySet(self.model, using=self._db, missing_scopes=["organization"])
        organization = current["organization"]
        if isinstance(organization, list | tuple):
            return queryset.filter(organization__in=organization)
        if organization is not None:
            return queryset.filter(organization=organization)
        return queryset

    def all(self) -> models.QuerySet[_Model]:
        # As Django's: the queryset itself (a related manager's may hold prefetched rows).
        queryset = self.get_queryset()
        if isinstance(queryset, DisabledQuerySet):
            _refuse(queryset)
        return queryset


def _organization_id(organization: Any) -> int:
    return organization if isinstance(organization, int) else int(organization.pk)


@contextmanager
def _state(value: dict[str, Any]) -> Iterator[None]:
    token = state.set(value)
    try:
        yield
    finally:
        state.reset(token)


def in_organization(organization: Any) -> AbstractContextManager[None]:
    """Queries see only this organization's rows (an Organization or its id)."""
    return _state({"_enabled": True, "organization": _organization_id(organization)})


def no_organization() -> AbstractContextManager[None]:
    """A fresh start with no organization: every query on tenant data raises until one is
    opened. Where a request, a task or a command begins."""
    return _state({"_enabled": True})


def across_organizations(why: str) -> AbstractContextManager[None]:
    """Read every organization's rows, on purpose. `why` says what needs it (it is for the
    reader: one search for `across_organizations(` finds every such place)."""
    if not why.strip():
        raise ValueError("Say why the work spans organizations.")
    return scopes_disabled()  # type: ignore[no-any-return]


def enter_organization(organization: Any) -> None:
    """Open the organization's scope for the rest of the current request.

    For the API token auth, which learns the organization after the request has started:
    it runs inside the request's scope (`OrganizationMiddleware`), which restores the state
    before it when the request ends.
    """
    state.set({"_enabled": True, "organization": _organization_id(organization)})


def keep_scope(items: Iterator[Any]) -> Iterator[Any]:
    """Yield `items` under the scope open now: for a streamed response, whose rows are read
    after the request (and its scope) has ended."""
    current = dict(get_scope())

    def scoped() -> Iterator[Any]:
        with _state(current):
            yield from items

    return scoped()


def runs_in_organization_of(
    model: type[models.Model], argument: str
) -> Callable[[Function], Function]:
    """Run a task or command about one row in that row's organization.

    `argument` names the keyword argument that holds the row's id (or a list of ids, all of
    one organization); its organization is read with the model's base manager (the only
    unscoped read), then the scope is opened. A row that no longer exists leaves an empty
    scope: the task finds nothing to do.
    """

    def decorator(function: Function) -> Function:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ids = signature.bind(*args, **kwargs).arguments[argument]
            if not isinstance(ids, list | tuple | set):
                ids = [ids]
            found = set(
                model._base_manager.filter(pk__in=list(ids))
                .values_list("organization_id", flat=True)
                .distinct()
            )
            if len(found) > 1:
                raise ValueError(f"{model.__name__} rows of several organizations in one task.")
            organization_id = found.pop() if found else None
            if organization_id is None:
                # An empty scope: the task's queries find no row of any organization.
                with _state({"_enabled": True, "organization": []}):
                    return function(*args, **kwargs)
            with in_organization(organization_id):
                return function(*args, **kwargs)

        setattr(wrapper, SCOPE_ATTRIBUTE, f"organization of {model.__name__}.{argument}")
        return wrapper  # type: ignore[return-value]

    return decorator


def runs_across_organizations(why: str) -> Callable[[Function], Function]:
    """Mark a task or command as a batch job over every organization, and run it so."""

    def decorator(function: Function) -> Function:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with across_organizations(why):
                return function(*args, **kwargs)

        setattr(wrapper, SCOPE_ATTRIBUTE, f"across organizations: {why}")
        return wrapper  # type: ignore[return-value]

    return decorator


def runs_in_no_organization(why: str) -> Callable[[Function], Function]:
    """Mark a command that starts with no organization and opens the scope it needs itself
    (e.g. after creating the organization): a query before that raises, as in production."""

    def decorator(function: Function) -> Function:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_organization():
                return function(*args, **kwargs)

        setattr(wrapper, SCOPE_ATTRIBUTE, f"no organization: {why}")
        return wrapper  # type: ignore[return-value]

    return decorator
