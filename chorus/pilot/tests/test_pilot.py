"""The pilot flow: start, invite, accept or decline (no reason), leave, volunteer, join only
while in the pilot or a widened group, widen by groups (one invitation each), open to all."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chorus.accounts.models import Group, GroupKind, Membership, Organization, ProgramStatus
from chorus.actions.members import member_join_program
from chorus.core.models import AuditEvent
from chorus.factories import GroupFactory, OrganizationFactory
from chorus.notifications.models import Notification
from chorus.pilot.models import InvitationStatus, Pilot, PilotInvitation, PilotStatus, Volunteer
from chorus.pilot.selectors.pilot import may_join_program, size_note
from chorus.pilot.services import pilot as services
from chorus.pilot.tests.conftest import member

pytestmark = pytest.mark.django_db


def _invite(pilot: Pilot, admin: Membership, *people: Membership) -> list[PilotInvitation]:
    return services.pilot_invite(
        organization=pilot.organization, actor=admin.user, memberships=list(people)
    )


def test_starting_the_pilot_makes_its_cohort_group_once(
    organization: Organization, admin_member: Membership
) -> None:
    pilot = services.pilot_start(organization=organization, actor=admin_member.user)
    again = services.pilot_start(organization=organization, actor=admin_member.user)
    assert pilot.status == PilotStatus.RUNNING and again.pk == pilot.pk
    assert pilot.group is not None and pilot.group.kind == GroupKind.PILOT
    assert pilot.group.name == "Pilot"
    assert Group.objects.filter(organization=organization, kind=GroupKind.PILOT).count() == 1
    assert AuditEvent.objects.filter(action="pilot.started").count() == 1


def test_the_cohort_is_named_in_the_admins_language(
    organization: Organization, admin_member: Membership
) -> None:
    admin_member.user.language = "de"
    admin_member.user.save(update_fields=["language"])
    pilot = services.pilot_start(organization=organization, actor=admin_member.user)
    assert pilot.group is not None
    # German keeps the word; the point is that it was made under the admin's language.
    assert pilot.group.name in ("Pilot", "Pilotgruppe")


def test_an_invitation_tells_the_member_and_waits_on_their_home(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    services.pilot_note_update(
        organization=pilot.organization, actor=admin_member.user, note="We'd love your view."
    )
    [invitation] = _invite(pilot, admin_member, maya)
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.note == "We'd love your view."
    notification = Notification.objects.get(membership=maya)
    assert notification.kind == "pilot_invitation"
    assert notification.url == reverse("pilot_invitation")
    client.force_login(maya.user)
    home = client.get(reverse("home")).content.decode()
    assert "You are invited to the pilot" in home
    page = client.get(reverse("pilot_invitation")).content.decode()
    assert "d love your view." in page
    assert "You can leave the pilot at any time" in page
    assert "Not this time" in page and "m in<" in page


def test_inactive_members_members_in_the_pilot_and_those_invited_are_skipped(
    pilot: Pilot, admin_member: Membership
) -> None:
    gone = member(pilot.organization, is_active=False)
    maya = member(pilot.organization)
    _invite(pilot, admin_member, maya)
    with pytest.raises(ValidationError):
        _invite(pilot, admin_member, gone, maya)
    assert PilotInvitation.objects.count() == 1


def test_nobody_is_invited_before_the_pilot_starts(
    organization: Organization, admin_member: Membership
) -> None:
    with pytest.raises(ValidationError):
        services.pilot_invite(
            organization=organization, actor=admin_member.user, memberships=[member(organization)]
        )


def test_accepting_puts_them_in_the_cohort_and_leads_to_the_program_page(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    _invite(pilot, admin_member, maya)
    client.force_login(maya.user)
    response = client.post(reverse("pilot_page"), {"action": "accept"})
    assert response.status_code == 302 and response.url == reverse("program")
    assert pilot.group is not None and pilot.group.members.filter(pk=maya.pk).exists()
    maya.refresh_from_db()
    # Joining stays their own step.
    assert maya.program_status == ProgramStatus.NOT_JOINED
    assert may_join_program(organization=pilot.organization, membership=maya)
    version = pilot.organization.program_terms_version
    client.post(reverse("program"), {"terms_version": version, "agree": "on"})
    maya.refresh_from_db()
    assert maya.program_status == ProgramStatus.JOINED


def test_declining_keeps_no_reason_and_the_admin_sees_not_this_time(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    sam = member(pilot.organization)
    [invitation] = _invite(pilot, admin_member, sam)
    client.force_login(sam.user)
    response = client.post(reverse("pilot_page"), {"action": "decline"}, follow=True)
    assert "No problem — nobody will be told why." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert "reason" not in {field.name for field in PilotInvitation._meta.get_fields()}
    assert pilot.group is not None and not pilot.group.members.filter(pk=sam.pk).exists()
    client.force_login(admin_member.user)
    page = client.get(reverse("pilot_manage")).content.decode()
    assert "Not this time" in page


def test_an_invitation_is_answered_once_and_only_by_its_member(
    pilot: Pilot, admin_member: Membership
) -> None:
    maya, sam = member(pilot.organization), member(pilot.organization)
    [invitation] = _invite(pilot, admin_member, maya)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, membership=sam)
    services.invitation_decline(invitation=invitation, membership=maya)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, membership=maya)


def test_a_member_leaves_the_pilot_from_its_page(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    [invitation] = _invite(pilot, admin_member, maya)
    services.invitation_accept(invitation=invitation, membership=maya)
    client.force_login(maya.user)
    assert "Leave the pilot" in client.get(reverse("pilot_page")).content.decode()
    client.post(reverse("pilot_page"), {"action": "leave"})
    assert pilot.group is not None and not pilot.group.members.filter(pk=maya.pk).exists()
    invitation.refresh_from_db()
    assert invitation.left_at is not None
    assert AuditEvent.objects.filter(action="pilot.left").exists()


def test_the_admin_withdraws_a_pending_invitation(
    admin_client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    [invitation] = _invite(pilot, admin_member, maya)
    admin_client.post(reverse("pilot_invitation_withdraw", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    other = OrganizationFactory.create()
    stranger = member(other)
    foreign = PilotInvitation.objects.create(organization=other, membership=stranger)
    response = admin_client.post(reverse("pilot_invitation_withdraw", args=[foreign.pk]))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == InvitationStatus.PENDING


def test_while_the_pilot_runs_only_its_volunteers_may_join(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    outsider = member(pilot.organization)
    with pytest.raises(ValidationError, match="starts small"):
        member_join_program(
            membership=outsider,
            actor=outsider.user,
            terms_version=pilot.organization.program_terms_version,
        )
    client.force_login(outsider.user)
    page = client.get(reverse("program")).content.decode()
    assert "The program starts small." in page
    assert "d like to be in the pilot" in page
    version = pilot.organization.program_terms_version
    response = client.post(reverse("program"), {"terms_version": version, "agree": "on"})
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.program_status == ProgramStatus.NOT_JOINED


def test_volunteering_records_it_once_and_makes_a_candidate(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    outsider = member(pilot.organization)
    client.force_login(outsider.user)
    client.post(reverse("pilot_page"), {"action": "volunteer"})
    client.post(reverse("pilot_page"), {"action": "volunteer"})
    assert Volunteer.objects.filter(membership=outsider).count() == 1
    page = client.get(reverse("program")).content.decode()
    assert "You offered to take part" in page
    client.force_login(admin_member.user)
    manage = client.get(reverse("pilot_manage")).content.decode()
    assert outsider.user.email in manage
    assert "Said they would like to take part" in manage


def test_widening_by_groups_lets_them_join_and_tells_each_once(
    pilot: Pilot, admin_member: Membership
) -> None:
    organization = pilot.organization
    sales = GroupFactory.create(organization=organization, name="Sales")
    france = GroupFactory.create(organization=organization, kind=GroupKind.REGION, name="France")
    ana, ben = member(organization), member(organization)
    already = member(organization, program_status=ProgramStatus.JOINED)
    sales.members.add(ana, ben, already)
    france.members.add(ana)
    wave = services.pilot_graduate(
        organization=organization, actor=admin_member.user, groups=[sales]
    )
    assert wave.invited == 2
    assert may_join_program(organization=organization, membership=ana)
    services.pilot_graduate(organization=organization, actor=admin_member.user, groups=[france])
    told = Notification.objects.filter(kind="pilot_program_open")
    assert sorted(told.values_list("membership_id", flat=True)) == sorted([ana.pk, ben.pk])
    member_join_program(
        membership=ben, actor=ben.user, terms_version=organization.program_terms_version
    )
    assert AuditEvent.objects.filter(action="pilot.graduated").count() == 2


def test_open_to_everyone_ends_the_pilot(pilot: Pilot, admin_member: Membership) -> None:
    outsider = member(pilot.organization)
    services.pilot_open_to_everyone(organization=pilot.organization, actor=admin_member.user)
    pilot.refresh_from_db()
    assert pilot.status == PilotStatus.GRADUATED
    member_join_program(
        membership=outsider,
        actor=outsider.user,
        terms_version=pilot.organization.program_terms_version,
    )
    outsider.refresh_from_db()
    assert outsider.program_status == ProgramStatus.JOINED


def test_without_a_pilot_joining_is_open(organization: Organization) -> None:
    someone = member(organization)
    assert may_join_program(organization=organization, membership=someone)


def test_size_guidance_warns_above_ten_and_never_blocks_a_small_start() -> None:
    assert size_note(7) is None
    small = size_note(3)
    assert small is not None and small.level == "note"
    big = size_note(11)
    assert big is not None and big.level == "warning"


def test_a_pilot_of_three_is_allowed_with_a_gentle_note(
    admin_client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    people = [member(pilot.organization) for _ in range(3)]
    for invitation in _invite(pilot, admin_member, *people):
        services.invitation_accept(invitation=invitation, membership=invitation.membership)
    page = admin_client.get(reverse("pilot_manage")).content.decode()
    assert "3 people in the pilot. That is fine" in page


def test_the_pilot_group_cannot_be_changed_on_the_groups_page_or_api(
    admin_client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    group = pilot.group
    assert group is not None
    maya = member(pilot.organization)
    page = admin_client.get(reverse("group_detail", args=[group.pk])).content.decode()
    assert "pilot page" in page and "Delete group" not in page
    admin_client.post(reverse("group_add_members", args=[group.pk]), {"members": [maya.pk]})
    assert not group.members.filter(pk=maya.pk).exists()
    admin_client.post(reverse("group_delete", args=[group.pk]))
    assert Group.objects.filter(pk=group.pk).exists()
    response = admin_client.post(
        f"/api/v1/groups/{group.pk}/members",
        {"member_ids": [maya.pk]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert admin_client.delete(f"/api/v1/groups/{group.pk}").status_code == 422
    response = admin_client.patch(
        f"/api/v1/groups/{group.pk}", {"name": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_the_manage_page_invites_from_the_suggestions_and_refuses_an_empty_choice(
    admin_client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    Volunteer.objects.create(organization=pilot.organization, membership=maya)
    response = admin_client.post(reverse("pilot_manage"), {"action": "invite"})
    assert response.status_code == 400
    assert "Choose at least one person to invite." in response.content.decode()
    admin_client.post(reverse("pilot_manage"), {"action": "invite", "members": [maya.pk]})
    assert PilotInvitation.objects.filter(membership=maya, status="pending").exists()


def test_a_note_too_long_is_refused_and_kept_in_the_form(admin_client: Any, pilot: Pilot) -> None:
    response = admin_client.post(reverse("pilot_manage"), {"action": "note", "note": "x" * 2100})
    assert response.status_code == 400
    assert "x" * 2100 in response.content.decode()
    pilot.refresh_from_db()
    assert pilot.note == ""


def test_employees_cannot_open_the_admin_page(employee_client: Any) -> None:
    assert employee_client.get(reverse("pilot_manage")).status_code == 403


def test_the_program_page_points_pilot_members_to_their_pilot_page(
    client: Any, pilot: Pilot, admin_member: Membership
) -> None:
    maya = member(pilot.organization)
    [invitation] = _invite(pilot, admin_member, maya)
    services.invitation_accept(invitation=invitation, membership=maya)
    client.force_login(maya.user)
    page = client.get(reverse("program")).content.decode()
    assert "You are in the pilot" in page and reverse("pilot_page") in page
