"""Reads for SCIM: members and provisioned groups as SCIM resources, filtered and paged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import QuerySet
from scim2_models import Email, EnterpriseUser, GroupMember, Meta, Name

from chorus.accounts.models import Group, GroupKind, Membership, Organization
from chorus.identity.scim.models import ScimUser
from chorus.identity.scim.protocol import (
    GROUP_ATTRIBUTES,
    GROUP_LEAVES,
    USER_ATTRIBUTES,
    USER_LEAVES,
    ScimGroupResource,
    ScimUserResource,
    filter_query,
)

GroupMembers = Group.members.through


def scim_users(*, organization: Organization, filter_text: str = "") -> QuerySet[Membership]:
    members = Membership.objects.filter(organization=organization)
    if filter_text:
        members = members.filter(
            filter_query(filter_text, attributes=USER_ATTRIBUTES, leaves=USER_LEAVES)
        )
    return members.select_related("user", "scim").order_by("pk")


def scim_user(*, organization: Organization, resource_id: str) -> Membership | None:
    if not resource_id.isdigit() or len(resource_id) > 18:
        return None
    return scim_users(organization=organization).filter(pk=int(resource_id)).first()


def user_resource(membership: Membership, *, base_url: str) -> ScimUserResource:
    user = membership.user
    scim: ScimUser | None = getattr(membership, "scim", None)
    resource = ScimUserResource(
        id=str(membership.pk),
        external_id=(scim.external_id or None) if scim else None,
        user_name=(scim.user_name if scim else "") or user.email,
        display_name=user.name or None,
        active=membership.is_active,
        # Stored addresses were checked when they were entered: not again on every read.
        emails=[Email.model_construct(value=user.email, type=Email.Type.work, primary=True)],
        meta=Meta(
            resource_type="User",
            created=membership.created_at,
            last_modified=scim.updated_at if scim else membership.created_at,
            location=f"{base_url}Users/{membership.pk}",
        ),
    )
    if scim is not None:
        if scim.given_name or scim.family_name:
            resource.name = Name(
                given_name=scim.given_name or None, family_name=scim.family_name or None
            )
        resource.display_name = scim.display_name or resource.display_name
        resource.locale = scim.locale or None
        resource.preferred_language = scim.preferred_language or None
        if scim.employee_number or scim.department:
            resource[EnterpriseUser] = EnterpriseUser(
                employee_number=scim.employee_number or None, department=scim.department or None
            )
    return resource


def scim_groups(*, organization: Organization, filter_text: str = "") -> QuerySet[Group]:
    groups = Group.objects.filter(organization=organization, kind=GroupKind.PROVISIONED)
    if filter_text:
        groups = groups.filter(
            filter_query(filter_text, attributes=GROUP_ATTRIBUTES, leaves=GROUP_LEAVES)
        ).distinct()
    return groups.select_related("scim").order_by("pk")


def scim_group(*, organization: Organization, resource_id: str) -> Group | None:
    if not resource_id.isdigit() or len(resource_id) > 18:
        return None
    return scim_groups(organization=organization).filter(pk=int(resource_id)).first()


def group_resources(
    groups: Sequence[Group], *, base_url: str, with_members: bool = True
) -> list[ScimGroupResource]:
    """The groups as SCIM resources, their members read in one query for all of them."""
    members: dict[int, list[GroupMember]] = defaultdict(list)
    if with_members and groups:
        rows = (
            GroupMembers.objects.filter(group_id__in=[group.pk for group in groups])
            .order_by("membership_id")
            .values_list("group_id", "membership_id", "membership__user__name")
        )
        for group_id, membership_id, name in rows:
            members[group_id].append(
                GroupMember.model_validate(
                    {
                        "value": str(membership_id),
                        "$ref": f"{base_url}Users/{membership_id}",
                        "display": name or None,
                        "type": "User",
                    }
                )
            )
    resources = []
    for group in groups:
        scim = getattr(group, "scim", None)
        resources.append(
            ScimGroupResource(
                id=str(group.pk),
                external_id=(scim.external_id or None) if scim else None,
                display_name=group.name,
                members=members[group.pk] or None if with_members else None,
                meta=Meta(
                    resource_type="Group",
                    created=group.created_at,
                    last_modified=scim.updated_at if scim else group.created_at,
                    location=f"{base_url}Groups/{group.pk}",
                ),
            )
        )
    return resources
