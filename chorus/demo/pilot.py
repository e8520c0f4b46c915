"""Acme's pilot: started by the admin with a personal note, Maya and two of the suggested
volunteers in it, one "Not this time", one invitation still waiting (its member's home
shows it), and the program opened to Sales. Made through the pilot's own services, so the
demo stores exactly what the real flow stores."""

from __future__ import annotations

from chorus.accounts.models import Group, GroupKind, Membership, Organization
from chorus.pilot.models import Pilot
from chorus.pilot.selectors.candidates import pilot_candidates
from chorus.pilot.services import pilot as services

NOTE = (
    "We are starting small and would love your view before the whole company joins. "
    "A few weeks, a post now and then, and your honest feedback."
)


def seed_pilot(organization: Organization, *, admin: Membership, maya: Membership) -> Pilot:
    pilot = services.pilot_start(organization=organization, actor=admin.user)
    services.pilot_note_update(organization=organization, actor=admin.user, note=NOTE)
    suggested = [
        entry.membership
        for entry in pilot_candidates(organization=organization)
        if entry.membership.pk != maya.pk and not entry.membership.is_admin
    ]
    invited = services.pilot_invite(
        organization=organization, actor=admin.user, memberships=[maya, *suggested[:4]]
    )
    # Maya and the two best suggestions accept; the next says no; the last one waits.
    for invitation in invited[:3]:
        services.invitation_accept(invitation=invitation, membership=invitation.membership)
    if len(invited) > 3:
        services.invitation_decline(invitation=invited[3], membership=invited[3].membership)
    sales = Group.objects.filter(
        organization=organization, kind=GroupKind.DEPARTMENT, name="Sales"
    ).first()
    if sales is not None:
        services.pilot_graduate(organization=organization, actor=admin.user, groups=[sales])
    pilot.refresh_from_db()
    return pilot
