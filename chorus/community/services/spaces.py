"""Writes for spaces: create, change, archive; join, leave, mute; invitations; moderators;
removing a member; training sessions linked to a space. Every change a moderator makes is
audited; members told are told by `notification_create`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chorus.accounts.models import Group, GroupKind, Membership
from chorus.community.access import SpaceAccess, creates_spaces, space_access
from chorus.community.models import (
    MAX_DESCRIPTION,
    MAX_NAME,
    InvitationState,
    Space,
    SpaceInvitation,
    SpaceKind,
    SpaceMember,
    SpaceRole,
    SpaceSession,
    SpaceVisibility,
)
from chorus.content.models import Topic
from chorus.core.audit import audit_record
from chorus.notifications.services.notifications import notification_create
from chorus.training.models import TrainingSession

# The groups a space may be for: a region or the pilot cohort.
SPACE_GROUP_KINDS = (GroupKind.REGION, GroupKind.PILOT)


def _require_moderator(access: SpaceAccess) -> None:
    if not access.can_moderate:
        raise PermissionDenied(_("Only the space's moderators may do this."))


def _clean_fields(
    *,
    membership: Membership,
    name: str,
    description: str,
    kind: str,
    visibility: str,
    group: Group | None,
    topic: Topic | None,
) -> dict[str, object]:
    name = " ".join(name.replace("\x00", "").split())
    description = description.replace("\x00", "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the space a name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("A name has at most %(max)s characters.") % {"max": MAX_NAME}]
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("A description has at most %(max)s characters.") % {"max": MAX_DESCRIPTION}
        ]
    if kind not in SpaceKind.values:
        errors["kind"] = [_("Choose topic, region or cohort.")]
    if visibility not in SpaceVisibility.values:
        errors["visibility"] = [_("Choose open or invite only.")]
    if group is not None and (
        group.organization_id != membership.organization_id or group.kind not in SPACE_GROUP_KINDS
    ):
        errors["group"] = [_("Choose a region or the pilot cohort.")]
    if topic is not None and topic.organization_id != membership.organization_id:
        errors["topic"] = [_("Choose one of the organization's topics.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "description": description,
        "kind": kind,
        "visibility": visibility,
        "group": group,
        "topic": topic,
    }


def space_create(
    *,
    membership: Membership,
    name: str,
    description: str = "",
    kind: str = SpaceKind.TOPIC,
    visibility: str = SpaceVisibility.OPEN,
    group: Group | None = None,
    topic: Topic | None = None,
) -> Space:
    """A new space; its creator is its first moderator. Curators, admins and trainers."""
    if not creates_spaces(membership):
        raise PermissionDenied(_("Your role does not allow this."))
    fields = _clean_fields(
        membership=membership,
        name=name,
        description=description,
        kind=kind,
        visibility=visibility,
        group=group,
        topic=topic,
    )
    with transaction.atomic():
        space = Space.objects.create(
            organization_id=membership.organization_id, created_by=membership, **fields
        )
        SpaceMember.objects.create(
            organization_id=membership.organization_id,
            space=space,
            membership=membership,
            role=SpaceRole.MODERATOR,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.space_created",
            target=space,
        )
    return space


def space_update(
    *,
    membership: Membership,
    space: Space,
    name: str,
    description: str,
    kind: str,
    visibility: str,
    group: Group | None,
    topic: Topic | None,
) -> Space:
    _require_moderator(space_access(space=space, membership=membership))
    fields = _clean_fields(
        membership=membership,
        name=name,
        description=description,
        kind=kind,
        visibility=visibility,
        group=group,
        topic=topic,
    )
    for key, value in fields.items():
        setattr(space, key, value)
    with transaction.atomic():
        space.save(update_fields=list(fields))
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.space_updated",
            target=space,
        )
    return space


def space_archive(*, membership: Membership, space: Space, archived: bool) -> Space:
    """Archived: read only, out of the list of spaces to join. Reversible."""
    _require_moderator(space_access(space=space, membership=membership))
    space.archived_at = timezone.now() if archived else None
    with transaction.atomic():
        space.save(update_fields=["archived_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.space_archived" if archived else "community.space_restored",
            target=space,
        )
    return space


def space_join(*, membership: Membership, space: Space) -> SpaceMember:
    """Join an open space (curators and admins may join any)."""
    access = space_access(space=space, membership=membership)
    if access.space_member is not None:
        return access.space_member
    if space.archived_at is not None:
        raise ValidationError(_("This space is archived: nothing new can be written in it."))
    if not access.can_join:
        raise PermissionDenied(_("This space is by invitation only."))
    try:
        with transaction.atomic():
            return SpaceMember.objects.create(
                organization_id=membership.organization_id, space=space, membership=membership
            )
    except IntegrityError:
        return SpaceMember.objects.get(space=space, membership=membership)


def space_leave(*, membership: Membership, space: Space) -> None:
    SpaceMember.objects.filter(
        organization_id=membership.organization_id, space=space, membership=membership
    ).delete()


def space_mute(*, membership: Membership, space: Space, muted: bool) -> SpaceMember:
    """Muted: nothing from this space reaches the member, except a mention of them."""
    found = SpaceMember.objects.filter(
        organization_id=membership.organization_id, space=space, membership=membership
    ).first()
    if found is None:
        raise ValidationError(_("Join the space first."))
    found.muted = muted
    found.save(update_fields=["muted"])
    return found


def space_invite(*, membership: Membership, space: Space, invitee: Membership) -> SpaceInvitation:
    """A space moderator invites a member; the member accepts or declines."""
    _require_moderator(space_access(space=space, membership=membership))
    if invitee.organization_id != membership.organization_id or not invitee.is_active:
        raise ValidationError(_("Choose an active member of the organization."))
    if space.archived_at is not None:
        raise ValidationError(_("This space is archived."))
    if SpaceMember.objects.filter(space=space, membership=invitee).exists():
        raise ValidationError(_("%(name)s is already in this space.") % {"name": invitee})
    pending = SpaceInvitation.objects.filter(
        space=space, membership=invitee, state=InvitationState.PENDING
    ).first()
    if pending is not None:
        return pending
    with transaction.atomic():
        invitation = SpaceInvitation.objects.create(
            organization_id=membership.organization_id,
            space=space,
            membership=invitee,
            invited_by=membership,
        )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.member_invited",
            target=space,
            data={"member": invitee.pk},
        )
        notification_create(
            membership=invitee,
            kind="community_invited",
            message=gettext_lazy("You are invited to the space “%(space)s”."),
            params={"space": space.name},
            url=reverse("community_spaces"),
        )
    return invitation


def invitation_answer(
    *, membership: Membership, invitation: SpaceInvitation, accept: bool
) -> SpaceInvitation:
    """The invited member accepts (joins the space) or declines."""
    if invitation.membership_id != membership.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    if invitation.state != InvitationState.PENDING:
        raise ValidationError(_("This invitation was already answered."))
    with transaction.atomic():
        invitation.state = InvitationState.ACCEPTED if accept else InvitationState.DECLINED
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["state", "answered_at"])
        if accept:
            SpaceMember.objects.get_or_create(
                organization_id=membership.organization_id,
                space_id=invitation.space_id,
                membership=membership,
            )
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action=("community.invitation_accepted" if accept else "community.invitation_declined"),
            target=invitation.space,
        )
    return invitation


def space_member_remove(*, membership: Membership, space: Space, member: Membership) -> None:
    """A moderator removes a member: they are told; an invite-only space needs a new
    invitation to come back (an open one they may join again)."""
    _require_moderator(space_access(space=space, membership=membership))
    if member.pk == membership.pk:
        raise ValidationError(_("Leave the space instead of removing yourself."))
    with transaction.atomic():
        removed, _counts = SpaceMember.objects.filter(space=space, membership=member).delete()
        if not removed:
            raise ValidationError(_("%(name)s is not in this space.") % {"name": member})
        SpaceInvitation.objects.filter(
            space=space, membership=member, state=InvitationState.PENDING
        ).update(state=InvitationState.DECLINED, answered_at=timezone.now())
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.member_removed",
            target=space,
            data={"member": member.pk},
        )
        notification_create(
            membership=member,
            kind="community_removed",
            message=gettext_lazy("A moderator removed you from the space “%(space)s”."),
            params={"space": space.name},
            url=reverse("community_spaces"),
        )


def space_member_role_set(
    *, membership: Membership, space: Space, member: Membership, role: str
) -> SpaceMember:
    _require_moderator(space_access(space=space, membership=membership))
    if role not in SpaceRole.values:
        raise ValidationError(_("Choose member or moderator."))
    found = SpaceMember.objects.filter(space=space, membership=member).first()
    if found is None:
        raise ValidationError(_("%(name)s is not in this space.") % {"name": member})
    with transaction.atomic():
        found.role = role
        found.save(update_fields=["role"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="community.member_role_changed",
            target=space,
            data={"member": member.pk, "role": role},
        )
    return found


def space_session_link(
    *, membership: Membership, space: Space, session: TrainingSession
) -> SpaceSession:
    """Link a training session (and so its series) to the space."""
    _require_moderator(space_access(space=space, membership=membership))
    if session.organization_id != membership.organization_id:
        raise ValidationError(_("Choose one of the organization's sessions."))
    with transaction.atomic():
        link, created = SpaceSession.objects.get_or_create(
            organization_id=membership.organization_id,
            space=space,
            session=session,
            defaults={"series_id": session.series_id},
        )
        if created:
            audit_record(
                organization=membership.organization,
                actor=membership.user,
                action="community.session_linked",
                target=space,
                data={"session": session.pk},
            )
    return link


def space_session_unlink(*, membership: Membership, space: Space, session: TrainingSession) -> None:
    _require_moderator(space_access(space=space, membership=membership))
    with transaction.atomic():
        removed, _counts = SpaceSession.objects.filter(space=space, session=session).delete()
        if removed:
            audit_record(
                organization=membership.organization,
                actor=membership.user,
                action="community.session_unlinked",
                target=space,
                data={"session": session.pk},
            )
