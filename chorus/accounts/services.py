"""Every write in accounts with a side effect: one function per business action."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chorus.accounts.models import (
    ApiToken,
    ConsentAction,
    Group,
    Invitation,
    Membership,
    Organization,
    ProgramConsent,
    ProgramStatus,
    Role,
    User,
)
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.core.audit import audit_record

API_TOKEN_PREFIX = "chorus_"


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise ValidationError(f"Unknown role: {', '.join(unknown)}.")
    return roles


# Invitations -------------------------------------------------------------------------


def invitation_create(
    *,
    organization: Organization,
    actor: User | None,
    email: str,
    name: str = "",
    title: str = "",
    roles: Iterable[str] = (Role.EMPLOYEE,),
    groups: Iterable[Group] = (),
    send: bool = True,
) -> Invitation:
    """Invite one person; the email goes out once the transaction commits.

    `actor` is None only for invitations made from the command line (the first admin).
    """
    email = email.strip().lower()
    roles = _check_roles(roles) or [Role.EMPLOYEE.value]
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member.")
    if invitation_pending_for(organization=organization, email=email) is not None:
        raise ValidationError(f"{email} already has a pending invitation.")
    groups = list(groups)
    if any(group.organization_id != organization.pk for group in groups):
        raise ValidationError("Unknown group.")
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        name=name.strip(),
        title=title.strip(),
        roles=roles,
        token_hash=hash_secret(new_secret()),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.groups.set(groups)
    audit_record(
        organization=organization,
        actor=actor,
        action="invitation.created",
        target=invitation,
        data={"roles": roles, "groups": [group.name for group in groups]},
    )
    if send:
        _send_on_commit([invitation.pk])
    return invitation


def invitation_pending_for(*, organization: Organization, email: str) -> Invitation | None:
    """The open (not accepted, not revoked) invitation for this address, if any.

    An expired open invitation is revoked here, so the address can be invited again.
    """
    invitation = Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).first()
    if invitation is not None and invitation.expires_at <= timezone.now():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        return None
    return invitation


def _send_on_commit(invitation_ids: list[int]) -> None:
    from chorus.accounts.tasks import invitations_send

    transaction.on_commit(lambda: invitations_send.enqueue(invitation_ids=invitation_ids))


def invitations_send_on_commit(*, invitation_ids: list[int]) -> None:
    """Email these invitations once the transaction commits, in ONE task (bulk imports)."""
    if invitation_ids:
        _send_on_commit(list(invitation_ids))


def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """Send again with a fresh link and a fresh expiry; the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("Only a pending or expired invitation can be resent.")
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    # A new secret right away: the old link dies now, not when the email task runs.
    invitation.token_hash = hash_secret(new_secret())
    invitation.save(update_fields=["expires_at", "token_hash"])
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action="invitation.resent",
        target=invitation,
    )
    _send_on_commit([invitation.pk])
    return invitation


def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    if invitation.accepted_at:
        raise ValidationError("This invitation was already accepted.")
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action="invitation.revoked",
        target=invitation,
    )
    return invitation


def invitation_issue_link(*, invitation: Invitation) -> str:
    """Give the invitation a new secret and return the link that carries it."""
    secret = new_secret()
    invitation.token_hash = hash_secret(secret)
    invitation.sent_count += 1
    invitation.last_sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "sent_count", "last_sent_at"])
    return f"{settings.SITE_URL}/invitations/{secret}/"


