"""SCIM calls take the short way through the middleware and find their token without a
query on every call; what matters for security still runs on that way."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from chorus.accounts.models import Membership, User
from chorus.core.tenancy import across_organizations
from chorus.identity.scim.models import ScimToken
from chorus.identity.scim.services import tokens
from chorus.identity.scim.services.tokens import scim_token_create

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def secret(admin_member: Membership) -> str:
    _, secret = scim_token_create(
        organization=admin_member.organization, actor=admin_member.user, name="Okta"
    )
    return secret


def create(client: Client, secret: str, number: int, **extra: Any) -> Any:
    email = f"person{number}@acme.example"
    body = {"schemas": [USER_SCHEMA], "userName": email, "emails": [{"value": email}]}
    return client.post(
        "/scim/v2/Users",
        json.dumps(body),
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        **extra,
    )


def test_a_scim_call_sets_no_cookie_and_keeps_the_security_headers(
    client: Client, secret: str
) -> None:
    client.cookies["sessionid"] = "whatever"
    response = create(client, secret, 1, HTTP_X_REQUEST_ID="idp-request-00000001")
    assert response.status_code == 201
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"] == "idp-request-00000001"


def test_a_host_not_allowed_is_refused_and_nothing_is_created(client: Client, secret: str) -> None:
    response = create(client, secret, 2, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not User.objects.filter(email="person2@acme.example").exists()


def test_an_unknown_scim_path_is_still_a_404(client: Client, secret: str) -> None:
    response = client.get("/scim/v2/Nothing", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 404


def test_creating_a_user_takes_no_token_query_once_the_token_is_known(
    client: Client, secret: str, django_assert_num_queries: Any
) -> None:
    assert create(client, secret, 3).status_code == 201
    # The person found by email, then created; the membership, what the IdP said, the
    # audit line, in one transaction (its two statements); the request log.
    with django_assert_num_queries(8):
        assert create(client, secret, 4).status_code == 201


def test_a_token_revoked_by_another_process_stops_working_within_the_cache_time(
    client: Client, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "TOKEN_CACHE_SECONDS", 0.2)
    assert create(client, secret, 5).status_code == 201
    # Another web process revokes it: this one has not been told.
    with across_organizations("the test revokes as another process would"):
        ScimToken.objects.update(revoked_at=timezone.now())
    time.sleep(0.25)
    assert create(client, secret, 6).status_code == 401


def test_a_token_whose_admin_left_stops_working_within_the_cache_time(
    client: Client, secret: str, admin_member: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "TOKEN_CACHE_SECONDS", 0.2)
    assert create(client, secret, 7).status_code == 201
    User.objects.filter(pk=admin_member.user_id).update(is_active=False)
    time.sleep(0.25)
    assert create(client, secret, 8).status_code == 401


def test_user_name_finds_the_provisioned_and_the_never_provisioned_by_index(
    client: Client, secret: str, admin_member: Membership
) -> None:
    assert create(client, secret, 9).status_code == 201

    def found(user_name: str) -> list[str]:
        response = client.get(
            "/scim/v2/Users",
            {"filter": f'userName eq "{user_name}"'},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        return [resource["userName"] for resource in response.json().get("Resources", [])]

    assert found("PERSON9@acme.example") == ["person9@acme.example"]
    # The admin was never provisioned: their email is their userName.
    assert found(admin_member.user.email.upper()) == [admin_member.user.email]
    assert found("nobody@acme.example") == []
