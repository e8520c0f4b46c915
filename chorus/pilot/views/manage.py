"""The admin's pilot page: start it, the note, suggestions to invite, invitations and their
answers, the cohort, widening by groups, and opening the program to everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.accounts.models import Group, GroupKind, Membership, User
from chorus.pilot.models import PilotStatus
from chorus.pilot.selectors import pilot as selectors
from chorus.pilot.selectors.candidates import pilot_candidates
from chorus.pilot.services import pilot as services

ACTIONS = ("start", "note", "invite", "graduate", "open")


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values[:1000] if value.isdigit() and len(value) < 12]


def _context(request: MemberRequest, **extra: Any) -> dict[str, Any]:
    organization = request.organization
    pilot = selectors.pilot_of(organization=organization)
    q = request.GET.get("q", "").replace("\x00", "")[:200].strip()
    running = pilot is not None and pilot.status == PilotStatus.RUNNING
    members = list(selectors.pilot_members(pilot=pilot)) if pilot is not None else []
    graduated = selectors.graduated_group_ids(organization=organization)
    context: dict[str, Any] = {
        "pilot": pilot,
        "running": running,
        "q": q,
        "candidates": pilot_candidates(organization=organization, q=q) if running else [],
        "invitations": list(selectors.invitations(organization=organization)),
        "members": members,
        "size_note": selectors.size_note(len(members)),
        "groups": [
            group
            for group in Group.objects.filter(organization=organization)
            .exclude(kind=GroupKind.PILOT)
            .order_by("kind", "name")
            if group.pk not in graduated
        ],
        "waves": list(selectors.waves(organization=organization)),
        "note": pilot.note if pilot is not None else "",
        "errors": {},
        "chosen": set(),
    }
    context.update(extra)
    return context


@admin_required
def pilot_manage(request: MemberRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "pilot/manage.html", _context(request))
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return render(
            request,
            "pilot/manage.html",
            _context(request, errors={"form": _("Choose what to do.")}),
            status=400,
        )
    organization = request.organization
    actor: User = request.user  # type: ignore[assignment]
    try:
        if action == "start":
            services.pilot_start(organization=organization, actor=actor)
            messages.success(request, _("The pilot has started. Invite a few volunteers."))
        elif action == "note":
            services.pilot_note_update(
                organization=organization, actor=actor, note=request.POST.get("note", "")
            )
            messages.success(request, _("Your note is saved; new invitations carry it."))
        elif action == "invite":
            ids = _ids(request.POST.getlist("members"))
            if not ids:
                raise ValidationError({"invite": _("Choose at least one person to invite.")})
            chosen = Membership.objects.filter(organization=organization, pk__in=ids)
            sent = services.pilot_invite(organization=organization, actor=actor, memberships=chosen)
            messages.success(
                request,
                ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", len(sent))
                % {"count": len(sent)},
            )
        elif action == "graduate":
            ids = _ids(request.POST.getlist("groups"))
            groups = Group.objects.filter(organization=organization, pk__in=ids)
            if not ids:
                raise ValidationError({"graduate": _("Choose at least one group.")})
            wave = services.pilot_graduate(organization=organization, actor=actor, groups=groups)
            messages.success(
                request,
                ngettext(
                    "The program is open to these groups. %(count)d member was invited to join.",
                    "The program is open to these groups. %(count)d members were invited to join.",
                    wave.invited,
                )
                % {"count": wave.invited},
            )
        else:
            services.pilot_open_to_everyone(organization=organization, actor=actor)
            messages.success(request, _("The program is open to everyone."))
    except ValidationError as error:
        field = "form"
        if hasattr(error, "error_dict"):
            field = next(iter(error.error_dict))
        elif action in ("invite", "graduate", "note"):
            field = action
        context = _context(
            request,
            errors={field: " ".join(error.messages)},
            chosen=set(_ids(request.POST.getlist("members") + request.POST.getlist("groups"))),
        )
        if action == "note":
            context["note"] = request.POST.get("note", "")
        return render(request, "pilot/manage.html", context, status=400)
    return redirect("pilot_manage")


@require_POST
@admin_required
def pilot_invitation_withdraw(request: MemberRequest, pilot_invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_of(
        organization=request.organization, invitation_id=pilot_invitation_id
    )
    if invitation is None:
        raise Http404
    try:
        services.invitation_withdraw(invitation=invitation, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("pilot_manage")
