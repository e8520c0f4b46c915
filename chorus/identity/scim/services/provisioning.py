"""Users and groups written by an identity provider through SCIM.

A SCIM User is a membership of the token's organization; the person behind it is found by
email, so someone who already belongs to another organization is linked, never duplicated.
A new membership has the member role and has not joined the program (joining stays the
member's choice). `active: false` and DELETE deactivate the membership through
`chorus.actions.members.member_set_active` (pending shares cancelled); nothing personal is
destroyed here. SCIM Groups are accounts groups of kind PROVISIONED.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from scim2_models import EnterpriseUser as EnterpriseExtension
from scim2_models import InvalidValueException, MutabilityException, UniquenessException

from chorus.accounts.models import Group, GroupKind, Membership, ProgramStatus, User
from chorus.actions.members import member_set_active
from chorus.core.audit import audit_record
from chorus.core.tenancy import across_organizations
from chorus.identity.scim.models import ScimGroup, ScimToken, ScimUser
from chorus.identity.scim.protocol import ScimGroupResource, ScimUserResource

GroupMembers = Group.members.through


def _email_of(resource: ScimUserResource) -> str:
    """The primary email, else the first one, else the userName when it is an address."""
    emails = [email for email in resource.emails or [] if email.value]
    chosen = next((email for email in emails if email.primary), emails[0] if emails else None)
    value = str(chosen.value if chosen else resource.user_name or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidValueException(
            detail="A user needs an email address (emails or a userName that is one)."
        ) from None
    return value


def _name_of(resource: ScimUserResource) -> str:
    name = resource.name
    parts = [name.given_name, name.family_name] if name else []
    text = (
        resource.display_name
        or (name.formatted if name else None)
        or " ".join(part for part in parts if part)
    )
    return " ".join(str(text or "").split())[:150]


def _keep(scim: ScimUser, resource: ScimUserResource) -> None:
    name = resource.name
    enterprise = resource[EnterpriseExtension] if _has_enterprise(resource) else None
    scim.user_name = str(resource.user_name or "")[:255]
    scim.user_name_key = scim.user_name.lower()
    scim.external_id = str(resource.external_id or "")[:255]
    scim.given_name = str(name.given_name or "")[:150] if name else ""
    scim.family_name = str(name.family_name or "")[:150] if name else ""
    scim.display_name = str(resource.display_name or "")[:150]
    scim.locale = str(resource.locale or "")[:32]
    scim.preferred_language = str(resource.preferred_language or "")[:32]
    scim.employee_number = str(enterprise.employee_number or "")[:100] if enterprise else ""
    scim.department = str(enterprise.department or "")[:150] if enterprise else ""
    scim.updated_at = timezone.now()


def _has_enterprise(resource: ScimUserResource) -> bool:
    try:
        return resource[EnterpriseExtension] is not None
    except (KeyError, AttributeError):
        return False


def _only_here(user: User, membership: Membership | None) -> bool:
    """Whether the person belongs to this organization alone: only then may its identity
    provider change who they are (their email and name)."""
    with across_organizations("whether a person belongs to other organizations"):
        others = Membership.objects.filter(user=user)
        if membership is not None:
            others = others.exclude(pk=membership.pk)
        return not others.exists()


@transaction.atomic
def scim_user_create(*, token: ScimToken, resource: ScimUserResource) -> Membership:
    organization = token.organization
    if not resource.user_name:
        raise InvalidValueException(detail="userName is required.")
    email = _email_of(resource)
    name = _name_of(resource)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password=None, name=name)
    elif Membership.objects.filter(organization=organization, user=user).exists():
        raise UniquenessException(detail="This person is already a member; find them by userName.")
    elif not user.name and name:
        user.name = name
        user.save(update_fields=["name"])
    membership = Membership.objects.create(
        organization=organization,
        user=user,
        is_employee=True,
        is_active=resource.active is not False,
        program_status=ProgramStatus.NOT_JOINED,
    )
    scim = ScimUser(organization=organization, membership=membership)
    _keep(scim, resource)
    scim.save()
    audit_record(
        organization=organization,
        actor=None,
        action="scim.user_provisioned",
        target=membership,
        data={"token": token.name, "external_id": scim.external_id},
    )
    return membership


@transaction.atomic
def scim_user_update(
    *, token: ScimToken, membership: Membership, resource: ScimUserResource
) -> Membership:
    """Write what a PUT (or a PATCH, applied to the user as it was) says about a member."""
    if not resource.user_name:
        raise InvalidValueException(detail="userName is required.")
    user = membership.user
    email = _email_of(resource)
    name = _name_of(resource)
    changed: list[str] = []
    if email != user.email:
        if not _only_here(user, membership):
            raise MutabilityException(
                detail="This person also belongs to another organization: their email stays."
            )
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise UniquenessException(detail="Another person has this email address.")
        user.email = email
        changed.append("email")
    if name and name != user.name and _only_here(user, membership):
        user.name = name
        changed.append("name")
    if changed:
        user.save(update_fields=changed)
    scim = getattr(membership, "scim", None) or ScimUser(
        organization_id=membership.organization_id, membership=membership
    )
    _keep(scim, resource)
    scim.save()
    if resource.active is not None and resource.active != membership.is_active:
        _set_active(token=token, membership=membership, active=bool(resource.active))
    return membership


def _set_active(*, token: ScimToken, membership: Membership, active: bool) -> None:
    assert token.created_by is not None  # scim_token_authenticate refuses tokens without
    try:
        member_set_active(membership=membership, actor=token.created_by, active=active)
    except ValidationError as exc:
        raise InvalidValueException(detail=" ".join(exc.messages)) from None


@transaction.atomic
def scim_user_deactivate(*, token: ScimToken, membership: Membership) -> None:
    """DELETE: the membership is deactivated, not destroyed (erasure is a separate step)."""
    if membership.is_active:
        _set_active(token=token, membership=membership, active=False)
    audit_record(
        organization=token.organization,
        actor=None,
        action="scim.user_deleted",
        target=membership,
        data={"token": token.name},
    )


# Groups ----------------------------------------------------------------------------------


def _group_name(resource: ScimGroupResource) -> str:
    name = " ".join(str(resource.display_name or "").split())
    if not name:
        raise InvalidValueException(detail="displayName is required.")
    if len(name) > 100:
        raise InvalidValueException(detail="displayName is longer than 100 characters.")
    return name


def _check_name(*, group: Group | None, organization_id: int, name: str) -> None:
    clash = Group.objects.filter(
        organization_id=organization_id, kind=GroupKind.PROVISIONED, name__iexact=name
    )
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise UniquenessException(detail=f"A group named {name} exists.")


def _wanted_members(*, organization_id: int, resource: ScimGroupResource) -> set[int]:
    values = {str(member.value or "") for member in resource.members or []}
    ids = {int(value) for value in values if value.isdigit() and len(value) < 19}
    found = set(
        Membership.objects.filter(organization_id=organization_id, pk__in=ids).values_list(
            "pk", flat=True
        )
    )
    if len(found) != len(values):
        raise InvalidValueException(detail="A member is not a user of this organization.")
    return found


def _set_members(*, group: Group, wanted: set[int]) -> tuple[int, int]:
    """Bring the group's members to `wanted` in two statements; (added, removed)."""
    current = set(
        GroupMembers.objects.filter(group_id=group.pk).values_list("membership_id", flat=True)
    )
    added = wanted - current
    removed = current - wanted
    if added:
        GroupMembers.objects.bulk_create(
            [GroupMembers(group_id=group.pk, membership_id=pk) for pk in sorted(added)],
            batch_size=500,
        )
    if removed:
        GroupMembers.objects.filter(group_id=group.pk, membership_id__in=removed).delete()
    return len(added), len(removed)


