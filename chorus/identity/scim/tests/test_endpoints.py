"""SCIM 2.0 endpoints, called as Okta and Microsoft Entra ID call them.

The PATCH bodies are the ones Okta's and Microsoft's documentation show (Okta "SCIM 2.0
reference" and Microsoft Learn "Tutorial: Develop and plan provisioning for a SCIM
endpoint in Microsoft Entra ID"), with their ids replaced by ours.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from django.test import Client

from chorus.accounts.models import Group, GroupKind, Membership, ProgramStatus, User
from chorus.accounts.services import groups as group_services
from chorus.core.models import AuditEvent
from chorus.core.tenancy import across_organizations
from chorus.factories import MembershipFactory, OrganizationFactory, ShareFactory
from chorus.identity.scim.models import ScimRequest, ScimUser
from chorus.identity.scim.services.tokens import scim_token_create, scim_token_revoke
from chorus.sharing.models import Share, ShareStatus

BASE = "/scim/v2/"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Scim:
    def __init__(self, client: Client, secret: str) -> None:
        self.client = client
        self.secret = secret

    def call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        url = BASE + path + (f"?{query}" if query else "")
        response = self.client.generic(
            method,
            url,
            data=json.dumps(body) if body is not None else "",
            content_type="application/scim+json",
            HTTP_AUTHORIZATION=f"Bearer {self.secret}",
        )
        return response

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **params: str) -> Any:
        response = self.call(method, path, body, **params)
        assert response.status_code == status, response.content
        if status == 204:
            return None
        assert response["Content-Type"] == "application/scim+json"
        return response.json()


@pytest.fixture
def scim(client: Client, admin_member: Membership) -> Scim:
    _, secret = scim_token_create(
        organization=admin_member.organization, actor=admin_member.user, name="Okta"
    )
    return Scim(client, secret)


@pytest.fixture
def other_scim(client: Client) -> Scim:
    globex = cast(Any, OrganizationFactory(name="Globex", slug="globex"))
    admin = cast(Any, MembershipFactory(organization=globex, is_admin=True))
    _, secret = scim_token_create(organization=globex, actor=admin.user, name="Entra")
    return Scim(client, secret)


def okta_user(
    email: str = "isaac.brock@acme.com", external: str = "00ujl29u0le5T6Aj10h7"
) -> dict[str, Any]:
    """Okta's "Create the user" request (SCIM 2.0 reference), our email."""
    return {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": "Isaac", "familyName": "Brock"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Isaac Brock",
        "locale": "en-US",
        "externalId": external,
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def entra_user(email: str = "Test_User_ab6490ee@acme.com") -> dict[str, Any]:
    """Entra's "Create User" request (Microsoft Learn, SCIM endpoint tutorial)."""
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": email,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName",
        },
        "roles": [],
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
    }


def _in(org: Any, model: Any, **filters: Any) -> Any:
    with across_organizations("tests read what the endpoints wrote"):
        return model.objects.filter(**filters)


def test_discovery_endpoints_describe_what_is_supported(scim: Scim) -> None:
    config = scim.ok("GET", "ServiceProviderConfig")
    assert config["patch"]["supported"] is True
    assert config["bulk"]["supported"] is False
    assert config["etag"]["supported"] is False
    assert config["filter"]["supported"] is True
    schemas = scim.ok("GET", "Schemas")
    ids = {item["id"] for item in schemas["Resources"]}
    assert {USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE} <= ids
    assert scim.ok("GET", f"Schemas/{USER_SCHEMA}")["id"] == USER_SCHEMA
    types = scim.ok("GET", "ResourceTypes")
    assert {item["id"] for item in types["Resources"]} == {"User", "Group"}
    assert scim.ok("GET", "ResourceTypes/Group")["endpoint"] == "/Groups"
    assert scim.call("GET", "ResourceTypes/Nope").status_code == 404


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer chorus_scim_wrong", "Basic abc"])
def test_no_or_wrong_token_is_401_in_scims_error_format(
    db: None, client: Client, header: str
) -> None:
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(BASE + "Users", **extra)
    assert response.status_code == 401
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "401"


def test_a_revoked_token_stops_working(scim: Scim, admin_member: Membership) -> None:
    scim.ok("GET", "Users")
    token = _in(None, ScimRequest).first().token
    scim_token_revoke(token=token, actor=admin_member.user)
    assert scim.call("GET", "Users").status_code == 401


