"""The member's pilot page: the invitation (accept or decline), volunteering, leaving."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chorus.accounts.access import MemberRequest, member_required
from chorus.accounts.models import ProgramStatus
from chorus.pilot.models import PilotStatus
from chorus.pilot.selectors import pilot as selectors
from chorus.pilot.services import pilot as services

ACTIONS = ("accept", "decline", "leave", "volunteer")


@member_required
def pilot_page(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    pilot = selectors.pilot_of(organization=request.organization)
    invitation = selectors.pending_invitation(membership=membership)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "accept" and invitation is not None:
                services.invitation_accept(invitation=invitation, membership=membership)
                if membership.program_status != ProgramStatus.JOINED:
                    messages.success(
                        request,
                        _(
                            "Welcome to the pilot! To take part, join the program here: "
                            "it is your own choice, and you can leave at any time."
                        ),
                    )
                    return redirect("program")
                messages.success(request, _("Welcome to the pilot!"))
            elif action == "decline" and invitation is not None:
                services.invitation_decline(invitation=invitation, membership=membership)
                messages.success(request, _("No problem — nobody will be told why."))
            elif action == "leave":
                services.pilot_leave(membership=membership)
                messages.success(request, _("You have left the pilot."))
            elif action == "volunteer":
                services.volunteer_offer(membership=membership)
                messages.success(
                    request, _("Thank you! The team will see that you would like to take part.")
                )
            else:
                raise ValidationError(_("There is nothing to answer here any more."))
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("pilot_page")
    return render(
        request,
        "pilot/member.html",
        {
            "pilot": pilot,
            "running": pilot is not None and pilot.status == PilotStatus.RUNNING,
            "invitation": invitation,
            "in_pilot": selectors.in_pilot(pilot=pilot, membership=membership),
            "volunteered": selectors.has_volunteered(membership=membership),
        },
    )
