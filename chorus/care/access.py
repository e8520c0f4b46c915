"""Who works in the care inbox.

- **Agents**: members who opted in to answer customers (`CareAgent.opted_in`, mirrored on
  `Membership.answers_customers` so the app shell needs no query). They see the
  inbox, claim conversations and reply; routing offers them conversations only while they
  are cleared (the care certification, or an admin's clearance), on duty and at work.
- **Approvers** review replies written in members' own words, and keep the templates.
- **Curators and admins** (the communications team) see everything and triage; admins
  configure sources, targets, escalation and the crisis pause.

Pages use `@role_required()` (any member) and then `care_require(request.membership)`,
which raises PermissionDenied (403) for anyone else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from chorus.accounts.models import Membership


def is_care_staff(membership: Membership) -> bool:
    """Approvers, curators and admins: they see the whole inbox without opting in."""
    return membership.has_role("approver", "curator", "admin")


def is_care_member(membership: Membership) -> bool:
    """Whether the member works in the inbox: care staff, or an agent who opted in."""
    return is_care_staff(membership) or membership.answers_customers


def care_require(membership: Membership) -> None:
    if not is_care_member(membership):
        raise PermissionDenied("Opt in to customer care to see the inbox.")
