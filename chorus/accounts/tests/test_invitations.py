from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from chorus.accounts.middleware import SESSION_KEY
from chorus.accounts.models import GroupKind, Invitation, Membership, User
from chorus.accounts.services import invitations as services
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, MembershipFactory, OrganizationFactory, UserFactory


def make(factory: Any, **fields: Any) -> Any:
    return factory(**fields)


def link_path(message: Any) -> str:
    """The path of the invitation link in an email."""
    match = re.search(re.escape(settings.SITE_URL) + r"(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def invite(organization: Any, actor: Any, email: str = "newbie@example.test", **extra: Any) -> Any:
    return services.invitation_create(organization=organization, actor=actor, email=email, **extra)


@pytest.fixture
def sent_invitation(admin_member, django_capture_on_commit_callbacks):
    """An invitation created the normal way, with its email sent; returns (invitation, path)."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(admin_member.organization, admin_member.user)
    return invitation, link_path(mail.outbox[-1])


# Inviting --------------------------------------------------------------------------------


def test_admin_invites_one_person_and_the_email_carries_a_working_link(
    admin_client, admin_member, django_capture_on_commit_callbacks
):
    organization = admin_member.organization
    department = make(GroupFactory, organization=organization, kind=GroupKind.DEPARTMENT)
    custom = make(GroupFactory, organization=organization, kind=GroupKind.CUSTOM, name="Stars")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("invitations"),
            {
                "email": "Grace@Example.test",
                "name": "Grace Hopper",
                "roles": ["employee", "curator"],
                "department": department.pk,
                "groups": [custom.pk],
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.email == "grace@example.test"
    assert invitation.roles == ["employee", "curator"]
    assert set(invitation.groups.all()) == {department, custom}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.test"]
    page = admin_client.get(link_path(mail.outbox[0]))
    # The admin is signed in as someone else, but the link itself is recognised.
    assert page.status_code == 403
    assert "grace@example.test" in page.content.decode()
    assert AuditEvent.objects.filter(action="invitation.created").count() == 1


def test_inviting_a_member_is_refused_and_nothing_is_written(admin_client, employee):
    response = admin_client.post(reverse("invitations"), {"email": employee.user.email})
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_address_with_a_pending_invitation_is_refused(admin_client, admin_member):
    invite(admin_member.organization, admin_member.user)
    response = admin_client.post(reverse("invitations"), {"email": "NEWBIE@example.test"})
    assert "already has a pending invitation" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_inviting_a_bad_email_is_refused(admin_client):
    response = admin_client.post(reverse("invitations"), {"email": "not-an-email"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert not Invitation.objects.exists()


def test_list_filters_by_status(admin_client, admin_member):
    organization = admin_member.organization
    invite(organization, admin_member.user, "pending@example.test")
    revoked = invite(organization, admin_member.user, "revoked@example.test")
    services.invitation_revoke(invitation=revoked, actor=admin_member.user)
    expired = invite(organization, admin_member.user, "expired@example.test")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    page = admin_client.get(reverse("invitations"), {"status": "expired"}).content.decode()
    assert "expired@example.test" in page
    assert "pending@example.test" not in page
    assert "revoked@example.test" not in page
    page = admin_client.get(reverse("invitations"), {"status": "pending"}).content.decode()
    assert "pending@example.test" in page
    assert "expired@example.test" not in page


# Resend and revoke -----------------------------------------------------------------------


def test_resend_gives_a_fresh_link_and_kills_the_old_one(
    client, admin_client, sent_invitation, django_capture_on_commit_callbacks
):
    invitation, old_path = sent_invitation
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("invitation_resend", args=[invitation.pk]), headers={"HX-Request": "true"}
            )
        assert response.status_code == 200
        assert f'id="invitation-{invitation.pk}"' in response.content.decode()
        new_path = link_path(mail.outbox[-1])
        assert new_path != old_path
        invitation.refresh_from_db()
        assert invitation.expires_at > timezone.now() + timedelta(days=13)
        client.logout()
        assert client.get(old_path).status_code == 404
        assert client.get(new_path).status_code == 200


def test_revoke_kills_the_link_and_works_without_htmx(client, admin_member, sent_invitation):
    invitation, path = sent_invitation
    client.force_login(admin_member.user)
    response = client.post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("invitations")
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert "ask your admin for a new link" in response.content.decode().lower()
    assert not User.objects.filter(email=invitation.email).exists()


def test_expired_link_is_refused(client, sent_invitation):
    invitation, path = sent_invitation
    later = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS, hours=1)
    with time_machine.travel(later):
        response = client.post(
            path,
            {"name": "Newbie", "password1": "a long secret 931", "password2": "a long secret 931"},
        )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_unknown_link_is_a_friendly_404(client, db):
    response = client.get(reverse("invitation_accept", args=["nonsense"]))
    assert response.status_code == 404
    assert "does not work" in response.content.decode()


# Accepting -------------------------------------------------------------------------------


def test_accepting_creates_the_user_and_the_membership_with_invited_roles_and_groups(
    client, admin_member, django_capture_on_commit_callbacks
):
    organization = admin_member.organization
    region = make(GroupFactory, organization=organization, kind=GroupKind.REGION, name="Europe")
    with django_capture_on_commit_callbacks(execute=True):
        invite(
            organization,
            admin_member.user,
            roles=["employee", "approver"],
            groups=[region],
            title="Engineer",
        )
    path = link_path(mail.outbox[-1])
    page = client.get(path)
    assert page.status_code == 200
    assert organization.name in page.content.decode()
    password = "a long secret 931"
    response = client.post(path, {"name": "New Bie", "password1": password, "password2": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("program")
    user = User.objects.get(email="newbie@example.test")
    assert user.name == "New Bie"
    assert user.check_password(password)
    membership = Membership.objects.get(user=user, organization=organization)
    assert membership.roles == ["employee", "approver"]
    assert membership.title == "Engineer"
    assert list(membership.groups.all()) == [region]
    assert client.session[SESSION_KEY] == organization.pk
    assert client.get(reverse("program")).status_code == 200
    assert AuditEvent.objects.filter(
        action="invitation.accepted", target_id=str(membership.pk), actor=user
    ).exists()


def test_weak_or_mismatched_passwords_create_nothing(client, sent_invitation):
    invitation, path = sent_invitation
    response = client.post(path, {"name": "N", "password1": "123", "password2": "123"})
    assert response.status_code == 200
    response = client.post(path, {"name": "N", "password1": "a long secret 931", "password2": "x"})
    assert "differ" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_existing_user_is_asked_to_sign_in_then_accepts(client, admin_member, sent_invitation):
    invitation, path = sent_invitation
    user = make(UserFactory, email=invitation.email)
    page = client.get(path).content.decode()
    assert reverse("account_login") in page
    assert "next=" in page
    client.force_login(user)
    assert "Accept" in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.filter(user=user, organization=admin_member.organization).exists()
    assert client.session[SESSION_KEY] == admin_member.organization_id
    # Used once: the link is dead now.
    assert client.get(path).status_code == 410


def test_accepting_while_signed_in_as_someone_else_is_refused(employee_client, sent_invitation):
    invitation, path = sent_invitation
    response = employee_client.post(path)
    assert response.status_code == 403
    assert "Sign out" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.filter(email=invitation.email).exists()


# Isolation and roles ---------------------------------------------------------------------


def test_foreign_invitation_is_404(admin_client, db):
    other = make(OrganizationFactory, name="Globex", slug="globex")
    other_admin = make(MembershipFactory, organization=other, is_admin=True)
    invitation = invite(other, other_admin.user)
    for name in ("invitation_resend", "invitation_revoke"):
        assert admin_client.post(reverse(name, args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_employee_cannot_use_the_invitation_pages(employee_client, admin_member):
    invitation = invite(admin_member.organization, admin_member.user)
    assert employee_client.get(reverse("invitations")).status_code == 403
    response = employee_client.post(reverse("invitations"), {"email": "x@example.test"})
    assert response.status_code == 403
    for name in ("invitation_resend", "invitation_revoke"):
        assert employee_client.post(reverse(name, args=[invitation.pk])).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert Invitation.objects.count() == 1
