"""Spaces: who reads them, joining, invitations, removal, sessions linked; pages and 404s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from chorus.community.models import SpaceMember, SpaceRole, SpaceSession
from chorus.community.services import spaces
from chorus.community.services.threads import thread_create
from chorus.core.models import AuditEvent
from chorus.factories import MembershipFactory, OrganizationFactory
from chorus.notifications.models import Notification
from chorus.training.models import SessionSeries, TrainingSession


def test_employees_cannot_create_spaces_but_trainers_can(organization, maya):
    with pytest.raises(PermissionDenied):
        spaces.space_create(membership=maya, name="Mine")
    trainer = MembershipFactory(organization=organization, is_trainer=True)
    space = spaces.space_create(membership=trainer, name="Cohort 1", kind="cohort")
    assert SpaceMember.objects.get(space=space, membership=trainer).role == SpaceRole.MODERATOR
    assert AuditEvent.objects.filter(action="community.space_created").count() == 1


def test_an_open_space_is_read_by_any_member_and_joined(client, space, maya):
    client.force_login(maya.user)
    assert client.get(reverse("community_space", args=[space.pk])).status_code == 200
    response = client.post(
        reverse("community_space_membership", args=[space.pk]), {"action": "join"}
    )
    assert response.status_code == 302
    assert SpaceMember.objects.filter(space=space, membership=maya).exists()
    page = client.get(reverse("community_spaces")).content.decode()
    assert "LinkedIn tips" in page


def test_an_invite_only_space_is_a_404_for_outsiders(client, private_space, maya):
    client.force_login(maya.user)
    assert client.get(reverse("community_space", args=[private_space.pk])).status_code == 404
    assert client.get(reverse("community_thread_new", args=[private_space.pk])).status_code == 404
    assert "Pilot cohort" not in client.get(reverse("community_spaces")).content.decode()
    response = client.get(f"/api/v1/spaces/{private_space.pk}")
    assert response.status_code == 404
    assert "Pilot cohort" not in client.get("/api/v1/spaces").content.decode()


def test_an_invitation_accepted_lets_the_member_in(client, curator, private_space, maya):
    invitation = spaces.space_invite(membership=curator, space=private_space, invitee=maya)
    assert Notification.objects.filter(membership=maya, kind="community_invited").exists()
    client.force_login(maya.user)
    assert "Pilot cohort" in client.get(reverse("community_spaces")).content.decode()
    response = client.post(
        reverse("community_invitation", args=[invitation.pk]), {"answer": "accept"}
    )
    assert response.status_code == 302
    assert client.get(reverse("community_space", args=[private_space.pk])).status_code == 200


def test_a_declined_invitation_leaves_the_space_closed(client, curator, private_space, maya):
    invitation = spaces.space_invite(membership=curator, space=private_space, invitee=maya)
    client.force_login(maya.user)
    client.post(reverse("community_invitation", args=[invitation.pk]), {"answer": "decline"})
    assert client.get(reverse("community_space", args=[private_space.pk])).status_code == 404


def test_only_the_space_moderators_invite(private_space, maya, noah):
    with pytest.raises(PermissionDenied):
        spaces.space_invite(membership=maya, space=private_space, invitee=noah)


def test_a_removed_member_is_told_and_needs_a_new_invitation(curator, private_space, maya):
    invitation = spaces.space_invite(membership=curator, space=private_space, invitee=maya)
    spaces.invitation_answer(membership=maya, invitation=invitation, accept=True)
    spaces.space_member_remove(membership=curator, space=private_space, member=maya)
    assert not SpaceMember.objects.filter(space=private_space, membership=maya).exists()
    assert Notification.objects.filter(membership=maya, kind="community_removed").exists()
    assert AuditEvent.objects.filter(action="community.member_removed").exists()
    with pytest.raises(PermissionDenied):
        spaces.space_join(membership=maya, space=private_space)


def test_a_space_moderator_moderates_their_space_only(client, curator, space, maya):
    spaces.space_join(membership=maya, space=space)
    spaces.space_member_role_set(
        membership=curator, space=space, member=maya, role=SpaceRole.MODERATOR
    )
    other = spaces.space_create(membership=curator, name="Other")
    client.force_login(maya.user)
    assert client.get(reverse("community_space_settings", args=[space.pk])).status_code == 200
    assert client.get(reverse("community_space_settings", args=[other.pk])).status_code == 403
    assert client.get(reverse("community_moderation")).status_code == 200


def test_plain_members_see_no_moderation_queue(client, maya):
    client.force_login(maya.user)
    assert client.get(reverse("community_moderation")).status_code == 403
    assert client.get("/api/v1/moderation/reports").status_code == 403


def test_an_archived_space_is_read_only(curator, space, maya):
    spaces.space_archive(membership=curator, space=space, archived=True)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        thread_create(membership=maya, space=space, title="Hi", body="Hello")


def test_a_linked_session_and_its_series_show_in_the_space(client, curator, space, maya):
    series = SessionSeries.objects.create(
        organization=space.organization, title="Office hours", frequency="weekly"
    )
    start = timezone.now() + timedelta(days=1)
    first, _second = (
        TrainingSession.objects.create(
            organization=space.organization,
            title=f"Office hours {n}",
            starts_at=start + timedelta(days=7 * n),
            series=series,
            uid=f"uid-{n}",
        )
        for n in (1, 2)
    )
    spaces.space_session_link(membership=curator, space=space, session=first)
    assert SpaceSession.objects.get(space=space).series == series
    client.force_login(maya.user)
    page = client.get(reverse("community_space", args=[space.pk])).content.decode()
    assert "Office hours 1" in page and "Office hours 2" in page


def test_the_settings_page_keeps_bad_input_and_answers_400(client, curator, space):
    client.force_login(curator.user)
    response = client.post(
        reverse("community_space_settings", args=[space.pk]),
        {"action": "update", "name": "", "description": "kept text", "kind": "topic"},
    )
    assert response.status_code == 400
    assert "kept text" in response.content.decode()


def test_another_organizations_space_is_a_404(client, space):
    other = MembershipFactory(organization=OrganizationFactory(), is_admin=True)
    client.force_login(other.user)
    for name in ("community_space", "community_space_settings", "community_thread_new"):
        assert client.get(reverse(name, args=[space.pk])).status_code == 404
    assert client.get(f"/api/v1/spaces/{space.pk}/threads").status_code == 404


def test_the_api_creates_spaces_for_curators_only(client, curator, maya):
    client.force_login(maya.user)
    body: dict[str, Any] = {"name": "From the API"}
    assert client.post("/api/v1/spaces", body, content_type="application/json").status_code == 403
    client.force_login(curator.user)
    response = client.post("/api/v1/spaces", body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["can_moderate"] is True


@pytest.mark.parametrize("status", ["joined", "not_joined"])
def test_an_invitation_waits_on_the_members_home(client, curator, private_space, maya, status):
    """Members who have not joined the program are invited to spaces too: they learn from
    colleagues before they decide."""
    maya.program_status = status
    maya.save(update_fields=["program_status"])
    client.force_login(maya.user)
    assert "invited to the space" not in client.get(reverse("home")).content.decode()
    spaces.space_invite(membership=curator, space=private_space, invitee=maya)
    page = client.get(reverse("home")).content.decode()
    assert "You are invited to the space “Pilot cohort”." in page


def test_invitations_through_the_api(client, curator, private_space, maya):
    client.force_login(curator.user)
    response = client.post(
        f"/api/v1/spaces/{private_space.pk}/invitations",
        {"member_id": maya.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    client.force_login(maya.user)
    waiting = client.get("/api/v1/space-invitations").json()
    assert [row["space_name"] for row in waiting] == ["Pilot cohort"]
    answered = client.post(
        f"/api/v1/space-invitations/{waiting[0]['id']}/answer",
        {"accept": True},
        content_type="application/json",
    )
    assert answered.json()["state"] == "accepted"
    muted = client.put(
        f"/api/v1/spaces/{private_space.pk}/mute", {"muted": True}, content_type="application/json"
    )
    assert muted.status_code == 200
    assert SpaceMember.objects.get(space=private_space, membership=maya).muted


def test_nobody_joins_an_archived_space(curator, space, maya):
    from django.core.exceptions import ValidationError

    spaces.space_archive(membership=curator, space=space, archived=True)
    with pytest.raises(ValidationError):
        spaces.space_join(membership=maya, space=space)