@transaction.atomic
def scim_group_create(*, token: ScimToken, resource: ScimGroupResource) -> Group:
    organization = token.organization
    name = _group_name(resource)
    _check_name(group=None, organization_id=organization.pk, name=name)
    wanted = _wanted_members(organization_id=organization.pk, resource=resource)
    group = Group.objects.create(organization=organization, kind=GroupKind.PROVISIONED, name=name)
    ScimGroup.objects.create(
        organization=organization, group=group, external_id=str(resource.external_id or "")[:255]
    )
    _set_members(group=group, wanted=wanted)
    audit_record(
        organization=organization,
        actor=None,
        action="scim.group_provisioned",
        target=group,
        data={"token": token.name, "members": len(wanted)},
    )
    return group


@transaction.atomic
def scim_group_update(*, token: ScimToken, group: Group, resource: ScimGroupResource) -> Group:
    name = _group_name(resource)
    if name != group.name:
        _check_name(group=group, organization_id=group.organization_id, name=name)
        group.name = name
        group.save(update_fields=["name"])
    wanted = _wanted_members(organization_id=group.organization_id, resource=resource)
    added, removed = _set_members(group=group, wanted=wanted)
    scim, _ = ScimGroup.objects.get_or_create(
        group=group, defaults={"organization_id": group.organization_id}
    )
    scim.external_id = str(resource.external_id or "")[:255]
    scim.updated_at = timezone.now()
    scim.save(update_fields=["external_id", "updated_at"])
    if added or removed:
        audit_record(
            organization=token.organization,
            actor=None,
            action="scim.group_members_changed",
            target=group,
            data={"token": token.name, "added": added, "removed": removed},
        )
    return group


@transaction.atomic
def scim_group_delete(*, token: ScimToken, group: Group) -> None:
    audit_record(
        organization=token.organization,
        actor=None,
        action="scim.group_deleted",
        target=group,
        data={"token": token.name},
    )
    group.delete()
