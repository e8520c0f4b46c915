"""Erasing a member: every personal field gone (the whole database searched for the name
and email), the organization's figures kept, tokens revoked at the network, an audit entry
without personal data, the member's own request with its cooling-off, the last admin kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import respx
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.models import Membership
from chorus.accounts.services.invitations import invitation_create
from chorus.care.models import CareReply
from chorus.community.models import Message as SpaceMessage
from chorus.core.models import AuditEvent
from chorus.gamification.models import PointEntry
from chorus.identity.scim.models import ScimUser
from chorus.links.models import Click
from chorus.privacy.models import ErasureRequest, ErasureStatus
from chorus.privacy.tasks import erasures_due
from chorus.privacy.tests.conftest import World
from chorus.sharing.models import MastodonApp, NetworkConnection, Share
from chorus.surveys.models import Answered, AttributedAnswer, TextAnswer

pytestmark = pytest.mark.django_db
INSTANCE = "https://mastodon.example"


def database_text() -> str:
    """Every row of every table, as text (the database dump a regulator would search)."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            parts.extend(" ".join(str(value) for value in row) for row in cursor.fetchall())
    return "\n".join(parts)


@pytest.fixture
def network():
    MastodonApp.objects.create(instance=INSTANCE, client_id="app", client_secret="app-secret")
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{INSTANCE}/oauth/revoke").respond(200, json={})
        yield router


def erase_as_admin(client, world: World, on_commit):
    client.force_login(world.admin.user)
    with on_commit(execute=True):
        return client.post(
            reverse("organization_data_member_erase", args=[world.member.pk]),
            {"email": world.member.user.email},
        )


