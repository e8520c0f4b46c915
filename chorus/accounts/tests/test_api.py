"""The API under /api/v1: token auth, tenant isolation, roles, members, groups, invitations."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any, cast, get_args

import pytest
from django.test import Client
from django.utils import timezone

from chorus.accounts.api.groups import CreatableGroupKindName, GroupKindName
from chorus.accounts.api.invitations import InvitationStatusName
from chorus.accounts.api.members import ProgramStatusName, RoleName
from chorus.accounts.models import (
    CREATABLE_GROUP_KINDS,
    ApiToken,
    Group,
    GroupKind,
    Invitation,
    Membership,
    Organization,
    ProgramStatus,
    Role,
)
from chorus.accounts.services import invitations as invitation_services
from chorus.accounts.services import members as member_services
from chorus.accounts.services import tokens as token_services
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.actions.members import member_set_active
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory


# The factories are untyped (factory_boy ships no types): name what they make.
def new_member(**fields: Any) -> Membership:
    return cast(Membership, MembershipFactory(**fields))


def new_organization(**fields: Any) -> Organization:
    return cast(Organization, OrganizationFactory(**fields))


def new_group(**fields: Any) -> Group:
    return cast(Group, GroupFactory(**fields))


BASE = "/api/v1"


def call(client: Any, method: str, path: str, secret: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    data = json.dumps(body) if body is not None else ""
    return client.generic(
        method, BASE + path, data=data, content_type="application/json", headers=headers
    )


@pytest.fixture
def admin_secret(admin_member):
    return token_services.api_token_create(membership=admin_member, name="admin script")[1]


@pytest.fixture
def employee_secret(employee):
    return token_services.api_token_create(membership=employee, name="my script")[1]


@pytest.fixture
def globex(db):
    """Another organization, with one of everything an id can name."""
    organization = new_organization(name="Globex", slug="globex")
    member = new_member(organization=organization, is_admin=True)
    token, _ = token_services.api_token_create(membership=member, name="theirs")
    invitation = Invitation.objects.create(
        organization=organization,
        email="someone@globex.test",
        token_hash=hash_secret(new_secret()),
        expires_at=timezone.now() + timedelta(days=3),
    )
    group = new_group(organization=organization)
    return {
        "member_id": member.pk,
        "group_id": group.pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
    }


def invite(organization, actor, email, **kwargs):
    return invitation_services.invitation_create(
        organization=organization, actor=actor, email=email, send=False, **kwargs
    )


# Authentication ---------------------------------------------------------------------


def test_me_with_a_bearer_token(client, employee, employee_secret):
    response = call(client, "GET", "/me", employee_secret)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == employee.user.email
    assert body["membership_id"] == employee.pk
    assert body["organization"]["slug"] == "acme"
    assert body["roles"] == ["employee"]


def test_a_token_acts_in_its_own_membership_organization(client, employee):
    """The same person in two organizations: each token sees only its organization."""
    elsewhere = new_member(user=employee.user, organization=new_organization(slug="b"))
    new_group(organization=elsewhere.organization, name="Only in B")
    member_services.membership_update_roles(
        membership=elsewhere, actor=employee.user, roles=["admin"]
    )
    _, secret = token_services.api_token_create(membership=elsewhere, name="b")
    assert call(client, "GET", "/me", secret).json()["organization"]["slug"] == "b"
    groups = call(client, "GET", "/groups", secret).json()["items"]
    assert [group["name"] for group in groups] == ["Only in B"]


def test_calls_without_a_token_are_401(client, db):
    response = call(client, "GET", "/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_an_unknown_token_is_401_even_for_writes(db):
    """Not a CSRF 403: without a session there is nothing for CSRF to protect."""
    client = Client(enforce_csrf_checks=True)
    assert call(client, "GET", "/me", "chorus_nope").status_code == 401
    assert call(client, "POST", "/tokens", "chorus_nope", {"name": "x"}).status_code == 401
    assert call(client, "POST", "/tokens", body={"name": "x"}).status_code == 401


def test_a_token_write_needs_no_csrf_token(employee_secret):
    client = Client(enforce_csrf_checks=True)
    assert call(client, "POST", "/tokens", employee_secret, {"name": "x"}).status_code == 201


def test_a_revoked_token_is_401(client, employee):
    token, secret = token_services.api_token_create(membership=employee, name="old")
    token_services.api_token_revoke(token=token, actor=employee.user)
    assert call(client, "GET", "/me", secret).status_code == 401


def test_a_deactivated_members_token_is_401(client, admin_member, employee, employee_secret):
    member_set_active(membership=employee, actor=admin_member.user, active=False)
    assert call(client, "GET", "/me", employee_secret).status_code == 401


def test_a_globally_deactivated_users_token_is_401(client, employee, employee_secret):
    """Django's is_active on the user (staff or a script turned the person off everywhere)."""
    employee.user.is_active = False
    employee.user.save(update_fields=["is_active"])
    assert call(client, "GET", "/me", employee_secret).status_code == 401
    assert call(client, "POST", "/tokens", employee_secret, {"name": "x"}).status_code == 401
    assert ApiToken.objects.filter(membership=employee).count() == 1
    assert ApiToken.objects.get(membership=employee).last_used_at is None


