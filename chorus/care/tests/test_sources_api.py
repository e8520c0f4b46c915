"""The sources API: sources CRUD with write-only credentials (admins), the inbound
webhook's address and secret, manual entry (care staff) and send to care (members in the
program)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from chorus.accounts.services.tokens import api_token_create
from chorus.care.models import CareSource, Conversation, Origin
from chorus.factories import CareSourceFactory, CareTagFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def call(client: Any, membership: Any, method: str, path: str, body: Any = None) -> Any:
    _, secret = api_token_create(membership=membership, name="test")
    return client.generic(
        method,
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_admins_manage_sources_and_never_read_credentials_back(client, admin_member):
    organization = admin_member.organization
    tag = CareTagFactory(organization=organization)
    created = call(
        client,
        admin_member,
        "POST",
        "/care/sources",
        {
            "kind": "bluesky_search",
            "name": "Brand search",
            "handle": "acme.com",
            "query": "#acme",
            "secret": "abcd-efgh-ijkl-mnop",
            "default_tag_ids": [tag.pk],
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert "secret" not in body and body["has_secret"] is True
    assert body["instance"] == "https://bsky.social"
    assert body["default_tag_ids"] == [tag.pk]
    source_id = body["id"]

    changed = call(
        client,
        admin_member,
        "PUT",
        f"/care/sources/{source_id}",
        {"kind": "bluesky_search", "name": "Renamed", "handle": "acme.com", "query": "#acme"},
    )
    assert changed.status_code == 200
    source = CareSource.objects.get(pk=source_id)
    assert (source.name, source.secret) == ("Renamed", "abcd-efgh-ijkl-mnop")
    listed = call(client, admin_member, "GET", "/care/sources").json()
    assert [row["name"] for row in listed] == ["Renamed"]
    assert "abcd" not in json.dumps(listed)
    assert call(client, admin_member, "DELETE", f"/care/sources/{source_id}").status_code == 204


def test_a_private_server_is_refused_with_a_reason(client, admin_member):
    response = call(
        client,
        admin_member,
        "POST",
        "/care/sources",
        {"kind": "mastodon_mentions", "name": "M", "instance": "192.168.1.5", "secret": "t"},
    )
    assert response.status_code == 422
    assert "IP address" in response.json()["detail"]


def test_foreign_sources_and_tags_are_404(client, admin_member):
    foreign = CareSourceFactory(organization=MembershipFactory().organization)
    foreign_tag = CareTagFactory(organization=foreign.organization)
    assert call(client, admin_member, "GET", f"/care/sources/{foreign.pk}").status_code == 404
    response = call(
        client,
        admin_member,
        "POST",
        "/care/conversations",
        {"customer_handle": "dora", "text": "Help", "tag_ids": [foreign_tag.pk]},
    )
    assert response.status_code == 404


def test_the_inbound_secret_comes_once_with_the_address(client, admin_member, employee):
    created = call(client, admin_member, "POST", "/care/inbound/secret")
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    state = call(client, admin_member, "GET", "/care/inbound").json()
    assert state["enabled"] is True
    assert state["url"] == created.json()["url"]
    assert "secret" not in state
    assert call(client, employee, "GET", "/care/inbound").status_code == 403


def test_care_staff_type_a_conversation_in_and_employees_cannot(client, organization, employee):
    approver = MembershipFactory(organization=organization, is_approver=True)
    response = call(
        client,
        approver,
        "POST",
        "/care/conversations",
        {
            "network": "web",
            "customer_handle": "dora@example.com",
            "text": "Charged twice",
            "url": "https://example.com/forum/42",
            "priority": "urgent",
        },
    )
    assert response.status_code == 201
    conversation = Conversation.objects.get(pk=response.json()["id"])
    assert (conversation.origin, conversation.priority) == (Origin.MANUAL, "urgent")
    twice = call(
        client,
        approver,
        "POST",
        "/care/conversations",
        {"customer_handle": "dora", "text": "again", "url": "https://example.com/forum/42"},
    )
    assert twice.status_code == 422
    refused = call(
        client, employee, "POST", "/care/conversations", {"customer_handle": "d", "text": "t"}
    )
    assert refused.status_code == 403


def test_send_to_care_by_link_or_typed(client, organization, employee):
    advocate = MembershipFactory(organization=organization, program_status="joined")
    with respx.mock(assert_all_called=False) as network:
        network.get("https://bsky.app").respond(404)
        unreadable = call(
            client, advocate, "POST", "/care/send", {"url": "https://example.com/forum/7"}
        )
    assert unreadable.status_code == 422
    assert "text" in unreadable.json()["detail"]

    typed = {
        "url": "https://example.com/forum/7",
        "text": "Your shop lost my order",
        "author_handle": "dora",
        "note": "Seen on a forum",
    }
    first = call(client, advocate, "POST", "/care/send", typed)
    second = call(client, advocate, "POST", "/care/send", typed)
    assert first.status_code == 201 and first.json()["joined"] is False
    assert second.status_code == 200 and second.json()["joined"] is True
    assert first.json()["conversation_id"] == second.json()["conversation_id"]
    assert call(client, employee, "POST", "/care/send", typed).status_code == 403
