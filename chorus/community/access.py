"""Who may read, write in and moderate a space.

- Curators and admins moderate every space; a space's moderators moderate theirs.
- An open space is read by every active member; an invite-only one by its members and
  those who moderate every space. Anyone else gets a 404, as for another organization's id.
- Writing needs reading, a space that is not archived, and (for replies) an unlocked thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from chorus.accounts.models import Membership
from chorus.community.models import Space, SpaceMember, SpaceRole


def moderates_every_space(membership: Membership) -> bool:
    return membership.has_role("curator")


def creates_spaces(membership: Membership) -> bool:
    """Curators and admins, and trainers: they run the sessions and cohorts a space is for."""
    return membership.has_role("curator", "trainer")


@dataclass(frozen=True)
class SpaceAccess:
    """What one member may do in one space (read once per request)."""

    space: Space
    membership: Membership
    space_member: SpaceMember | None

    @property
    def is_member(self) -> bool:
        return self.space_member is not None

    @property
    def can_moderate(self) -> bool:
        if not self.membership.is_active:
            return False
        if moderates_every_space(self.membership):
            return True
        return self.space_member is not None and self.space_member.role == SpaceRole.MODERATOR

    @property
    def can_read(self) -> bool:
        if not self.membership.is_active:
            return False
        return self.space.is_open or self.is_member or moderates_every_space(self.membership)

    @property
    def can_write(self) -> bool:
        return self.can_read and self.space.archived_at is None

    @property
    def can_join(self) -> bool:
        return (
            not self.is_member
            and self.space.archived_at is None
            and self.membership.is_active
            and (self.space.is_open or moderates_every_space(self.membership))
        )


def space_access(*, space: Space, membership: Membership) -> SpaceAccess:
    found = SpaceMember.objects.filter(
        organization_id=space.organization_id, space=space, membership=membership
    ).first()
    return SpaceAccess(space=space, membership=membership, space_member=found)
