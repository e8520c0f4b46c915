"""Groups of members: create, edit, delete, add and remove members."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    CREATABLE_GROUP_KINDS,
    Group,
    GroupKind,
    Membership,
    Organization,
    User,
)
from chorus.core.audit import audit_record


def _clash_message(kind: str) -> str:
    messages: dict[str, str] = {
        GroupKind.DEPARTMENT: _("There is already a department group named %(name)s."),
        GroupKind.REGION: _("There is already a region group named %(name)s."),
        GroupKind.LANGUAGE: _("There is already a language group named %(name)s."),
        GroupKind.CUSTOM: _("There is already a custom group named %(name)s."),
    }
    return messages.get(kind, messages[GroupKind.CUSTOM])


def _refuse_pilot(group: Group) -> None:
    """The pilot cohort is kept by the pilot app: its members accept an invitation. A
    provisioned group is kept by the identity provider (SCIM)."""
    if group.kind == GroupKind.PILOT:
        raise ValidationError(
            _("The pilot cohort is changed on the pilot page: members join it by invitation.")
        )
    if group.kind == GroupKind.PROVISIONED:
        raise ValidationError(_("This group comes from your identity provider: change it there."))


def group_create(
    *, organization: Organization, actor: User, kind: str, name: str, description: str = ""
) -> Group:
    if kind not in CREATABLE_GROUP_KINDS:
        raise ValidationError(_("Choose a department, region, language or custom group."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("A group needs a name."))
    if Group.objects.filter(organization=organization, kind=kind, name__iexact=name).exists():
        raise ValidationError(_clash_message(kind) % {"name": name})
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
    _refuse_pilot(group)
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("A group needs a name."))
    clash = Group.objects.filter(
        organization_id=group.organization_id, kind=group.kind, name__iexact=name
    ).exclude(pk=group.pk)
    if clash.exists():
        raise ValidationError(_clash_message(group.kind) % {"name": name})
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
    _refuse_pilot(group)
    audit_record(
        organization=group.organization,
        actor=actor,
        action="group.deleted",
        target=group,
        data={"kind": group.kind, "members": group.members.count()},
    )
    group.delete()


def group_add_members(*, group: Group, actor: User, memberships: Iterable[Membership]) -> int:
    _refuse_pilot(group)
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
    _refuse_pilot(group)
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
