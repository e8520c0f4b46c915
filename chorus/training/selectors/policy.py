"""Reads of the social media policy: its versions, who acknowledged which and when."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from chorus.accounts.models import Membership, Organization, ProgramStatus
from chorus.training.models import (
    Gate,
    GateAction,
    Policy,
    PolicyAcknowledgement,
    PolicyVersion,
)


def policy_of(*, organization: Organization) -> Policy | None:
    """The organization's policy (its draft), or None before anyone wrote one."""
    return Policy.objects.filter(organization=organization).first()


def versions(*, organization: Organization) -> QuerySet[PolicyVersion]:
    """Every published version, the newest first."""
    return PolicyVersion.objects.filter(organization=organization).select_related("published_by")


def version_of_organization(*, organization: Organization, version_id: int) -> PolicyVersion | None:
    return versions(organization=organization).filter(pk=version_id).first()


def latest_version(*, organization: Organization) -> PolicyVersion | None:
    """The version members are asked to acknowledge (None: nothing published yet)."""
    return versions(organization=organization).first()


def acknowledgement_of(
    *, membership: Membership, version: PolicyVersion
) -> PolicyAcknowledgement | None:
    return PolicyAcknowledgement.objects.filter(
        organization_id=membership.organization_id, membership=membership, version=version
    ).first()


def acknowledged_version_ids(*, membership: Membership) -> dict[int, PolicyAcknowledgement]:
    """The member's acknowledgements by version id."""
    return {
        acknowledgement.version_id: acknowledgement
        for acknowledgement in PolicyAcknowledgement.objects.filter(
            organization_id=membership.organization_id, membership=membership
        )
    }


def has_acknowledged_latest(*, membership: Membership) -> bool:
    """Whether the member acknowledged the current version (True when none is published:
    there is nothing to acknowledge)."""
    latest = latest_version(organization=membership.organization)
    return latest is None or acknowledgement_of(membership=membership, version=latest) is not None


def version_due(*, membership: Membership) -> PolicyVersion | None:
    """The current version when the member has not acknowledged it yet, else None."""
    latest = latest_version(organization=membership.organization)
    if latest is None or acknowledgement_of(membership=membership, version=latest) is not None:
        return None
    return latest


def required_before_sharing(*, organization: Organization) -> bool:
    """Whether sharing waits for the current version to be acknowledged (a share gate
    asking for the policy)."""
    return Gate.objects.filter(
        organization=organization, action=GateAction.SHARE, requires_policy=True
    ).exists()


def members_asked(*, organization: Organization) -> QuerySet[Membership]:
    """The members asked to acknowledge each version: active and in the advocacy program."""
    return Membership.objects.filter(
        organization=organization, is_active=True, program_status=ProgramStatus.JOINED
    ).select_related("user")


def acknowledgements(
    *, organization: Organization, version: PolicyVersion | None = None
) -> QuerySet[PolicyAcknowledgement]:
    """Who acknowledged which version and when, the latest first (of one version, or all)."""
    found = PolicyAcknowledgement.objects.filter(organization=organization).select_related(
        "version", "membership__user"
    )
    if version is not None:
        found = found.filter(version=version)
    return found


@dataclass(frozen=True)
class PolicyRecord:
    """Where the members asked stand on the current version."""

    latest: PolicyVersion | None
    # (member, when they acknowledged the latest version), the most recent first.
    acknowledged: list[tuple[Membership, PolicyAcknowledgement]]
    # Members in the program who have not acknowledged the latest version, by name.
    not_yet: list[Membership]


def acknowledgement_record(*, organization: Organization) -> PolicyRecord:
    latest = latest_version(organization=organization)
    if latest is None:
        return PolicyRecord(latest=None, acknowledged=[], not_yet=[])
    done = {
        acknowledgement.membership_id: acknowledgement
        for acknowledgement in acknowledgements(organization=organization, version=latest)
    }
    asked = list(members_asked(organization=organization))
    acknowledged = [
        (acknowledgement.membership, acknowledgement) for acknowledgement in done.values()
    ]
    not_yet = [member for member in asked if member.pk not in done]
    return PolicyRecord(latest=latest, acknowledged=acknowledged, not_yet=not_yet)
