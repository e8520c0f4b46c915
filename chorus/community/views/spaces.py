"""Pages of spaces: the list (mine, to join, invitations), a new space, a space's threads,
joining, leaving and muting, and the settings and members page for its moderators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.accounts.models import Membership
from chorus.community.access import creates_spaces
from chorus.community.forms import SpaceForm
from chorus.community.models import Space, SpaceRole
from chorus.community.selectors import spaces as selectors
from chorus.community.selectors.moderation import is_moderator_anywhere
from chorus.community.selectors.threads import thread_page
from chorus.community.services import spaces as services
from chorus.community.views.common import error_text, readable_space
from chorus.training.models import TrainingSession


@member_required
def spaces(request: MemberRequest) -> HttpResponse:
    page = selectors.spaces_for(organization=request.organization, membership=request.membership)
    return render(
        request,
        "community/spaces.html",
        {
            "page": page,
            "can_create": creates_spaces(request.membership),
            "moderates": is_moderator_anywhere(
                organization=request.organization, membership=request.membership
            ),
        },
    )


@role_required("curator", "trainer")
def space_new(request: MemberRequest) -> HttpResponse:
    form = SpaceForm(
        request.POST if request.method == "POST" else None,
        organization=request.organization,
        initial={"kind": "topic", "visibility": "open"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            space = services.space_create(membership=request.membership, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Space created."))
            return redirect("community_space", space.pk)
    return render(
        request,
        "community/space_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _add_errors(form: SpaceForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@member_required
def space_detail(request: MemberRequest, space_id: int) -> HttpResponse:
    access = readable_space(request, space_id)
    page = thread_page(
        organization=request.organization,
        membership=request.membership,
        space=access.space,
        cursor=request.GET.get("after", "")[:40],
    )
    return render(
        request,
        "community/space.html",
        {
            "access": access,
            "space": access.space,
            "page": page,
            "sessions": selectors.space_sessions_upcoming(
                organization=request.organization, space=access.space
            ),
        },
    )


@require_POST
@member_required
def space_membership(request: MemberRequest, space_id: int) -> HttpResponse:
    """Join, leave, mute or unmute."""
    access = readable_space(request, space_id)
    action = request.POST.get("action", "")
    try:
        if action == "join":
            services.space_join(membership=request.membership, space=access.space)
            messages.success(request, _("You joined the space."))
        elif action == "leave":
            services.space_leave(membership=request.membership, space=access.space)
            messages.success(request, _("You left the space."))
            if not access.space.is_open:
                return redirect("community_spaces")
        elif action in ("mute", "unmute"):
            services.space_mute(
                membership=request.membership, space=access.space, muted=action == "mute"
            )
            messages.success(
                request,
                _("Muted: only mentions of you reach you from this space.")
                if action == "mute"
                else _("Unmuted."),
            )
        else:
            messages.error(request, _("Choose join, leave, mute or unmute."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request, error_text(error) if isinstance(error, ValidationError) else str(error)
        )
    return redirect("community_space", access.space.pk)


@require_POST
@member_required
def invitation_answer(request: MemberRequest, space_invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_find(
        organization=request.organization,
        membership=request.membership,
        invitation_id=space_invitation_id,
    )
    if invitation is None:
        raise Http404
    accept = request.POST.get("answer") == "accept"
    try:
        services.invitation_answer(
            membership=request.membership, invitation=invitation, accept=accept
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("community_spaces")
    if accept:
        messages.success(request, _("Welcome to the space."))
        return redirect("community_space", invitation.space_id)
    messages.success(request, _("Invitation declined."))
    return redirect("community_spaces")


def _member_of_organization(request: MemberRequest, value: str) -> Membership | None:
    if not value.isdigit() or len(value) > 18:
        return None
    return (
        Membership.objects.filter(organization=request.organization, pk=int(value))
        .select_related("user")
        .first()
    )


@member_required
def space_settings(request: MemberRequest, space_id: int) -> HttpResponse:
    """The space's settings, members, invitations and linked sessions (moderators)."""
    access = readable_space(request, space_id)
    if not access.can_moderate:
        raise PermissionDenied(_("Only the space's moderators may do this."))
    space = access.space
    form = SpaceForm(
        request.POST if request.POST.get("action") == "update" else None,
        organization=request.organization,
        initial={
            "name": space.name,
            "description": space.description,
            "kind": space.kind,
            "visibility": space.visibility,
            "group": space.group,
            "topic": space.topic,
        },
    )
    status = 200
    if request.method == "POST":
        status = _settings_post(request, access.space, form)
        if status == 302:
            return redirect("community_space_settings", space.pk)
    return render(
        request,
        "community/space_settings.html",
        {
            "space": space,
            "form": form,
            "members": selectors.space_members(organization=request.organization, space=space),
            "invitations": selectors.space_invitations_pending(
                organization=request.organization, space=space
            ),
            "invitable": Membership.objects.filter(
                organization=request.organization, is_active=True
            )
            .exclude(space_memberships__space=space)
            .select_related("user")[:500],
            "linked": selectors.space_sessions_linked(
                organization=request.organization, space=space
            ),
            "sessions": selectors.sessions_to_link(organization=request.organization),
            "roles": SpaceRole.choices,
        },
        status=status,
    )


def _settings_post(request: MemberRequest, space: Space, form: SpaceForm) -> int:
    """Carry out one action of the settings page: 302 when done, 400 when refused."""
    action = request.POST.get("action", "")
    member = _member_of_organization(request, request.POST.get("member", ""))
    try:
        if action == "update":
            if not form.is_valid():
                return 400
            services.space_update(membership=request.membership, space=space, **form.cleaned_data)
            messages.success(request, _("Space saved."))
        elif action in ("archive", "restore"):
            services.space_archive(
                membership=request.membership, space=space, archived=action == "archive"
            )
            messages.success(
                request, _("Space archived.") if action == "archive" else _("Space restored.")
            )
        elif action in ("invite", "remove", "role"):
            if member is None:
                messages.error(request, _("Choose a member."))
                return 400
            if action == "invite":
                services.space_invite(membership=request.membership, space=space, invitee=member)
                messages.success(request, _("%(name)s is invited.") % {"name": member})
            elif action == "remove":
                services.space_member_remove(
                    membership=request.membership, space=space, member=member
                )
                messages.success(
                    request, _("%(name)s was removed from the space.") % {"name": member}
                )
            else:
                services.space_member_role_set(
                    membership=request.membership,
                    space=space,
                    member=member,
                    role=request.POST.get("role", ""),
                )
                messages.success(request, _("Role changed."))
        elif action in ("link", "unlink"):
            value = request.POST.get("session", "")
            session = (
                TrainingSession.objects.filter(
                    organization=request.organization, pk=int(value)
                ).first()
                if value.isdigit() and len(value) < 18
                else None
            )
            if session is None:
                messages.error(request, _("Choose a session."))
                return 400
            if action == "link":
                services.space_session_link(
                    membership=request.membership, space=space, session=session
                )
                messages.success(request, _("Session linked."))
            else:
                services.space_session_unlink(
                    membership=request.membership, space=space, session=session
                )
                messages.success(request, _("Session unlinked."))
        else:
            messages.error(request, _("Choose what to do."))
            return 400
    except ValidationError as error:
        if action == "update":
            _add_errors(form, error)
        else:
            messages.error(request, error_text(error))
        return 400
    return 302
