"""Tenant scoping fails loudly: a query on an organization's data needs a scope.

The suite's tests run across organizations (conftest.py) to build and check their world;
here each check opens the state it is about, as a request, a task or a command does.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.core.management import get_commands, load_command_class
from django.test import RequestFactory
from django_tasks.base import Task

import chorus
from chorus.accounts.middleware import OrganizationMiddleware
from chorus.accounts.models import Group, Membership
from chorus.content.models import Post
from chorus.core.audit import audit_record
from chorus.core.models import AuditEvent
from chorus.core.tenancy import (
    SCOPE_ATTRIBUTE,
    ScopeError,
    across_organizations,
    in_organization,
    keep_scope,
    no_organization,
    runs_across_organizations,
    runs_in_organization_of,
)
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, PostFactory
from chorus.gamification.models import PointEntry


@pytest.fixture
def two(db: None) -> Any:
    acme, globex = OrganizationFactory(name="Acme"), OrganizationFactory(name="Globex")
    for organization, count in ((acme, 3), (globex, 2)):
        for _ in range(count):
            MembershipFactory(organization=organization)
        PostFactory(organization=organization, title=f"{organization.name} news")
    return acme, globex


QUERIES = {
    "filter": lambda: list(Membership.objects.filter(is_active=True)),
    "all": lambda: list(Membership.objects.all()),
    "get": lambda: Membership.objects.get(pk=1),
    "count": lambda: Membership.objects.count(),
    "exists": lambda: Membership.objects.exists(),
    "in_bulk": lambda: Membership.objects.in_bulk([1, 2]),
    "exclude": lambda: list(Membership.objects.exclude(is_admin=True)),
    "first": lambda: Membership.objects.first(),
    "values_list": lambda: list(Membership.objects.values_list("pk", flat=True)),
    "update": lambda: Membership.objects.update(title="x"),
    "delete": lambda: Post.objects.all().delete(),
    "select_related": lambda: list(Membership.objects.select_related("user")),
    "custom queryset": lambda: list(PointEntry.objects.filter(points__gt=0)),
    "audit log": lambda: AuditEvent.objects.count(),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_a_query_without_an_organization_scope_raises(two, query):
    before = Membership.objects.count()
    with no_organization(), pytest.raises(ScopeError, match="needs an organization scope"):
        query()
    assert Membership.objects.count() == before  # nothing was changed either


def test_related_managers_need_a_scope_too(two):
    acme, _globex = two
    group = GroupFactory(organization=acme)
    with no_organization(), pytest.raises(ScopeError):
        list(group.members.all())


def test_inside_a_scope_queries_see_only_that_organization_even_without_a_filter(two):
    acme, globex = two
    with in_organization(acme):
        assert Membership.objects.count() == 3
        assert {m.organization_id for m in Membership.objects.all()} == {acme.pk}
        assert list(Post.objects.values_list("title", flat=True)) == ["Acme news"]
        # Asking for another organization's rows finds nothing.
        assert not Membership.objects.filter(organization=globex).exists()
        other = Membership.objects.filter(organization=globex).values_list("pk", flat=True)
        assert list(other) == []
        # An update or delete cannot reach another organization's rows either.
        assert Post.objects.update(title="Changed") == 1
    with in_organization(globex.pk):  # an id works as well as the organization
        assert Membership.objects.count() == 2
        assert list(Post.objects.values_list("title", flat=True)) == ["Globex news"]


def test_across_organizations_reads_every_organization_and_says_why(two):
    with no_organization():
        with across_organizations("counting every organization's members"):
            assert Membership.objects.count() == 5
        with pytest.raises(ScopeError):
            Membership.objects.count()  # closed again afterwards
    with pytest.raises(ValueError, match="Say why"):
        across_organizations(" ")


def test_creating_and_saving_rows_needs_no_scope(two):
    acme, _globex = two
    with no_organization():
        group = Group.objects.create(organization=acme, name="Night shift")
        group.name = "Night owls"
        group.save()
        audit_record(organization=acme, actor=None, action="test.done", target_label="x")
    with in_organization(acme):
        assert Group.objects.get(pk=group.pk).name == "Night owls"
        assert AuditEvent.objects.filter(action="test.done").count() == 1


def test_scopes_nest_and_restore(two):
    acme, globex = two
    with no_organization():
        with in_organization(acme):
            with in_organization(globex):
                assert Membership.objects.count() == 2
            assert Membership.objects.count() == 3
        with pytest.raises(ScopeError):
            Membership.objects.count()


@runs_in_organization_of(Membership, "membership_ids")
def _organizations_seen(*, membership_ids: Any) -> list[int]:
    return sorted(set(Membership.objects.values_list("organization_id", flat=True)))


def test_a_task_about_one_row_runs_in_that_rows_organization(two):
    acme, globex = two
    one_of_acme = Membership.objects.filter(organization=acme).first()
    two_of_globex = list(
        Membership.objects.filter(organization=globex).values_list("pk", flat=True)
    )
    with no_organization():
        assert _organizations_seen(membership_ids=one_of_acme.pk) == [acme.pk]
        assert _organizations_seen(membership_ids=two_of_globex) == [globex.pk]
        # A row deleted before the task ran: an empty scope, the task finds nothing.
        assert _organizations_seen(membership_ids=987654321) == []
        with pytest.raises(ValueError, match="several organizations"):
            _organizations_seen(membership_ids=[one_of_acme.pk, two_of_globex[0]])


def test_a_batch_job_runs_across_organizations(two: Any) -> None:
    @runs_across_organizations("counting everyone")
    def everyone() -> int:
        return Membership.objects.count()

    with no_organization():
        assert everyone() == 5
    assert getattr(everyone, SCOPE_ATTRIBUTE) == "across organizations: counting everyone"


def _chorus_modules(leaf: str) -> list[Any]:
    found = []
    for app in pkgutil.iter_modules(chorus.__path__):
        name = f"chorus.{app.name}.{leaf}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return found


def test_every_task_says_which_organization_it_runs_in():
    tasks = [
        value
        for module in _chorus_modules("tasks")
        for value in vars(module).values()
        if isinstance(value, Task)
    ]
    assert len(tasks) >= 19
    unscoped = [task.name for task in tasks if not hasattr(task.func, SCOPE_ATTRIBUTE)]
    assert unscoped == []


def test_every_command_says_which_organization_it_runs_in():
    ours = {name: app for name, app in get_commands().items() if app.startswith("chorus.")}
    assert {"seed_demo", "clicks_drain", "rollups_rebuild", "scheduler"} <= set(ours)
    unscoped = [
        name
        for name, app in ours.items()
        if not hasattr(load_command_class(app, name).handle, SCOPE_ATTRIBUTE)
    ]
    assert unscoped == []


def _probe(request: Any) -> Any:
    from django.http import JsonResponse

    try:
        return JsonResponse({"members": Membership.objects.count()})
    except ScopeError:
        return JsonResponse({"members": "refused"})


def test_a_request_runs_in_the_signed_in_members_organization(two):
    _acme, globex = two
    member = Membership.objects.filter(organization=globex).first()
    request = RequestFactory().get("/")
    request.user = member.user
    request.session = {}  # type: ignore[assignment]
    with no_organization():
        response = OrganizationMiddleware(_probe)(request)
    assert response.content == b'{"members": 2}'


def test_a_signed_out_request_has_no_organization(two):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    # Even inside a test that reads everything, the request starts with no organization.
    response = OrganizationMiddleware(_probe)(request)
    assert response.content == b'{"members": "refused"}'


def test_a_streamed_response_keeps_the_scope_it_was_made_in(two):
    acme, _globex = two
    with in_organization(acme):
        rows = keep_scope(iter(Membership.objects.values_list("organization_id", flat=True)))
        lazily = keep_scope(Membership.objects.count() for _ in range(1))
    with no_organization():
        assert set(rows) == {acme.pk}
        assert list(lazily) == [3]


def test_the_django_admin_shows_operators_every_organization(client, two):
    staff = MembershipFactory(organization=two[0], user__is_staff=True, user__is_superuser=True)
    client.force_login(staff.user)
    page = client.get("/django-admin/content/post/").content.decode()
    assert "Acme news" in page
    assert "Globex news" in page