def test_okta_creates_a_member_who_has_not_joined_the_program(scim: Scim, organization) -> None:
    created = scim.ok("POST", "Users", okta_user(), status=201)
    membership = _in(organization, Membership, pk=int(created["id"])).get()
    assert membership.organization == organization
    assert membership.roles == ["employee"]
    assert membership.program_status == ProgramStatus.NOT_JOINED
    assert membership.user.email == "isaac.brock@acme.com"
    assert membership.user.name == "Isaac Brock"
    assert not membership.user.has_usable_password()
    assert created["userName"] == "isaac.brock@acme.com"
    assert created["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert created["name"] == {"givenName": "Isaac", "familyName": "Brock"}
    assert created["active"] is True
    assert "password" not in created
    assert _in(organization, AuditEvent, action="scim.user_provisioned").count() == 1
    # Okta asks again by userName before it creates: it is found.
    found = scim.ok("GET", "Users", filter='userName eq "Isaac.Brock@acme.com"')
    assert [item["id"] for item in found["Resources"]] == [created["id"]]
    # The same person again is a conflict.
    assert scim.call("POST", "Users", okta_user()).status_code == 409


def test_a_person_of_another_organization_is_linked_not_duplicated(
    scim: Scim, organization
) -> None:
    globex = OrganizationFactory(name="Globex", slug="globex")
    elsewhere = cast(
        Any, MembershipFactory(organization=globex, user__email="isaac.brock@acme.com")
    )
    created = scim.ok("POST", "Users", okta_user(), status=201)
    membership = _in(organization, Membership, pk=int(created["id"])).get()
    assert membership.user_id == elsewhere.user_id
    assert User.objects.filter(email="isaac.brock@acme.com").count() == 1
    # Their email belongs to them across organizations: this one's IdP cannot change it.
    body = okta_user(email="someone.else@acme.com")
    response = scim.call("PUT", f"Users/{created['id']}", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"


def test_entra_user_with_the_enterprise_extension(scim: Scim) -> None:
    created = scim.ok("POST", "Users", entra_user(), status=201)
    assert created[ENTERPRISE] == {"employeeNumber": "701984", "department": "Tour Operations"}
    assert created["emails"][0]["value"] == "test_user_ab6490ee@acme.com"
    # Entra qualifies attributes with the schema in filters too, and looks up by externalId.
    found = scim.ok("GET", "Users", filter='externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')
    assert found["totalResults"] == 1
    none = scim.ok("GET", "Users", filter='userName eq "nobody@acme.com"')
    assert none["totalResults"] == 0 and "Resources" not in none


def test_filters_on_emails_and_refusals(scim: Scim) -> None:
    created = scim.ok("POST", "Users", okta_user(), status=201)
    found = scim.ok("GET", "Users", filter='emails[value eq "isaac.brock@acme.com"]')
    assert [item["id"] for item in found["Resources"]] == [created["id"]]
    found = scim.ok("GET", "Users", filter='emails.value eq "isaac.brock@acme.com"')
    assert found["totalResults"] == 1
    for bad in ['nickName eq "x"', "userName eq", 'password eq "x"']:
        response = scim.call("GET", "Users", filter=bad)
        assert response.status_code == 400, bad
        assert response.json()["scimType"] == "invalidFilter"


def test_pagination_with_start_index_and_count(scim: Scim, organization) -> None:
    for number in range(5):
        scim.ok("POST", "Users", okta_user(f"p{number}@acme.com", f"e{number}"), status=201)
    total = Membership.objects.model._base_manager.filter(organization=organization).count()
    page = scim.ok("GET", "Users", startIndex="2", count="2")
    assert page["totalResults"] == total
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 2
    everything = scim.ok("GET", "Users", count="100")
    ids = [item["id"] for item in everything["Resources"]]
    assert [item["id"] for item in page["Resources"]] == ids[1:3]
    assert scim.ok("GET", "Users", count="0")["itemsPerPage"] == 0
    assert scim.call("GET", "Users", count="many").status_code == 400


def test_okta_deactivates_with_patch_and_pending_shares_are_cancelled(
    scim: Scim, organization
) -> None:
    created = scim.ok("POST", "Users", okta_user(), status=201)
    membership = _in(organization, Membership, pk=int(created["id"])).get()
    share = cast(
        Any,
        ShareFactory(
            membership=membership, post__organization=organization, status=ShareStatus.SCHEDULED
        ),
    )
    # Okta: "Update a specific user (PATCH)", deactivation.
    body: dict[str, Any] = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    updated = scim.ok("PATCH", f"Users/{created['id']}", body)
    assert updated["active"] is False
    assert _in(organization, Share, pk=share.pk).get().status == ShareStatus.CANCELLED
    membership.refresh_from_db()
    assert membership.is_active is False
    body["Operations"][0]["value"]["active"] = True
    assert scim.ok("PATCH", f"Users/{created['id']}", body)["active"] is True


def test_entra_patch_quirks(scim: Scim, organization) -> None:
    created = scim.ok("POST", "Users", entra_user(), status=201)
    path = f"Users/{created['id']}"
    # Entra: "Update User [Multi-valued properties]" and "[Single-valued properties]".
    scim.ok(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "updatedEmail@acme.com",
                },
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
                {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Research"},
            ],
        },
    )
    user = scim.ok("GET", path)
    assert user["emails"][0]["value"] == "updatedemail@acme.com"
    assert user["name"]["familyName"] == "updatedFamilyName"
    assert user[ENTERPRISE]["department"] == "Research"
    # Entra: "Disable User", the value a string "False".
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    assert scim.ok("PATCH", path, body)["active"] is False
    # A path-less replace with a value object (Entra "Update User [Single-valued]" variant).
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [
            {"op": "replace", "value": {"active": "True", "displayName": "Ryan Leenay"}}
        ],
    }
    user = scim.ok("PATCH", path, body)
    assert user["active"] is True and user["displayName"] == "Ryan Leenay"
    # Nonsense is a SCIM error, and changes nothing.
    bad = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "explode", "path": "active"}]}
    response = scim.call("PATCH", path, bad)
    assert response.status_code == 400 and response.json()["scimType"]
    assert scim.call("PATCH", path, "not an object").status_code == 400
    response = scim.client.generic(
        "PATCH",
        BASE + path,
        data="{",
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {scim.secret}",
    )
    assert response.status_code == 400 and response.json()["scimType"] == "invalidSyntax"
    assert scim.ok("GET", path)["displayName"] == "Ryan Leenay"


