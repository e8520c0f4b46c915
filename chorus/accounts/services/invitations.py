"""Invitations: create, send, resend, revoke, accept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    Group,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
)
from chorus.accounts.services.members import _check_roles
from chorus.accounts.tokens import hash_secret, new_secret
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations


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
        raise ValidationError(_("%(email)s is already a member.") % {"email": email})
    if invitation_pending_for(organization=organization, email=email) is not None:
        raise ValidationError(_("%(email)s already has a pending invitation.") % {"email": email})
    groups = list(groups)
    if any(group.organization_id != organization.pk for group in groups):
        raise ValidationError(_("Unknown group."))
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

    # The email speaks the inviting admin's language unless the invitee already chose one.
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(
        lambda: invitations_send.enqueue(invitation_ids=invitation_ids, language=language)
    )


def invitations_send_on_commit(*, invitation_ids: list[int]) -> None:
    """Email these invitations once the transaction commits, in ONE task (bulk imports)."""
    if invitation_ids:
        _send_on_commit(list(invitation_ids))


def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """Send again with a fresh link and a fresh expiry; the old link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("Only a pending or expired invitation can be resent."))
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
        raise ValidationError(_("This invitation was already accepted."))
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
    """The invitation of a link, in whichever organization sent it."""
    with across_organizations("an invitation link names its organization"):
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
        raise ValidationError(
            _("This invitation is %(status)s.") % {"status": invitation.status_label.lower()}
        )
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation was sent to another address."))
    roles = set(invitation.roles)
    membership, _created = Membership.objects.get_or_create(
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