def test_a_deactivated_members_token_is_401_for_writes_too(
    client, admin_member, employee, employee_secret
):
    member_set_active(membership=employee, actor=admin_member.user, active=False)
    assert call(client, "POST", "/tokens", employee_secret, {"name": "x"}).status_code == 401
    assert ApiToken.objects.filter(membership=employee).count() == 1


def test_a_reactivated_members_token_works_again(client, admin_member, employee, employee_secret):
    member_set_active(membership=employee, actor=admin_member.user, active=False)
    member_set_active(membership=employee, actor=admin_member.user, active=True)
    assert call(client, "GET", "/me", employee_secret).status_code == 200


def test_a_token_revoked_through_the_api_is_401(client, employee):
    token, secret = token_services.api_token_create(membership=employee, name="old")
    assert call(client, "DELETE", f"/tokens/{token.pk}", secret).status_code == 204
    assert call(client, "GET", "/me", secret).status_code == 401


def test_a_deleted_members_token_is_401(client, employee, employee_secret):
    employee.delete()
    assert not ApiToken.objects.exists()
    assert call(client, "GET", "/me", employee_secret).status_code == 401


def test_a_token_works_only_with_its_whole_secret(client, employee, employee_secret):
    assert call(client, "GET", "/me", employee_secret).status_code == 200
    assert call(client, "GET", "/me", employee_secret[:-1]).status_code == 401
    assert call(client, "GET", "/me", employee_secret + "x").status_code == 401


def test_using_a_token_records_when_it_was_last_used(client, employee, employee_secret):
    call(client, "GET", "/me", employee_secret)
    assert ApiToken.objects.get(membership=employee).last_used_at is not None


def test_the_browser_session_works_for_reads(employee_client, employee):
    response = employee_client.get(BASE + "/me")
    assert response.status_code == 200
    assert response.json()["membership_id"] == employee.pk