def test_delete_deactivates_and_keeps_the_person(scim: Scim, organization) -> None:
    created = scim.ok("POST", "Users", okta_user(), status=201)
    scim.ok("DELETE", f"Users/{created['id']}", status=204)
    membership = _in(organization, Membership, pk=int(created["id"])).get()
    assert membership.is_active is False
    assert User.objects.filter(email="isaac.brock@acme.com").exists()
    assert scim.ok("GET", f"Users/{created['id']}")["active"] is False


def test_put_replaces_the_user(scim: Scim, organization) -> None:
    created = scim.ok("POST", "Users", okta_user(), status=201)
    body = okta_user()
    body["name"] = {"givenName": "Isaak", "familyName": "Brock"}
    body["displayName"] = "Isaak Brock"
    replaced = scim.ok("PUT", f"Users/{created['id']}", body)
    assert replaced["name"]["givenName"] == "Isaak"
    assert _in(organization, ScimUser, membership_id=int(created["id"])).get().given_name == "Isaak"
    assert User.objects.get(email="isaac.brock@acme.com").name == "Isaak Brock"
    missing = {"schemas": [USER_SCHEMA]}
    response = scim.call("PUT", f"Users/{created['id']}", missing)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"


def test_groups_from_okta_and_entra(scim: Scim, organization, admin_member) -> None:
    ids = [
        scim.ok("POST", "Users", okta_user(f"g{n}@acme.com", f"g{n}"), status=201)["id"]
        for n in range(3)
    ]
    created = scim.ok(
        "POST",
        "Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": [{"value": ids[0]}]},
        status=201,
    )
    group = _in(organization, Group, pk=int(created["id"])).get()
    assert group.kind == GroupKind.PROVISIONED
    path = f"Groups/{created['id']}"
    # Okta: add members.
    scim.ok(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [{"value": ids[1], "display": "x"}, {"value": ids[2]}],
                }
            ],
        },
    )
    assert {m["value"] for m in scim.ok("GET", path)["members"]} == set(ids)
    # Okta: remove with a filter path.
    scim.ok(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "remove", "path": f'members[value eq "{ids[0]}"]'}],
        },
    )
    # Entra: remove members with a value list ("Remove Member from Group").
    scim.ok(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "Remove", "path": "members", "value": [{"value": ids[1]}]}],
        },
    )
    assert [m["value"] for m in scim.ok("GET", path)["members"]] == [ids[2]]
    # Entra: rename with a path-less replace carrying id and displayName.
    scim.ok(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {
                    "op": "Replace",
                    "value": {
                        "id": created["id"],
                        "displayName": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName",
                    },
                }
            ],
        },
    )
    # Okta: replace the members.
    scim.ok(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {
                    "op": "replace",
                    "path": "members",
                    "value": [{"value": ids[0]}, {"value": ids[1]}],
                }
            ],
        },
    )
    group.refresh_from_db()
    assert group.name.endswith("updatedDisplayName")
    assert sorted(group.members.values_list("pk", flat=True)) == sorted(int(i) for i in ids[:2])
    listed = scim.ok(
        "GET", "Groups", filter=f'displayName eq "{group.name}"', excludedAttributes="members"
    )
    assert listed["totalResults"] == 1 and "members" not in listed["Resources"][0]
    # The app's group pages cannot change it.
    with pytest.raises(Exception, match="identity provider"):
        group_services.group_update(group=group, actor=admin_member.user, name="Mine")
    # An unknown member is refused and nothing changes.
    response = scim.call(
        "PATCH",
        path,
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "999999"}]}],
        },
    )
    assert response.status_code == 400
    assert group.members.count() == 2
    # PUT, then DELETE.
    scim.ok(
        "PUT",
        path,
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Renamed",
            "externalId": "okta-1",
            "members": [],
        },
    )
    assert scim.ok("GET", "Groups", filter='externalId eq "okta-1"')["totalResults"] == 1
    scim.ok("DELETE", path, status=204)
    assert not _in(organization, Group, pk=group.pk).exists()
    assert scim.call("GET", path).status_code == 404


