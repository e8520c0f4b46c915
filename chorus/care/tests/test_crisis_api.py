# mypy: disable-error-code="attr-defined, misc, arg-type, comparison-overlap"
"""The crisis API: flags (list, create, resolve) and the sharing pause (status, pause, what
is held, resume with ids to cancel); the share API answers 403 with the pause's reason."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chorus.accounts.services.tokens import api_token_create
from chorus.care.models import CrisisFlag
from chorus.core.models import AuditEvent
from chorus.factories import (
    ConversationFactory,
    MembershipFactory,
    NetworkConnectionFactory,
    OrganizationFactory,
    ShareFactory,
)
from chorus.notifications.models import Notification
from chorus.sharing.models import ShareStatus
from chorus.sharing.tests.test_publishing import advocate, enable, live_post

REASON = "A product recall is under way; we speak with one voice."


def bearer(membership: Any) -> dict[str, str]:
    _token, secret = api_token_create(membership=membership, name="test")
    return {"Authorization": f"Bearer {secret}"}


def call(client: Any, method: str, path: str, who: Any, body: Any = None) -> Any:
    return client.generic(
        method,
        "/api/v1" + path,
        data="" if body is None else json.dumps(body),
        content_type="application/json",
        headers=bearer(who),
    )


@pytest.fixture
def member(organization: Any) -> Any:
    return advocate(organization)


@pytest.fixture
def curator(organization: Any) -> Any:
    return MembershipFactory(organization=organization, is_curator=True)


def test_a_member_flags_and_the_team_lists_and_resolves(
    client: Any, organization: Any, member: Any, curator: Any, admin_member: Any
) -> None:
    conversation = ConversationFactory(organization=organization)
    made = call(
        client,
        "POST",
        "/care/crisis/flags",
        member,
        {
            "description": "Outage thread is trending",
            "link": "https://mastodon.example/@a/1",
            "page": "https://evil.example/",
            "conversation_id": conversation.pk,
        },
    )
    assert made.status_code == 201, made.content
    flag = made.json()
    assert flag["page"] == "" and flag["conversation_id"] == conversation.pk
    assert Notification.objects.filter(kind="care_crisis_flagged").count() == 2
    assert call(client, "GET", "/care/crisis/flags", member).status_code == 403
    listed = call(client, "GET", "/care/crisis/flags?status=open", curator).json()
    assert [found["id"] for found in listed] == [flag["id"]]
    resolved = call(
        client,
        "POST",
        f"/care/crisis/flags/{flag['id']}/resolve",
        curator,
        {"resolution": "Answered publicly"},
    )
    assert resolved.status_code == 200 and resolved.json()["resolved"]
    again = call(
        client, "POST", f"/care/crisis/flags/{flag['id']}/resolve", curator, {"resolution": "x"}
    )
    assert again.status_code == 422
    assert call(client, "GET", "/care/crisis/flags?status=open", curator).json() == []


def test_foreign_ids_are_404(
    client: Any, organization: Any, member: Any, admin_member: Any
) -> None:
    other = OrganizationFactory()
    theirs = CrisisFlag.objects.create(organization=other, description="Theirs")
    assert (
        call(
            client,
            "POST",
            f"/care/crisis/flags/{theirs.pk}/resolve",
            admin_member,
            {"resolution": "x"},
        ).status_code
        == 404
    )
    conversation = ConversationFactory(organization=other)
    body = {"description": "Seen", "conversation_id": conversation.pk}
    assert call(client, "POST", "/care/crisis/flags", member, body).status_code == 404
    call(client, "POST", "/care/sharing-pause", admin_member, {"reason": REASON})
    share = ShareFactory(membership=MembershipFactory(organization=other))
    resumed = call(
        client,
        "POST",
        "/care/sharing-pause/resume",
        admin_member,
        {"cancel_share_ids": [share.pk]},
    )
    assert resumed.status_code == 404
    organization.refresh_from_db()
    assert organization.sharing_paused  # nothing changed


def test_members_outside_the_program_cannot_flag(client: Any, employee: Any) -> None:
    made = call(client, "POST", "/care/crisis/flags", employee, {"description": "Seen"})
    assert made.status_code == 403
    assert not CrisisFlag.objects.exists()


def test_admins_pause_and_resume_and_only_admins(
    client: Any, organization: Any, admin_member: Any, curator: Any, member: Any
) -> None:
    enable(organization)
    connection = NetworkConnectionFactory(membership=member, network="mastodon")
    post = live_post(organization)
    later = ShareFactory(
        membership=member,
        post=post,
        connection=connection,
        status=ShareStatus.SCHEDULED,
        scheduled_for=timezone.now() + timedelta(days=1),
        next_attempt_at=timezone.now() + timedelta(days=1),
    )
    for who in (curator, member):
        refused = call(client, "POST", "/care/sharing-pause", who, {"reason": REASON})
        assert refused.status_code == 403
    assert call(client, "GET", "/care/sharing-pause", member).json()["paused"] is False
    paused = call(client, "POST", "/care/sharing-pause", admin_member, {"reason": REASON})
    assert paused.status_code == 200 and paused.json()["reason"] == REASON
    twice = call(client, "POST", "/care/sharing-pause", admin_member, {"reason": REASON})
    assert twice.status_code == 422
    status = call(client, "GET", "/care/sharing-pause", member).json()
    assert status["paused"] is True and status["reason"] == REASON
    # Every share through the API is refused with the reason, without a link to fix it.
    refused = call(client, "POST", "/shares", member, {"post_id": post.pk, "network": "mastodon"})
    assert refused.status_code == 403
    assert refused.json()["gates"] == [
        {"reason": f"Sharing is paused: {REASON}", "fix_url": "", "fix_label": ""}
    ]
    assert call(client, "GET", "/care/sharing-pause/held", curator).status_code == 403
    held = call(client, "GET", "/care/sharing-pause/held", admin_member).json()
    assert [(share["id"], share["came_due"]) for share in held["shares"]] == [(later.pk, False)]
    assert call(client, "POST", "/care/sharing-pause/resume", curator, {}).status_code == 403
    resumed = call(
        client,
        "POST",
        "/care/sharing-pause/resume",
        admin_member,
        {"cancel_share_ids": [later.pk]},
    )
    assert resumed.status_code == 200
    assert resumed.json()["cancelled"] == 1
    later.refresh_from_db()
    assert later.status == ShareStatus.CANCELLED
    assert call(client, "GET", "/care/sharing-pause", member).json()["paused"] is False
    assert call(client, "POST", "/care/sharing-pause/resume", admin_member, {}).status_code == 422
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"sharing.paused", "sharing.resumed"} <= actions
