"""Reads of groups, each taking the organization."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from chorus.accounts.models import (
    Group,
    Membership,
    Organization,
)


def group_list(*, organization: Organization, kind: str = "") -> QuerySet[Group]:
    """The organization's groups with `member_count`, ordered by kind then name."""
    groups = Group.objects.filter(organization=organization)
    if kind:
        groups = groups.filter(kind=kind)
    return groups.annotate(member_count=Count("members")).order_by("kind", "name")


def group_list_by_ids(*, organization: Organization, group_ids: Iterable[int]) -> list[Group]:
    """The organization's groups with these ids. Raises ValidationError("Unknown group.")
    when an id is not one of its groups (another organization's, or none at all)."""
    wanted = set(group_ids)
    groups = list(Group.objects.filter(organization=organization, pk__in=wanted))
    if len(groups) != len(wanted):
        raise ValidationError(_("Unknown group."))
    return groups


def group_members(*, organization: Organization, group: Group) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization, groups=group)
        .select_related("user")
        .order_by("user__name", "user__email", "pk")
    )
