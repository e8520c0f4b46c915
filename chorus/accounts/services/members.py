"""Writes on a member: their roles, groups, title, ranking choice, active or not."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    Group,
    Membership,
    Role,
    User,
)
from chorus.core.audit import audit_record


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    return roles


def membership_update_roles(
    *, membership: Membership, actor: User, roles: Iterable[str]
) -> Membership:
    roles = _check_roles(roles)
    if not roles:
        raise ValidationError(_("A member needs at least one role."))
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
        raise ValidationError(_("The organization must keep at least one admin."))
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
        raise ValidationError(_("Unknown group."))
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
        raise ValidationError(_("The title is too long."))
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


@transaction.atomic
def membership_set_active(*, membership: Membership, actor: User, active: bool) -> Membership:
    """The membership's side of deactivating (or reactivating) a member, with its audit row.

    Pages and the API call chorus.actions.members.member_set_active, which also takes the
    member off the rankings and cancels their pending shares in the same transaction. The
    organization's admins are locked, so two admins deactivating each other at once cannot
    leave it without one.
    """
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, is_admin=True)
        .values_list("pk", flat=True)
    )
    if membership.user_id == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate yourself."))
    if not active and membership.is_admin:
        others = Membership.objects.filter(
            organization_id=membership.organization_id, is_admin=True, is_active=True
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError(_("The organization must keep at least one admin."))
    if membership.is_active == active:
        return membership
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action="member.reactivated" if active else "member.deactivated",
        target=membership,
    )
    return membership
