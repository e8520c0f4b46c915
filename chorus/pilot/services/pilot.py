"""Writes of the pilot: start it, invite volunteers, their answers, widen it, end it.

Joining the program stays each member's own consent: accepting an invitation only puts
them in the pilot cohort; joining is still done by them on the program page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Group, GroupKind, Membership, Organization, ProgramStatus, User
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create
from chorus.pilot.models import (
    InvitationStatus,
    Pilot,
    PilotInvitation,
    PilotStatus,
    PilotWave,
    Volunteer,
)
from chorus.pilot.selectors.pilot import graduated_group_ids, in_pilot, pilot_member_ids

MAX_INVITES_AT_ONCE = 50
NOTE_MAX = 2000


def _pilot_for_update(organization: Organization) -> Pilot:
    pilot, _created = Pilot.objects.get_or_create(organization=organization)
    return Pilot.objects.select_for_update().get(pk=pilot.pk)


def _running(organization: Organization) -> Pilot:
    pilot = _pilot_for_update(organization)
    if pilot.status != PilotStatus.RUNNING:
        raise ValidationError(_("The pilot is not running."))
    return pilot


@transaction.atomic
def pilot_start(*, organization: Organization, actor: User) -> Pilot:
    """Start the pilot and make its cohort group, named in the admin's language."""
    pilot = _pilot_for_update(organization)
    if pilot.status == PilotStatus.RUNNING:
        return pilot
    if pilot.status == PilotStatus.GRADUATED:
        raise ValidationError(_("The program is open to everyone already."))
    if pilot.group_id is None:
        with translation.override(actor.language or settings.LANGUAGE_CODE):
            name = _("Pilot")
        group = Group.objects.filter(
            organization=organization, kind=GroupKind.PILOT, name=name
        ).first() or Group.objects.create(
            organization=organization, kind=GroupKind.PILOT, name=name
        )
        pilot.group = group
    pilot.status = PilotStatus.RUNNING
    pilot.started_at = timezone.now()
    pilot.save(update_fields=["status", "started_at", "group"])
    audit_record(organization=organization, actor=actor, action="pilot.started", target=pilot)
    return pilot


@transaction.atomic
def pilot_note_update(*, organization: Organization, actor: User, note: str) -> Pilot:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("Keep the note under %(count)d characters.") % {"count": NOTE_MAX}}
        )
    pilot = _pilot_for_update(organization)
    pilot.note = note
    pilot.save(update_fields=["note"])
    audit_record(organization=organization, actor=actor, action="pilot.note_changed", target=pilot)
    return pilot


@transaction.atomic
def pilot_invite(
    *, organization: Organization, actor: User, memberships: Iterable[Membership]
) -> list[PilotInvitation]:
    """A personal invitation to each member (told by a notification), with the pilot's note.

    Members who are inactive, already in the pilot or already invited are skipped; raises
    ValidationError when the pilot is not running or nobody is left to invite.
    """
    pilot = _running(organization)
    chosen = [m for m in memberships if m.organization_id == organization.pk]
    if len(chosen) > MAX_INVITES_AT_ONCE:
        raise ValidationError(
            _("Invite at most %(count)d members at a time.") % {"count": MAX_INVITES_AT_ONCE}
        )
    members = pilot_member_ids(pilot=pilot)
    pending = set(
        PilotInvitation.objects.filter(
            organization=organization, status=InvitationStatus.PENDING
        ).values_list("membership_id", flat=True)
    )
    created = []
    for membership in chosen:
        if not membership.is_active or membership.pk in members or membership.pk in pending:
            continue
        try:
            with transaction.atomic():
                invitation = PilotInvitation.objects.create(
                    organization=organization,
                    membership=membership,
                    invited_by=actor,
                    note=pilot.note,
                )
        except IntegrityError:
            continue  # invited at the same moment by someone else
        pending.add(membership.pk)
        notification_create(
            membership=membership,
            kind="pilot_invitation",
            message=gettext_lazy(
                "%(name)s invites you to the pilot of the advocacy program. You can say no."
            ),
            params={"name": actor.get_full_name() or actor.email},
            url=reverse("pilot_invitation"),
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="pilot.invited",
            target=membership,
            data={"invitation": invitation.pk},
        )
        created.append(invitation)
    if not created:
        raise ValidationError(
            _("Nobody to invite: they are in the pilot, invited already, or inactive.")
        )
    return created


@transaction.atomic
def invitation_withdraw(*, invitation: PilotInvitation, actor: User) -> PilotInvitation:
    invitation = PilotInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only a pending invitation can be withdrawn."))
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action="pilot.invitation_withdrawn",
        target=invitation.membership,
    )
    return invitation