def test_pilot_and_other_groups_are_never_exposed(scim: Scim, organization) -> None:
    Group.objects.create(organization=organization, kind=GroupKind.PILOT, name="Pilot")
    pilot = Group.objects.create(organization=organization, kind=GroupKind.CUSTOM, name="Mine")
    assert scim.ok("GET", "Groups")["totalResults"] == 0
    assert scim.call("GET", f"Groups/{pilot.pk}").status_code == 404


def test_another_organizations_token_sees_nothing_of_this_one(scim: Scim, other_scim: Scim) -> None:
    user = scim.ok("POST", "Users", okta_user(), status=201)
    group = scim.ok("POST", "Groups", {"schemas": [GROUP_SCHEMA], "displayName": "G"}, status=201)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        body = {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        }
        assert other_scim.call(method, f"Users/{user['id']}", body).status_code == 404
        assert other_scim.call(method, f"Groups/{group['id']}", body).status_code == 404
    assert (
        other_scim.ok("GET", "Users", filter='userName eq "isaac.brock@acme.com"')["totalResults"]
        == 0
    )
    # A group of the other organization cannot take this one's members.
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Steal", "members": [{"value": user["id"]}]}
    assert other_scim.call("POST", "Groups", body).status_code == 400
    assert scim.ok("GET", f"Users/{user['id']}")["active"] is True


def test_requests_are_logged_for_the_admins(scim: Scim, organization, client, admin_member) -> None:
    scim.ok("GET", "Users", filter='userName eq "x@acme.com"')
    scim.call("GET", "Users/123456789")
    log = list(_in(organization, ScimRequest).order_by("pk").values_list("method", "status"))
    assert log == [("GET", 200), ("GET", 404)]
    client.force_login(admin_member.user)
    page = client.get("/manage/provisioning/")
    assert page.status_code == 200
    assert b"/scim/v2/" in page.content and b"Users/123456789" in page.content


def test_admin_creates_and_revokes_a_token_shown_once(client, admin_member, employee) -> None:
    client.force_login(admin_member.user)
    response = client.post("/manage/provisioning/", {"name": "Okta"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("chorus_scim_")
    assert secret.encode() in response.content
    assert secret.encode() not in client.get("/manage/provisioning/").content
    token = response.context["new_token"]
    assert client.get(BASE + "Users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert client.post("/manage/provisioning/", {"name": "  "}).status_code == 400
    client.post(f"/manage/provisioning/tokens/{token.pk}/revoke/")
    assert client.get(BASE + "Users", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    client.force_login(employee.user)
    assert client.get("/manage/provisioning/").status_code == 403


def test_every_scim_route_needs_the_token_and_is_covered() -> None:
    from chorus.core.tests.test_routes import page_routes

    scim_routes = {
        route
        for route, pattern in page_routes()
        if getattr(pattern.callback, "chorus_access", "") == "scim_token"
    }
    assert scim_routes and all(route.startswith("scim/v2/") for route in scim_routes)


def test_the_request_log_is_pruned_after_its_retention(scim: Scim, organization) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from chorus.identity.scim.models import REQUEST_LOG_DAYS
    from chorus.identity.scim.tasks import scim_requests_prune

    scim.ok("GET", "Users")
    scim.ok("GET", "Groups")
    old = _in(organization, ScimRequest).order_by("pk").first()
    with across_organizations("the test ages one entry"):
        ScimRequest.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=REQUEST_LOG_DAYS, minutes=1)
        )
    scim_requests_prune.call()
    assert list(_in(organization, ScimRequest).values_list("path", flat=True)) == [
        "/scim/v2/Groups"
    ]
