"""The pilot API. Admins: the pilot's state, start it, the invitations' note, candidates,
invite, withdraw, widen by groups, open to everyone. Members: their invitation (accept or
decline, no reason asked), volunteer, leave the pilot."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Group, GroupKind, Membership, Organization
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.pilot.models import Pilot, PilotInvitation, PilotStatus, PilotWave
from chorus.pilot.selectors import pilot as selectors
from chorus.pilot.selectors.candidates import pilot_candidates
from chorus.pilot.services import pilot as services

router = Router(tags=["pilot"])


class PilotMemberOut(Schema):
    id: int = Field(description="The membership's id")
    name: str
    joined_program: bool


class PilotInvitationOut(Schema):
    id: int
    member_id: int
    name: str
    status: str = Field(description="pending, accepted, declined (no reason exists) or withdrawn")
    created_at: datetime
    responded_at: datetime | None


class PilotOut(Schema):
    status: str = Field(description="not_started, running or graduated (open to everyone)")
    started_at: datetime | None
    graduated_at: datetime | None
    group_id: int | None = Field(description="The pilot cohort's group")
    note: str
    members: list[PilotMemberOut]
    size_note: str = Field(description="Guidance on the cohort's size (5 to 10), or empty")
    invitations: list[PilotInvitationOut]


class PilotNoteIn(Input):
    note: str = Field(max_length=2000)


class PilotCandidateOut(Schema):
    member_id: int
    name: str
    email: str
    reasons: list[str]
    volunteered_on: date | None


class PilotInviteIn(Input):
    member_ids: list[Id] = Field(max_length=50)


class PilotWaveIn(Input):
    group_ids: list[Id] = Field(max_length=200)


class PilotWaveOut(Schema):
    id: int
    group_ids: list[int]
    opened_at: datetime
    invited: int = Field(description="Members told they may join now")


class MyPilotOut(Schema):
    running: bool
    in_pilot: bool
    volunteered: bool
    invitation: PilotInvitationOut | None


def _invitation_out(invitation: PilotInvitation) -> PilotInvitationOut:
    return PilotInvitationOut(
        id=invitation.pk,
        member_id=invitation.membership_id,
        name=invitation.membership.user.get_full_name(),
        status=invitation.status,
        created_at=invitation.created_at,
        responded_at=invitation.responded_at,
    )


def _pilot_out(organization: Organization) -> PilotOut:
    pilot = selectors.pilot_of(organization=organization) or Pilot(organization=organization)
    members = list(selectors.pilot_members(pilot=pilot))
    note = selectors.size_note(len(members))
    return PilotOut(
        status=pilot.status,
        started_at=pilot.started_at,
        graduated_at=pilot.graduated_at,
        group_id=pilot.group_id,
        note=pilot.note,
        members=[
            PilotMemberOut(
                id=member.pk,
                name=member.user.get_full_name(),
                joined_program=member.program_status == "joined",
            )
            for member in members
        ],
        size_note=note.text if note else "",
        invitations=[
            _invitation_out(invitation)
            for invitation in selectors.invitations(organization=organization)
        ],
    )


@router.get("/pilot", response={200: PilotOut}, summary="The pilot")
@api_roles("admin")
def pilot_get(request: HttpRequest) -> PilotOut:
    return _pilot_out(calling_member(request).organization)


@router.post(
    "/pilot/start",
    response={200: PilotOut, 422: Error},
    summary="Start the pilot",
    description="Makes the pilot cohort's group. Audited.",
)
@api_roles("admin")
def pilot_start(request: HttpRequest) -> PilotOut:
    caller = calling_member(request)
    services.pilot_start(organization=caller.organization, actor=caller.user)
    return _pilot_out(caller.organization)


@router.put(
    "/pilot/note",
    response={200: PilotOut, 422: Error},
    summary="The personal note of the invitations",
)
@api_roles("admin")
def pilot_note_put(request: HttpRequest, body: PilotNoteIn) -> PilotOut:
    caller = calling_member(request)
    services.pilot_note_update(organization=caller.organization, actor=caller.user, note=body.note)
    return _pilot_out(caller.organization)


@router.get(
    "/pilot/candidates",
    response={200: list[PilotCandidateOut]},
    summary="Suggested volunteers, best first, with their reasons",
)
@api_roles("admin")
def pilot_candidate_list(request: HttpRequest) -> list[PilotCandidateOut]:
    organization = calling_member(request).organization
    return [
        PilotCandidateOut(
            member_id=entry.membership.pk,
            name=entry.membership.user.get_full_name(),
            email=entry.membership.user.email,
            reasons=entry.reasons,
            volunteered_on=entry.volunteered_on,
        )
        for entry in pilot_candidates(organization=organization)
    ]


@router.post(
    "/pilot/invitations",
    response={201: list[PilotInvitationOut], 404: Error, 422: Error},
    summary="Invite members to the pilot",
    description="A personal invitation each (a notification); skips members in the pilot or "
    "invited already. Another organization's member is a 404.",
)
@api_roles("admin")
def pilot_invite(request: HttpRequest, body: PilotInviteIn) -> Status[list[PilotInvitationOut]]:
    caller = calling_member(request)
    ids = set(body.member_ids)
    members = list(
        Membership.objects.filter(organization=caller.organization, pk__in=ids).select_related(
            "user"
        )
    )
    if len(members) != len(ids):
        raise Http404(_("Unknown member."))
    sent = services.pilot_invite(
        organization=caller.organization, actor=caller.user, memberships=members
    )
    for invitation in sent:
        invitation.membership = next(m for m in members if m.pk == invitation.membership_id)
    return Status(201, [_invitation_out(invitation) for invitation in sent])


@router.post(
    "/pilot/invitations/{pilot_invitation_id}/withdraw",
    response={200: PilotInvitationOut, 404: Error, 422: Error},
    summary="Withdraw a pending invitation",
)
@api_roles("admin")
def pilot_invitation_withdraw(
    request: HttpRequest, pilot_invitation_id: PathId
) -> PilotInvitationOut:
    caller = calling_member(request)
    invitation = selectors.invitation_of(
        organization=caller.organization, invitation_id=pilot_invitation_id
    )
    if invitation is None:
        raise Http404(_("Unknown invitation."))
    withdrawn = services.invitation_withdraw(invitation=invitation, actor=caller.user)
    withdrawn.membership = invitation.membership
    return _invitation_out(withdrawn)


def _wave_out(wave: PilotWave) -> PilotWaveOut:
    return PilotWaveOut(
        id=wave.pk,
        group_ids=sorted(group.pk for group in wave.groups.all()),
        opened_at=wave.opened_at,
        invited=wave.invited,
    )


@router.post(
    "/pilot/waves",
    response={201: PilotWaveOut, 404: Error, 422: Error},
    summary="Open the program to groups",
    description="Their members may join; each who has not joined gets one invitation to. Audited.",
)
@api_roles("admin")
def pilot_wave_create(request: HttpRequest, body: PilotWaveIn) -> Status[PilotWaveOut]:
    caller = calling_member(request)
    ids = set(body.group_ids)
    groups = list(
        Group.objects.filter(organization=caller.organization, pk__in=ids).exclude(
            kind=GroupKind.PILOT
        )
    )
    if len(groups) != len(ids):
        raise Http404(_("Unknown group."))
    wave = services.pilot_graduate(
        organization=caller.organization, actor=caller.user, groups=groups
    )
    return Status(201, _wave_out(wave))


@router.get("/pilot/waves", response={200: list[PilotWaveOut]}, summary="Groups opened so far")
@api_roles("admin")
def pilot_wave_list(request: HttpRequest) -> list[PilotWaveOut]:
    return [
        _wave_out(wave)
        for wave in selectors.waves(organization=calling_member(request).organization)
    ]


@router.post(
    "/pilot/open",
    response={200: PilotOut, 422: Error},
    summary="Open the program to everyone",
    description="Ends the pilot. Audited.",
)
@api_roles("admin")
def pilot_open(request: HttpRequest) -> PilotOut:
    caller = calling_member(request)
    services.pilot_open_to_everyone(organization=caller.organization, actor=caller.user)
    return _pilot_out(caller.organization)


# The member's side ------------------------------------------------------------------------


def _mine(membership: Membership) -> MyPilotOut:
    pilot = selectors.pilot_of(organization=membership.organization)
    invitation = selectors.pending_invitation(membership=membership)
    if invitation is not None:
        invitation.membership = membership
    return MyPilotOut(
        running=pilot is not None and pilot.status == PilotStatus.RUNNING,
        in_pilot=selectors.in_pilot(pilot=pilot, membership=membership),
        volunteered=selectors.has_volunteered(membership=membership),
        invitation=_invitation_out(invitation) if invitation is not None else None,
    )


@router.get("/me/pilot", response={200: MyPilotOut}, summary="My place in the pilot")
@api_roles()
def my_pilot(request: HttpRequest) -> MyPilotOut:
    return _mine(calling_member(request))


def _pending(membership: Membership) -> PilotInvitation:
    invitation = selectors.pending_invitation(membership=membership)
    if invitation is None:
        raise Http404(_("No invitation is waiting for you."))
    return invitation


@router.post(
    "/me/pilot/accept",
    response={200: MyPilotOut, 404: Error, 422: Error},
    summary="Accept my pilot invitation",
    description="Puts me in the pilot cohort. Joining the program stays my own step.",
)
@api_roles()
def my_pilot_accept(request: HttpRequest) -> MyPilotOut:
    membership = calling_member(request)
    services.invitation_accept(invitation=_pending(membership), membership=membership)
    return _mine(membership)


@router.post(
    "/me/pilot/decline",
    response={200: MyPilotOut, 404: Error, 422: Error},
    summary="Decline my pilot invitation",
    description="No reason is asked or stored; nobody is told why.",
)
@api_roles()
def my_pilot_decline(request: HttpRequest) -> MyPilotOut:
    membership = calling_member(request)
    services.invitation_decline(invitation=_pending(membership), membership=membership)
    return _mine(membership)


@router.post(
    "/me/pilot/volunteer",
    response={200: MyPilotOut, 422: Error},
    summary="Offer to take part in the pilot",
)
@api_roles()
def my_pilot_volunteer(request: HttpRequest) -> MyPilotOut:
    membership = calling_member(request)
    services.volunteer_offer(membership=membership)
    return _mine(membership)


@router.post(
    "/me/pilot/leave",
    response={200: MyPilotOut, 422: Error},
    summary="Leave the pilot",
)
@api_roles()
def my_pilot_leave(request: HttpRequest) -> MyPilotOut:
    membership = calling_member(request)
    services.pilot_leave(membership=membership)
    return _mine(membership)