def test_a_session_write_without_the_csrf_token_is_refused(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    response = call(client, "POST", "/tokens", body={"name": "from the browser"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_session_write_with_the_csrf_token_is_accepted(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    html = client.get("/settings/").content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match
    csrf = match.group(1)
    response = client.post(
        BASE + "/tokens",
        data=json.dumps({"name": "from the browser"}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201
    assert ApiToken.objects.filter(membership=employee).exists()


# Tokens -----------------------------------------------------------------------------


def test_token_create_returns_the_secret_once_and_stores_its_hash(
    client, employee, employee_secret
):
    response = call(client, "POST", "/tokens", employee_secret, {"name": "second"})
    assert response.status_code == 201
    secret = response.json()["secret"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.membership == employee
    assert token.token_hash == hash_secret(secret)
    assert call(client, "GET", "/me", secret).status_code == 200
    listed = call(client, "GET", "/tokens", employee_secret).json()
    assert {item["name"] for item in listed} == {"my script", "second"}
    assert all("secret" not in item and "token_hash" not in item for item in listed)


def test_token_list_shows_only_my_tokens(client, employee, employee_secret, admin_member):
    token_services.api_token_create(membership=admin_member, name="the admin's")
    names = [item["name"] for item in call(client, "GET", "/tokens", employee_secret).json()]
    assert names == ["my script"]


def test_token_delete_revokes_it(client, employee, employee_secret):
    token, secret = token_services.api_token_create(membership=employee, name="to revoke")
    response = call(client, "DELETE", f"/tokens/{token.pk}", employee_secret)
    assert response.status_code == 204
    assert call(client, "GET", "/me", secret).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_a_colleagues_token_is_404(client, employee_secret, admin_member):
    token, _ = token_services.api_token_create(membership=admin_member, name="the admin's")
    response = call(client, "DELETE", f"/tokens/{token.pk}", employee_secret)
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# Members ----------------------------------------------------------------------------


@pytest.fixture
def crew(organization, admin_member, employee):
    sales = new_group(organization=organization, kind=GroupKind.DEPARTMENT, name="Sales")
    curator = new_member(
        organization=organization,
        is_curator=True,
        user__name="Carla Curator",
        user__email="carla@acme.test",
        program_status=ProgramStatus.JOINED,
    )
    gone = new_member(organization=organization, is_active=False, user__name="Gone")
    sales.members.add(curator, employee)
    new_member(organization=new_organization(), user__name="Carla Elsewhere")
    return {"sales": sales, "curator": curator, "gone": gone}


def member_ids(client, secret, query=""):
    response = call(client, "GET", "/members" + query, secret)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_member_list_is_the_organizations_members(client, admin_secret, crew, admin_member):
    response = call(client, "GET", "/members", admin_secret)
    body = response.json()
    assert body["count"] == 4
    assert {item["id"] for item in body["items"]} == set(
        Membership.objects.filter(organization=admin_member.organization).values_list(
            "pk", flat=True
        )
    )
    carla = next(item for item in body["items"] if item["id"] == crew["curator"].pk)
    assert carla["email"] == "carla@acme.test"
    assert carla["roles"] == ["employee", "curator"]
    assert carla["groups"] == [{"id": crew["sales"].pk, "kind": "department", "name": "Sales"}]
    assert set(carla) == {
        "id",
        "user_id",
        "email",
        "name",
        "title",
        "roles",
        "is_active",
        "program_status",
        "groups",
        "created_at",
    }


def test_member_list_filters(client, admin_secret, crew, employee):
    curator, gone, sales = crew["curator"].pk, crew["gone"].pk, crew["sales"].pk
    assert member_ids(client, admin_secret, "?q=carla") == {curator}
    assert member_ids(client, admin_secret, "?q=CARLA@acme") == {curator}
    assert member_ids(client, admin_secret, "?role=curator") >= {curator}
    assert curator not in member_ids(client, admin_secret, "?role=approver")
    assert member_ids(client, admin_secret, f"?group_id={sales}") == {curator, employee.pk}
    assert member_ids(client, admin_secret, "?program_status=joined") == {curator}
    assert member_ids(client, admin_secret, "?active=false") == {gone}
    assert gone not in member_ids(client, admin_secret, "?active=true")


def test_member_list_is_paginated(client, admin_secret, crew):
    body = call(client, "GET", "/members?limit=2&offset=1", admin_secret).json()
    assert body["count"] == 4
    assert len(body["items"]) == 2


def test_member_list_costs_the_same_queries_for_more_members(
    client, admin_secret, organization, django_assert_max_num_queries
):
    group = new_group(organization=organization)
    for _ in range(3):
        group.members.add(new_member(organization=organization))
    with django_assert_max_num_queries(8) as few:
        call(client, "GET", "/members", admin_secret)
    for _ in range(20):
        group.members.add(new_member(organization=organization))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert call(client, "GET", "/members", admin_secret).json()["count"] == 24


def test_member_detail(client, admin_secret, crew):
    response = call(client, "GET", f"/members/{crew['curator'].pk}", admin_secret)
    assert response.status_code == 200
    assert response.json()["name"] == "Carla Curator"


def test_patch_roles_writes_an_audit_event(client, admin_secret, employee):
    response = call(
        client, "PATCH", f"/members/{employee.pk}", admin_secret, {"roles": ["employee", "curator"]}
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["employee", "curator"]
    employee.refresh_from_db()
    assert employee.is_curator
    event = AuditEvent.objects.get(action="member.roles_changed", target_id=str(employee.pk))
    assert event.data == {"before": ["employee"], "after": ["employee", "curator"]}


def test_patch_refuses_removing_the_last_admin(client, admin_secret, admin_member):
    response = call(
        client, "PATCH", f"/members/{admin_member.pk}", admin_secret, {"roles": ["employee"]}
    )
    assert response.status_code == 422
    assert "at least one admin" in response.json()["detail"]
    admin_member.refresh_from_db()
    assert admin_member.is_admin


def test_patch_title_groups_and_active(client, admin_secret, employee, organization):
    north = new_group(organization=organization, kind=GroupKind.REGION, name="North")
    body = {"title": "  Head of   Sales ", "group_ids": [north.pk], "is_active": False}
    response = call(client, "PATCH", f"/members/{employee.pk}", admin_secret, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title"] == "Head of Sales"
    assert data["groups"] == [{"id": north.pk, "kind": "region", "name": "North"}]
    assert data["is_active"] is False
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"member.title_changed", "member.groups_changed", "member.deactivated"} <= actions


def test_patch_is_all_or_nothing(client, admin_secret, employee, globex):
    body = {"roles": ["employee", "approver"], "group_ids": [globex["group_id"]]}
    response = call(client, "PATCH", f"/members/{employee.pk}", admin_secret, body)
    assert response.status_code == 404
    employee.refresh_from_db()
    assert not employee.is_approver
    assert not AuditEvent.objects.filter(action="member.roles_changed").exists()


def test_admin_cannot_deactivate_themselves(client, admin_secret, admin_member):
    response = call(
        client, "PATCH", f"/members/{admin_member.pk}", admin_secret, {"is_active": False}
    )
    assert response.status_code == 422
    assert "yourself" in response.json()["detail"]


# Groups -----------------------------------------------------------------------------


def test_group_crud(client, admin_secret, organization):
    created = call(
        client, "POST", "/groups", admin_secret, {"kind": "language", "name": "  French "}
    )
    assert created.status_code == 201, created.content
    group = created.json()
    assert group["name"] == "French"
    assert group["member_count"] == 0
    path = f"/groups/{group['id']}"
    assert call(client, "GET", path, admin_secret).json()["kind"] == "language"
    renamed = call(client, "PATCH", path, admin_secret, {"name": "Français"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Français"
    listed = call(client, "GET", "/groups?kind=language", admin_secret).json()["items"]
    assert [item["name"] for item in listed] == ["Français"]
    assert call(client, "GET", "/groups?kind=region", admin_secret).json()["items"] == []
    assert call(client, "DELETE", path, admin_secret).status_code == 204
    assert not Group.objects.filter(pk=group["id"]).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"group.created", "group.updated", "group.deleted"} <= actions


def test_duplicate_group_name_is_422(client, admin_secret, organization):
    new_group(organization=organization, kind=GroupKind.CUSTOM, name="Champions")
    response = call(client, "POST", "/groups", admin_secret, {"name": "champions"})
    assert response.status_code == 422
    assert "already" in response.json()["detail"]


def test_group_membership(client, admin_secret, organization, employee, crew):
    group = new_group(organization=organization, name="Champions")
    path = f"/groups/{group.pk}/members"
    curator = crew["curator"]
    added = call(client, "POST", path, admin_secret, {"member_ids": [employee.pk, curator.pk]})
    assert added.status_code == 200
    assert added.json() == {"added": 2}
    again = call(client, "POST", path, admin_secret, {"member_ids": [employee.pk]})
    assert again.json() == {"added": 0}
    listed = call(client, "GET", path, admin_secret).json()
    assert listed["count"] == 2
    assert {item["id"] for item in listed["items"]} == {employee.pk, curator.pk}
    removed = call(client, "DELETE", f"{path}/{employee.pk}", admin_secret)
    assert removed.status_code == 204
    assert list(group.members.all()) == [curator]


def test_adding_a_foreign_member_to_a_group_is_404(client, admin_secret, organization, globex):
    group = new_group(organization=organization)
    response = call(
        client, "POST", f"/groups/{group.pk}/members", admin_secret,
        {"member_ids": [globex["member_id"]]},
    )  # fmt: skip
    assert response.status_code == 404
    assert group.members.count() == 0


# Invitations ------------------------------------------------------------------------


def test_invitation_create(client, admin_secret, organization, django_capture_on_commit_callbacks):
    group = new_group(organization=organization, name="Sales")
    body = {
        "email": " New@Acme.test ",
        "name": "Nia",
        "title": "Engineer",
        "roles": ["employee", "curator"],
        "group_ids": [group.pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = call(client, "POST", "/invitations", admin_secret, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["email"] == "new@acme.test"
    assert data["status"] == "pending"
    assert data["roles"] == ["employee", "curator"]
    assert data["groups"] == [{"id": group.pk, "kind": "department", "name": "Sales"}]
    assert "token_hash" not in data
    invitation = Invitation.objects.get(pk=data["id"])
    assert invitation.sent_count == 1


def test_invitation_create_refuses_a_bad_email(client, admin_secret):
    response = call(client, "POST", "/invitations", admin_secret, {"email": "not an email"})
    assert response.status_code == 422
    assert "valid email" in response.json()["detail"]
    assert not Invitation.objects.exists()


def test_invitation_create_refuses_an_existing_member(client, admin_secret, employee):
    response = call(client, "POST", "/invitations", admin_secret, {"email": employee.user.email})
    assert response.status_code == 422
    assert "already a member" in response.json()["detail"]


def test_invitation_list_filters_by_status(client, admin_secret, organization, admin_member):
    pending = invite(organization, admin_member.user, "p@acme.test")
    revoked = invite(organization, admin_member.user, "r@acme.test")
    invitation_services.invitation_revoke(invitation=revoked, actor=admin_member.user)
    expired = invite(organization, admin_member.user, "e@acme.test")
    expired.expires_at = timezone.now() - timedelta(days=1)
    expired.save(update_fields=["expires_at"])

    def ids(status):
        body = call(client, "GET", f"/invitations?status={status}", admin_secret).json()
        return [item["id"] for item in body["items"]]

    assert ids("pending") == [pending.pk]
    assert ids("revoked") == [revoked.pk]
    assert ids("expired") == [expired.pk]
    assert ids("accepted") == []
    assert call(client, "GET", "/invitations", admin_secret).json()["count"] == 3


def test_invitation_resend_and_revoke(client, admin_secret, organization, admin_member):
    invitation = invite(organization, admin_member.user, "p@acme.test")
    resent = call(client, "POST", f"/invitations/{invitation.pk}/resend", admin_secret)
    assert resent.status_code == 200
    revoked = call(client, "POST", f"/invitations/{invitation.pk}/revoke", admin_secret)
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    again = call(client, "POST", f"/invitations/{invitation.pk}/resend", admin_secret)
    assert again.status_code == 422
    assert "pending or expired" in again.json()["detail"]


# Isolation, roles, bad input --------------------------------------------------------

OPERATIONS_WITH_IDS: list[tuple[str, str, Any]] = [
    ("DELETE", "/tokens/{token_id}", None),
    ("GET", "/members/{member_id}", None),
    ("PATCH", "/members/{member_id}", {"title": "x"}),
    ("GET", "/groups/{group_id}", None),
    ("PATCH", "/groups/{group_id}", {"name": "x"}),
    ("DELETE", "/groups/{group_id}", None),
    ("GET", "/groups/{group_id}/members", None),
    ("POST", "/groups/{group_id}/members", {"member_ids": []}),
    ("DELETE", "/groups/{group_id}/members/{member_id}", None),
    ("POST", "/invitations/{invitation_id}/resend", None),
    ("POST", "/invitations/{invitation_id}/revoke", None),
]

ADMIN_OPERATIONS: list[tuple[str, str, Any]] = [
    ("GET", "/members", None),
    ("GET", "/groups", None),
    ("POST", "/groups", {"name": "x"}),
    ("GET", "/invitations", None),
    ("POST", "/invitations", {"email": "x@example.test"}),
    *OPERATIONS_WITH_IDS[1:],
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS_WITH_IDS)
def test_foreign_ids_are_404(client, admin_secret, globex, method, path, body):
    response = call(client, method, path.format(**globex), admin_secret, body)
    assert response.status_code == 404
    assert response.json()["detail"]


def test_ids_that_do_not_exist_are_404(client, admin_secret):
    assert call(client, "GET", "/members/999999", admin_secret).status_code == 404
    assert call(client, "GET", "/groups/999999", admin_secret).status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_OPERATIONS)
def test_employees_get_403_on_admin_operations(
    client, employee_secret, organization, admin_member, method, path, body
):
    own: dict[str, Any] = {
        "member_id": admin_member.pk,
        "group_id": new_group(organization=organization).pk,
        "invitation_id": invite(organization, admin_member.user, "x@acme.test").pk,
    }
    response = call(client, method, path.format(**own), employee_secret, body)
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this."}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/members/abc", None),
        ("GET", "/members/-1", None),
        ("GET", "/members/99999999999999999999999", None),
        ("GET", "/members?limit=100000", None),
        ("GET", "/members?offset=99999999999999999999", None),
        ("GET", "/members?role=overlord", None),
        ("GET", "/members?q=" + "x" * 1000, None),
        ("GET", "/members?group_id=99999999999999999999999", None),
        ("GET", "/members?active=maybe", None),
        ("GET", "/groups?kind=planet", None),
        ("GET", "/invitations?status=lost", None),
        ("PATCH", "/members/1", {"roles": ["overlord"]}),
        ("PATCH", "/members/1", {"roles": []}),
        ("PATCH", "/members/1", {"roles": "admin"}),
        ("PATCH", "/members/1", {"title": "x" * 10_000}),
        ("PATCH", "/members/1", {"group_ids": ["a"]}),
        ("PATCH", "/members/1", {"group_ids": [99999999999999999999999]}),
        ("PATCH", "/members/1", {"is_active": "perhaps"}),
        ("POST", "/groups", {"name": "x" * 10_000}),
        ("POST", "/groups", {"name": "x", "kind": "planet"}),
        ("POST", "/groups", {"name": 5}),
        ("POST", "/groups", "not an object"),
        ("POST", "/groups/1/members", {"member_ids": "all"}),
        ("POST", "/invitations", {"email": "a@b.test", "roles": ["overlord"]}),
        ("POST", "/invitations", {"email": "x" * 10_000 + "@b.test"}),
        ("POST", "/tokens", {"name": "x" * 10_000}),
        ("POST", "/tokens", {"name": ""}),
        ("POST", "/tokens", {}),
        ("POST", "/tokens", {"name": "nul\u0000byte"}),
        ("POST", "/groups", {"name": "nul\u0000byte"}),
        ("PATCH", "/members/1", {"title": "nul\u0000byte"}),
        ("POST", "/invitations", {"email": "a@b.test", "name": "nul\u0000byte"}),
        ("GET", "/members?q=nul%00byte", None),
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(client, admin_secret, method, path, body):
    response = call(client, method, path, admin_secret, body)
    assert 400 <= response.status_code < 500, response.content
    assert response.status_code != 401
    assert "detail" in response.json()


def test_a_blank_group_name_gets_the_services_message(client, admin_secret):
    response = call(client, "POST", "/groups", admin_secret, {"name": "   "})
    assert response.status_code == 422
    assert response.json() == {"detail": "A group needs a name."}


def test_schema_literals_match_the_model_choices():
    """The API's enums are spelled out for mypy; they must follow the models."""
    assert list(get_args(RoleName)) == Role.values
    assert list(get_args(GroupKindName)) == GroupKind.values
    assert list(get_args(CreatableGroupKindName)) == CREATABLE_GROUP_KINDS
    assert list(get_args(ProgramStatusName)) == ProgramStatus.values
    assert set(get_args(InvitationStatusName)) == {"pending", "accepted", "revoked", "expired"}


# OpenAPI and docs -------------------------------------------------------------------


def test_openapi_document_lists_the_operations(client, db):
    response = client.get(BASE + "/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/me": {"get"},
        "/api/v1/tokens": {"get", "post"},
        "/api/v1/tokens/{token_id}": {"delete"},
        "/api/v1/members": {"get"},
        "/api/v1/members/{member_id}": {"get", "patch"},
        "/api/v1/groups": {"get", "post"},
        "/api/v1/groups/{group_id}": {"get", "patch", "delete"},
        "/api/v1/groups/{group_id}/members": {"get", "post"},
        "/api/v1/groups/{group_id}/members/{member_id}": {"delete"},
        "/api/v1/invitations": {"get", "post"},
        "/api/v1/invitations/{invitation_id}/resend": {"post"},
        "/api/v1/invitations/{invitation_id}/revoke": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    schemes = response.json()["components"]["securitySchemes"]
    assert {"TokenAuth", "SessionAuth"} <= set(schemes)


def test_docs_page_uses_local_assets_under_the_csp(client, db):
    response = client.get(BASE + "/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(source.endswith("swagger-ui-bundle.js") for source in sources)
    assert all(source.startswith("/static/") for source in sources), sources
    # The only inline <script> is JSON data, which the CSP does not execute.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' type="application/json" id="swagger-settings"']
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_a_body_that_is_not_json_is_400(client, admin_secret):
    response = client.post(
        BASE + "/groups",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin_secret}"},
    )
    assert response.status_code == 400
    assert not Group.objects.exists()
