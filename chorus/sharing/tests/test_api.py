"""The sharing API: my shares, my connections, the admin's network settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from chorus.accounts.services.tokens import api_token_create
from chorus.factories import NetworkConnectionFactory, ShareFactory
from chorus.sharing.models import NetworkConnection, NetworkSettings, Share, ShareStatus
from chorus.sharing.tests.test_publishing import advocate, enable, live_post

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def call(client: Any, member: Any, method: str, path: str, body: Any = None) -> Any:
    _, secret = api_token_create(membership=member, name="test")
    return client.generic(
        method,
        "/api/v1" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


@pytest.fixture
def member(organization: Any) -> Any:
    enable(organization)
    member = advocate(organization)
    NetworkConnectionFactory(membership=member)
    return member


def test_members_schedule_list_and_cancel_their_shares(client: Any, member: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        post = live_post(member.organization, publish_start=NOW - timedelta(days=1))
        when = (NOW + timedelta(hours=3)).isoformat()
        created = call(
            client,
            member,
            "POST",
            "/shares",
            {
                "post_id": post.pk,
                "network": "mastodon",
                "text": "Worth a read",
                "scheduled_for": when,
            },
        )
        assert created.status_code == 201, created.content
        share = created.json()
        assert share["status"] == "scheduled"
        assert share["text"].startswith("Worth a read")
        assert share["link"] in share["text"]
        listed = call(client, member, "GET", "/shares").json()
        assert [item["id"] for item in listed["items"]] == [share["id"]]
        cancelled = call(client, member, "POST", f"/shares/{share['id']}/cancel")
        assert cancelled.json()["status"] == "cancelled"
        again = call(client, member, "POST", f"/shares/{share['id']}/cancel")
        assert again.status_code == 422


def test_refused_shares_are_422_with_the_reason(client: Any, member: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        post = live_post(member.organization, publish_start=NOW - timedelta(days=1))
        response = call(
            client, member, "POST", "/shares", {"post_id": post.pk, "network": "linkedin"}
        )
    assert response.status_code == 422
    assert "does not publish to LinkedIn" in response.json()["detail"]
    assert not Share.objects.exists()


def test_members_delete_only_their_own_scheduled_shares(
    client: Any, member: Any, organization: Any
) -> None:
    mine: Any = ShareFactory(membership=member)
    theirs: Any = ShareFactory(membership=advocate(organization))
    assert call(client, member, "DELETE", f"/shares/{theirs.pk}").status_code == 404
    assert call(client, member, "DELETE", f"/shares/{mine.pk}").status_code == 204
    assert list(Share.objects.values_list("pk", flat=True)) == [theirs.pk]
    shared: Any = ShareFactory(membership=member, status=ShareStatus.SHARED)
    assert call(client, member, "DELETE", f"/shares/{shared.pk}").status_code == 422


def test_members_list_and_disconnect_their_connections(client: Any, member: Any) -> None:
    listed = call(client, member, "GET", "/connections").json()
    assert [item["network"] for item in listed] == ["mastodon"]
    assert "access_token" not in listed[0]
    connection_id = listed[0]["id"]
    assert call(client, member, "DELETE", f"/connections/{connection_id}").status_code == 204
    assert not NetworkConnection.objects.exists()


def test_admins_read_and_change_network_settings_without_seeing_the_secret(
    client: Any, admin_member: Any
) -> None:
    body = {
        "network": "x",
        "sharing_enabled": True,
        "publishing_enabled": True,
        "client_id": "abc",
        "client_secret": "very-secret",
        "daily_cap": 4,
    }
    response = call(client, admin_member, "PUT", "/network-settings", body)
    assert response.status_code == 200
    assert response.json()["has_client_secret"] is True
    assert "very-secret" not in response.content.decode()
    listed = call(client, admin_member, "GET", "/network-settings")
    assert "very-secret" not in listed.content.decode()
    assert {row["network"] for row in listed.json()} >= {"x", "whatsapp", "email"}
    refused = call(
        client, admin_member, "PUT", "/network-settings", {**body, "network": "facebook"}
    )
    assert refused.status_code == 422
    assert not NetworkSettings.objects.filter(network="facebook").exists()
    assert NetworkSettings.objects.get(network="x").client_secret == "very-secret"


def test_employees_cannot_change_network_settings(client: Any, member: Any) -> None:
    response = call(
        client,
        member,
        "PUT",
        "/network-settings",
        {"network": "x", "sharing_enabled": False, "publishing_enabled": False},
    )
    assert response.status_code == 403