def invitation_by_secret(secret: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_secret(secret))
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Turn an invitation into a membership for `user`, whose email must match."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise ValidationError(f"This invitation is {invitation.status}.")
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied("This invitation was sent to another address.")
    roles = set(invitation.roles)
    membership, _ = Membership.objects.get_or_create(
        organization=invitation.organization,
        user=user,
        defaults={
            "title": invitation.title,
            **{f"is_{role}": role in roles for role in Role.values},
        },
    )
    membership.groups.add(*invitation.groups.all())
    if invitation.name and not user.name:
        user.name = invitation.name
        user.save(update_fields=["name"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        organization=invitation.organization,
        actor=user,
        action="invitation.accepted",
        target=membership,
        data={"roles": sorted(roles)},
    )
    return membership


# Members -----------------------------------------------------------------------------


def membership_update_roles(
    *, membership: Membership, actor: User, roles: Iterable[str]
) -> Membership:
    roles = _check_roles(roles)
    if not roles:
        raise ValidationError("A member needs at least one role.")
    before = membership.roles
    if (
        membership.is_admin
        and Role.ADMIN not in roles
        and not Membership.objects.filter(
            organization_id=membership.organization_id, is_admin=True, is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError("The organization must keep at least one admin.")
    for role in Role.values:
        setattr(membership, f"is_{role}", role in roles)
    membership.save(update_fields=[f"is_{role}" for role in Role.values])
    if before != membership.roles:
        audit_record(
            organization=membership.organization,
            actor=actor,
            action="member.roles_changed",
            target=membership,
            data={"before": before, "after": membership.roles},
        )
    return membership


def membership_update_groups(
    *, membership: Membership, actor: User, groups: Iterable[Group]
) -> Membership:
    groups = list(groups)
    if any(group.organization_id != membership.organization_id for group in groups):
        raise ValidationError("Unknown group.")
    before = sorted(group.name for group in membership.groups.all())
    membership.groups.set(groups)
    after = sorted(group.name for group in groups)
    if before != after:
        audit_record(
            organization=membership.organization,
            actor=actor,
            action="member.groups_changed",
            target=membership,
            data={"before": before, "after": after},
        )
    return membership


def membership_update_title(*, membership: Membership, actor: User, title: str) -> Membership:
    title = " ".join(title.split())
    if len(title) > Membership._meta.get_field("title").max_length:  # type: ignore[operator]
        raise ValidationError("The title is too long.")
    if title == membership.title:
        return membership
    before = membership.title
    membership.title = title
    membership.save(update_fields=["title"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.title_changed",
        target=membership,
        data={"before": before, "after": title},
    )
    return membership


def membership_set_public_ranking(*, membership: Membership, public_ranking: bool) -> Membership:
    """The member's own choice to appear by name in rankings others see."""
    if membership.public_ranking == public_ranking:
        return membership
    membership.public_ranking = public_ranking
    membership.save(update_fields=["public_ranking"])
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="member.public_ranking_changed",
        target=membership,
        data={"public_ranking": public_ranking},
    )
    return membership


def membership_set_active(*, membership: Membership, actor: User, active: bool) -> Membership:
    """Deactivate (or reactivate) a member; a deactivated member can no longer act."""
    if membership.user_id == actor.pk and not active:
        raise ValidationError("You cannot deactivate yourself.")
    if not active and membership.is_admin:
        others = Membership.objects.filter(
            organization_id=membership.organization_id, is_admin=True, is_active=True
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError("The organization must keep at least one admin.")
    if membership.is_active == active:
        return membership
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    from chorus.gamification.services.points import points_ranking_sync

    points_ranking_sync(membership=membership)
    if not active:
        from chorus.sharing.services.cancel import shares_cancel_for_member

        shares_cancel_for_member(membership=membership, reason="Your membership was deactivated.")
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.reactivated" if active else "member.deactivated",
        target=membership,
    )
    return membership


# Program participation ---------------------------------------------------------------


def program_join(*, membership: Membership, actor: User, terms_version: int) -> Membership:
    """Record the member's own consent to the current program terms.

    Nobody can opt in someone else: `actor` must be the member. `terms_version` is the
    version the member was shown; joining fails if the terms changed meanwhile.
    """
    if membership.user_id != actor.pk:
        raise PermissionDenied("Only members themselves can join the program.")
    organization = membership.organization
    if terms_version != organization.program_terms_version:
        raise ValidationError("The program terms have changed; please read them again.")
    with transaction.atomic():
        now = timezone.now()
        membership.program_status = ProgramStatus.JOINED
        membership.program_status_changed_at = now
        membership.save(update_fields=["program_status", "program_status_changed_at"])
        from chorus.gamification.services.points import points_ranking_sync

        points_ranking_sync(membership=membership)
        ProgramConsent.objects.create(
            organization=organization,
            membership=membership,
            action=ConsentAction.JOINED,
            terms_version=organization.program_terms_version,
            terms_text=organization.program_terms,
            created_at=now,
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="program.joined",
            target=membership,
            data={"terms_version": organization.program_terms_version},
        )
    return membership


def program_leave(*, membership: Membership, actor: User) -> Membership:
    """Leave the advocacy program. Everything done in the member's name must stop:
    later features check `Membership.is_advocate` before acting."""
    if membership.user_id != actor.pk:
        raise PermissionDenied("Only members themselves can leave the program.")
    if membership.program_status != ProgramStatus.JOINED:
        return membership
    organization = membership.organization
    with transaction.atomic():
        now = timezone.now()
        membership.program_status = ProgramStatus.LEFT
        membership.program_status_changed_at = now
        membership.save(update_fields=["program_status", "program_status_changed_at"])
        from chorus.gamification.services.points import points_ranking_sync

        points_ranking_sync(membership=membership)
        ProgramConsent.objects.create(
            organization=organization,
            membership=membership,
            action=ConsentAction.LEFT,
            terms_version=organization.program_terms_version,
            terms_text=organization.program_terms,
            created_at=now,
        )
        audit_record(
            organization=organization, actor=actor, action="program.left", target=membership
        )
        from chorus.sharing.services.cancel import shares_cancel_for_member

        shares_cancel_for_member(membership=membership, reason="You left the advocacy program.")
    return membership


def organization_update_terms(*, organization: Organization, actor: User, terms: str) -> None:
    """New terms get a new version; members who joined keep their recorded consent."""
    terms = terms.strip()
    if not terms:
        raise ValidationError("The program terms cannot be empty.")
    if terms == organization.program_terms:
        return
    organization.program_terms = terms
    organization.program_terms_version += 1
    organization.save(update_fields=["program_terms", "program_terms_version"])
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.terms_changed",
        target=organization,
        data={"version": organization.program_terms_version},
    )


def organization_rename(*, organization: Organization, actor: User, name: str) -> None:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("The organization needs a name.")
    if len(name) > Organization._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError("The organization name is too long.")
    if name == organization.name:
        return
    before = organization.name
    organization.name = name
    organization.save(update_fields=["name"])
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.renamed",
        target=organization,
        data={"before": before, "after": name},
    )


# Groups ------------------------------------------------------------------------------


def group_create(
    *, organization: Organization, actor: User, kind: str, name: str, description: str = ""
) -> Group:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A group needs a name.")
    if Group.objects.filter(organization=organization, kind=kind, name__iexact=name).exists():
        raise ValidationError(f"There is already a {kind} group named {name}.")
    group = Group.objects.create(
        organization=organization, kind=kind, name=name, description=description.strip()
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="group.created",
        target=group,
        data={"kind": kind},
    )
    return group


def group_update(*, group: Group, actor: User, name: str, description: str = "") -> Group:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A group needs a name.")
    clash = Group.objects.filter(
        organization_id=group.organization_id, kind=group.kind, name__iexact=name
    ).exclude(pk=group.pk)
    if clash.exists():
        raise ValidationError(f"There is already a {group.kind} group named {name}.")
    before = group.name
    group.name = name
    group.description = description.strip()
    group.save(update_fields=["name", "description"])
    audit_record(
        organization=group.organization,
        actor=actor,
        action="group.updated",
        target=group,
        data={"before": before, "after": name},
    )
    return group


def group_delete(*, group: Group, actor: User) -> None:
    audit_record(
        organization=group.organization,
        actor=actor,
        action="group.deleted",
        target=group,
        data={"kind": group.kind, "members": group.members.count()},
    )
    group.delete()


def group_add_members(*, group: Group, actor: User, memberships: Iterable[Membership]) -> int:
    memberships = [m for m in memberships if m.organization_id == group.organization_id]
    existing = set(group.members.values_list("pk", flat=True))
    new = [m for m in memberships if m.pk not in existing]
    group.members.add(*new)
    for membership in new:
        audit_record(
            organization=group.organization,
            actor=actor,
            action="group.member_added",
            target=membership,
            data={"group": group.name},
        )
    return len(new)


def group_remove_member(*, group: Group, actor: User, membership: Membership) -> None:
    if not group.members.filter(pk=membership.pk).exists():
        return
    group.members.remove(membership)
    audit_record(
        organization=group.organization,
        actor=actor,
        action="group.member_removed",
        target=membership,
        data={"group": group.name},
    )


# API tokens --------------------------------------------------------------------------


def api_token_create(*, membership: Membership, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError("Give the token a name, so you recognise it later.")
    secret = new_secret(API_TOKEN_PREFIX)
    token = ApiToken.objects.create(
        organization=membership.organization,
        membership=membership,
        name=name[:100],
        prefix=secret[: len(API_TOKEN_PREFIX) + 4],
        token_hash=hash_secret(secret),
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="api_token.created",
        target=token,
    )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    if token.revoked_at:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        organization=token.organization, actor=actor, action="api_token.revoked", target=token
    )


def api_token_authenticate(secret: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("membership__organization", "membership__user")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    # Touch at most once a minute: the API must not write on every call.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        token.save(update_fields=["last_used_at"])
    return token
