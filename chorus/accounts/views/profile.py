"""A member's own pages: the program (join, leave), settings, organization switch."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required, signed_in
from chorus.accounts.forms import JoinProgramForm, ProfileForm, PublicRankingForm
from chorus.accounts.middleware import SESSION_KEY
from chorus.accounts.models import LeaveReason, Membership
from chorus.accounts.services import members as member_services
from chorus.actions.members import member_join_program, member_leave_program
from chorus.core.tenancy import across_organizations
from chorus.pilot.selectors import pilot as pilot_selectors
from chorus.sharing.selectors.topics import topic_choices
from chorus.training.models import GateAction
from chorus.training.selectors.gates import GateRefused, gate_check


@member_required
def program(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    organization = request.organization
    form = JoinProgramForm(
        request.POST or None, initial={"terms_version": organization.program_terms_version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_join_program(
                membership=membership,
                actor=request.user,  # type: ignore[arg-type]
                terms_version=form.cleaned_data["terms_version"],
            )
        except GateRefused as refused:
            # Joining needs a certification (or the policy): why, and the link to fix it.
            consents = membership.consents.all()[:10]
            return render(
                request,
                "accounts/program.html",
                {"form": form, "consents": consents, "verdict": refused.verdict},
                status=403,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("program")
        messages.success(request, _("Welcome to the advocacy program. Thank you for taking part!"))
        return redirect("home")
    consents = membership.consents.all()[:10]
    # Training sits above accounts: the page (on top of every app) asks its gate.
    verdict = (
        gate_check(membership=membership, action=GateAction.JOIN)
        if membership.program_status != "joined"
        else None
    )
    # While a pilot runs, joining is for its volunteers (the page offers to volunteer).
    pilot_closed = membership.program_status != "joined" and not pilot_selectors.may_join_program(
        organization=organization, membership=membership
    )
    return render(
        request,
        "accounts/program.html",
        {
            "form": form,
            "consents": consents,
            "verdict": verdict,
            "leave_reasons": LeaveReason.choices,
            "pilot_closed": pilot_closed,
            "volunteered": pilot_closed and pilot_selectors.has_volunteered(membership=membership),
            "in_pilot": pilot_selectors.in_pilot(
                pilot=pilot_selectors.pilot_of(organization=organization), membership=membership
            ),
        },
    )


@require_POST
@member_required
def program_leave(request: MemberRequest) -> HttpResponse:
    try:
        member_leave_program(
            membership=request.membership,
            actor=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("program")
    messages.success(
        request,
        _("You have left the advocacy program. Nothing will be shared or done in your name."),
    )
    return redirect("program")


@member_required
def settings_page(request: MemberRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # The confirmation already speaks the language just chosen.
        translation.activate(user.language or translation.get_language_from_request(request))
        messages.success(request, _("Your settings were saved."))
        return redirect("settings")
    ranking_form = PublicRankingForm(initial={"public_ranking": request.membership.public_ranking})
    # The topics the member follows are sharing's (they order the feed): the page, on top
    # of every app, shows them beside the member's own settings.
    choices = topic_choices(organization=request.organization, membership=request.membership)
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "ranking_form": ranking_form,
            "topic_choices": choices,
            "followed_topics": [choice for choice in choices if choice.followed],
            "mfa_enabled": is_mfa_enabled(request.user),
        },
    )


@require_POST
@member_required
def settings_ranking(request: MemberRequest) -> HttpResponse:
    form = PublicRankingForm(request.POST)
    form.is_valid()  # an unticked box is False; nothing else can be wrong
    shown = bool(form.cleaned_data.get("public_ranking"))
    member_services.membership_set_public_ranking(
        membership=request.membership, public_ranking=shown
    )
    messages.success(
        request,
        _("You appear by name in rankings.")
        if shown
        else _("You no longer appear by name in rankings."),
    )
    return redirect("settings")


@require_POST
@signed_in
def organization_switch(request: HttpRequest) -> HttpResponse:
    organization_id = request.POST.get("organization", "")
    if not organization_id.isdigit():
        raise Http404("Unknown organization.")
    with across_organizations("the user moves to another of their organizations"):
        membership = get_object_or_404(
            Membership.objects.select_related("organization"),
            user_id=request.user.pk,
            is_active=True,
            organization_id=int(organization_id),
        )
    request.session[SESSION_KEY] = membership.organization_id
    messages.success(
        request,
        _("You are now in %(organization)s.") % {"organization": membership.organization.name},
    )
    return redirect("home")


@signed_in
def no_organization(request: HttpRequest) -> HttpResponse:
    if getattr(request, "membership", None) is not None:
        return redirect("home")
    return render(request, "accounts/no_organization.html")