def test_erasure_leaves_neither_the_name_nor_the_email_anywhere(
    client, world, network, django_capture_on_commit_callbacks
):
    # What the identity provider said about them (SCIM) goes too.
    ScimUser.objects.create(
        organization=world.member.organization,
        membership=world.member,
        user_name="maya.erase@acme.test",
        user_name_key="maya.erase@acme.test",
        display_name="Maya Quillfeather",
    )
    before = database_text()
    assert "maya.erase@acme.test" in before and "Maya Quillfeather" in before
    response = erase_as_admin(client, world, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    after = database_text()
    assert "maya.erase@acme.test" not in after.lower()
    assert "Maya Quillfeather" not in after
    assert "MAYA-MARK" not in after.replace("Published reply MAYA-MARK", "")
    # The colleague and the other organization are untouched.
    assert "colin@acme.test" in after and "Colin Otherperson" in after
    assert "Share text STAN-MARK" in after


def test_what_the_organization_counts_stays_without_a_name(
    client, world, network, django_capture_on_commit_callbacks
):
    erase_as_admin(client, world, django_capture_on_commit_callbacks)
    member = Membership.objects.select_related("user").get(pk=world.member.pk)
    assert str(member) == f"Former member #{member.pk}"
    assert not member.is_active
    assert not member.user.has_usable_password()
    share = Share.objects.get(membership=member)
    assert (share.text, share.status, share.network) == ("", "shared", "mastodon")
    assert Click.objects.filter(link__membership=member).count() == 3
    assert PointEntry.objects.filter(membership=member).count() == 1
    assert not member.api_tokens.exists()
    assert not NetworkConnection.objects.filter(membership=member).exists()
    assert not Answered.objects.filter(membership=member).exists()
    assert not AttributedAnswer.objects.filter(membership=member).exists()
    # Anonymous answers were never anyone's: the counts keep them.
    assert TextAnswer.objects.filter(text__contains="Anonymous words").count() == 2
    message = SpaceMessage.objects.get(body="", author=None)
    assert message.deleted_at is not None
    # A published reply stays as the customer saw it; a draft loses its text.
    texts = sorted(CareReply.objects.filter(membership=member).values_list("text", flat=True))
    assert texts == ["", "Published reply MAYA-MARK"]


def test_connected_accounts_tokens_are_revoked_at_the_network(
    client, world, network, django_capture_on_commit_callbacks
):
    erase_as_admin(client, world, django_capture_on_commit_callbacks)
    revoke = network.routes[0]
    assert revoke.call_count == 1
    assert "token=secret-token-MAYA-MARK" in revoke.calls.last.request.content.decode()


def test_the_audit_entry_names_nobody(client, world, network, django_capture_on_commit_callbacks):
    erase_as_admin(client, world, django_capture_on_commit_callbacks)
    entry = AuditEvent.objects.get(action="member.erased")
    assert entry.target_label == f"member #{world.member.pk}"
    assert entry.actor_label == f"admin #{world.admin.user.pk}"
    assert entry.data == {"by": f"admin #{world.admin.user.pk}"}


def test_the_members_sessions_end(client, world, network, django_capture_on_commit_callbacks):
    client.force_login(world.member.user)
    assert Session.objects.count() == 1
    erase_as_admin(client, world, django_capture_on_commit_callbacks)
    assert Session.objects.count() == 1  # only the admin's
    client.logout()


def test_the_email_can_be_invited_again_as_a_new_person(
    client, world, network, django_capture_on_commit_callbacks
):
    erase_as_admin(client, world, django_capture_on_commit_callbacks)
    invitation = invitation_create(
        organization=world.admin.organization,
        actor=world.admin.user,
        email="maya.erase@acme.test",
        roles=["employee"],
    )
    assert invitation.email == "maya.erase@acme.test"


def test_a_person_in_another_organization_keeps_their_account_there(
    client, world, network, django_capture_on_commit_callbacks
):
    user = world.member.user
    Membership.objects.create(organization=world.stranger.organization, user=user)
    erase_as_admin(client, world, django_capture_on_commit_callbacks)
    user.refresh_from_db()
    assert (user.email, user.name) == ("maya.erase@acme.test", "Maya Quillfeather")
    assert user.has_usable_password()
    member = Membership.objects.select_related("user").get(pk=world.member.pk)
    assert member.user_id != user.pk
    assert str(member) == f"Former member #{member.pk}"


def test_the_last_admin_cannot_be_erased_and_is_told_why(client, world, network):
    client.force_login(world.admin.user)
    page = client.get(reverse("organization_data_member_erase", args=[world.admin.pk]))
    assert "last admin" in page.content.decode()
    client.post(
        reverse("organization_data_member_erase", args=[world.admin.pk]),
        {"email": world.admin.user.email},
    )
    world.admin.refresh_from_db()
    assert world.admin.is_active and world.admin.is_admin
    assert client.post(f"/api/v1/members/{world.admin.pk}/erase").status_code == 422


def test_a_wrong_email_changes_nothing(client, world, network):
    client.force_login(world.admin.user)
    response = client.post(
        reverse("organization_data_member_erase", args=[world.member.pk]), {"email": "nope@x.y"}
    )
    assert response.status_code == 400
    world.member.refresh_from_db()
    assert world.member.is_active


def test_a_members_own_request_waits_seven_days_and_can_be_cancelled(
    client, world, network, django_capture_on_commit_callbacks
):
    client.force_login(world.member.user)
    wrong = client.post(reverse("privacy_erasure_request"), {"email": "someone@else.test"})
    assert "exactly as it is shown" in wrong.content.decode()
    assert not ErasureRequest.objects.exists()
    client.post(reverse("privacy_erasure_request"), {"email": "Maya.Erase@acme.test"})
    erasure = ErasureRequest.objects.get(membership=world.member)
    assert erasure.due_at - erasure.requested_at == timedelta(days=7)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        erasures_due.call()
    world.member.refresh_from_db()
    assert world.member.is_active
    client.post(reverse("privacy_erasure_cancel"))
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.CANCELLED
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        erasures_due.call()
    world.member.refresh_from_db()
    assert world.member.is_active


def test_a_request_is_carried_out_when_due_or_at_once_by_an_admin(
    client, world, network, django_capture_on_commit_callbacks
):
    client.force_login(world.member.user)
    client.post(reverse("privacy_erasure_request"), {"email": "maya.erase@acme.test"})
    client.force_login(world.admin.user)
    listed = client.get(reverse("organization_data")).content.decode()
    assert "Maya Quillfeather" in listed
    erasure = ErasureRequest.objects.get(membership=world.member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organization_data_erasure_carry_out", args=[erasure.pk]))
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.DONE
    assert str(Membership.objects.get(pk=world.member.pk)) == f"Former member #{world.member.pk}"


def test_a_due_request_is_carried_out_by_the_periodic_task(client, world, network):
    client.force_login(world.member.user)
    client.post(reverse("privacy_erasure_request"), {"email": "maya.erase@acme.test"})
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert erasures_due.call() == 1
    assert not Membership.objects.get(pk=world.member.pk).is_active


def test_another_organizations_member_is_not_found(client, world, network):
    client.force_login(world.admin.user)
    url = reverse("organization_data_member_erase", args=[world.stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(f"/api/v1/members/{world.stranger.pk}/erase").status_code == 404


def test_a_member_cannot_erase_anyone(client, world, network):
    client.force_login(world.colleague.user)
    url = reverse("organization_data_member_erase", args=[world.member.pk])
    assert client.post(url, {"email": world.member.user.email}).status_code == 403
    world.member.refresh_from_db()
    assert world.member.is_active
