"""Writes of the sign-in policy: Require SSO, and the break-glass admins who may still
sign in with a password (at least one while SSO is required)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import Membership, Organization, User
from chorus.core.audit import audit_record
from chorus.identity.models import BreakGlassAdmin, IdentityProvider, SsoPolicy


def require_sso_set(*, organization: Organization, actor: User, required: bool) -> SsoPolicy:
    with transaction.atomic():
        policy, _created = SsoPolicy.objects.select_for_update().get_or_create(
            organization=organization
        )
        if required:
            if not IdentityProvider.objects.filter(
                organization=organization, enabled=True
            ).exists():
                raise ValidationError(
                    _("Enable an identity provider and test it before requiring single sign-on.")
                )
            if not BreakGlassAdmin.objects.filter(
                organization=organization, membership__is_active=True, membership__is_admin=True
            ).exists():
                raise ValidationError(
                    _(
                        "Choose at least one break-glass admin first: someone must still be "
                        "able to sign in if the identity provider fails."
                    )
                )
        if policy.require_sso == required:
            return policy
        policy.require_sso = required
        policy.save(update_fields=["require_sso", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor,
        action="sso.required" if required else "sso.not_required",
    )
    return policy


def break_glass_add(
    *, organization: Organization, actor: User, membership: Membership
) -> BreakGlassAdmin:
    if membership.organization_id != organization.pk or not (
        membership.is_admin and membership.is_active
    ):
        raise ValidationError(_("Only an active admin can be a break-glass admin."))
    entry, created = BreakGlassAdmin.objects.get_or_create(
        organization=organization, membership=membership, defaults={"added_by": actor}
    )
    if created:
        audit_record(
            organization=organization,
            actor=actor,
            action="sso.break_glass_added",
            target=membership,
        )
    return entry


def break_glass_remove(*, entry: BreakGlassAdmin, actor: User) -> None:
    organization = entry.organization
    with transaction.atomic():
        policy = SsoPolicy.objects.select_for_update().filter(organization=organization).first()
        others = (
            BreakGlassAdmin.objects.filter(
                organization=organization, membership__is_active=True, membership__is_admin=True
            )
            .exclude(pk=entry.pk)
            .exists()
        )
        if policy is not None and policy.require_sso and not others:
            raise ValidationError(
                _(
                    "This is the last break-glass admin while single sign-on is required: "
                    "add another one first, or stop requiring single sign-on."
                )
            )
        membership = entry.membership
        entry.delete()
    audit_record(
        organization=organization,
        actor=actor,
        action="sso.break_glass_removed",
        target=membership,
    )