def _answer(invitation: PilotInvitation, membership: Membership) -> PilotInvitation:
    if invitation.membership_id != membership.pk:
        raise ValidationError(_("This invitation is not yours."))
    locked = PilotInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING:
        raise ValidationError(_("This invitation was answered or withdrawn already."))
    return locked


@transaction.atomic
def invitation_accept(*, invitation: PilotInvitation, membership: Membership) -> PilotInvitation:
    """The member says yes: they join the pilot cohort (not the program: that is theirs)."""
    invitation = _answer(invitation, membership)
    pilot = _running(membership.organization)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    if pilot.group is not None:
        pilot.group.members.add(membership)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="pilot.invitation_accepted",
        target=membership,
    )
    return invitation


@transaction.atomic
def invitation_decline(*, invitation: PilotInvitation, membership: Membership) -> PilotInvitation:
    """The member says no. No reason is asked or stored; they are not suggested again."""
    invitation = _answer(invitation, membership)
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="pilot.invitation_declined",
        target=membership,
    )
    return invitation


@transaction.atomic
def pilot_leave(*, membership: Membership) -> None:
    """The member leaves the pilot cohort, at any time. Their program status is theirs."""
    pilot = Pilot.objects.filter(organization=membership.organization).first()
    if pilot is None or pilot.group is None or not in_pilot(pilot=pilot, membership=membership):
        raise ValidationError(_("You are not in the pilot."))
    pilot.group.members.remove(membership)
    PilotInvitation.objects.filter(
        organization=membership.organization,
        membership=membership,
        status=InvitationStatus.ACCEPTED,
        left_at__isnull=True,
    ).update(left_at=timezone.now())
    # Whoever leaves is not suggested again unless they volunteer anew.
    Volunteer.objects.filter(organization=membership.organization, membership=membership).delete()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="pilot.left",
        target=membership,
    )


@transaction.atomic
def volunteer_offer(*, membership: Membership) -> Volunteer:
    """ "I'd like to be in the pilot": the member becomes a suggested candidate."""
    pilot = _running(membership.organization)
    if in_pilot(pilot=pilot, membership=membership):
        raise ValidationError(_("You are in the pilot already."))
    volunteer, created = Volunteer.objects.get_or_create(
        organization=membership.organization, membership=membership
    )
    if not created:
        # Volunteering again (after declining once) counts from today.
        volunteer.created_at = timezone.now()
        volunteer.save(update_fields=["created_at"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="pilot.volunteered",
        target=membership,
    )
    return volunteer


@transaction.atomic
def pilot_graduate(
    *, organization: Organization, actor: User, groups: Iterable[Group]
) -> PilotWave:
    """Widen the program to these groups: their members may join now, and each active
    member of them who has not joined (and was not told by an earlier wave) gets one
    invitation to join, voluntary and never repeated."""
    _running(organization)
    chosen = [
        group
        for group in groups
        if group.organization_id == organization.pk and group.kind != GroupKind.PILOT
    ]
    if not chosen:
        raise ValidationError(_("Choose at least one group."))
    told_before = set(
        Membership.objects.filter(
            organization=organization, groups__in=graduated_group_ids(organization=organization)
        ).values_list("pk", flat=True)
    )
    wave = PilotWave.objects.create(organization=organization, opened_by=actor)
    wave.groups.set(chosen)
    to_tell = (
        Membership.objects.filter(
            organization=organization, is_active=True, groups__in=[g.pk for g in chosen]
        )
        .exclude(program_status=ProgramStatus.JOINED)
        .exclude(pk__in=told_before)
        .select_related("user", "organization")
        .distinct()
    )
    told = 0
    for membership in to_tell:
        notification_create(
            membership=membership,
            kind="pilot_program_open",
            message=gettext_lazy(
                "The advocacy program is open to you now. Join if you like: it is your choice."
            ),
            url=reverse("program"),
        )
        told += 1
    wave.invited = told
    wave.save(update_fields=["invited"])
    audit_record(
        organization=organization,
        actor=actor,
        action="pilot.graduated",
        target=wave,
        data={"groups": sorted(g.name for g in chosen), "invited": told},
    )
    return wave


@transaction.atomic
def pilot_open_to_everyone(*, organization: Organization, actor: User) -> Pilot:
    """End the pilot: every member may join the program."""
    pilot = _running(organization)
    pilot.status = PilotStatus.GRADUATED
    pilot.graduated_at = timezone.now()
    pilot.save(update_fields=["status", "graduated_at"])
    audit_record(organization=organization, actor=actor, action="pilot.opened", target=pilot)
    return pilot
