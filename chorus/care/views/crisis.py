"""Care pages: crisis. Anyone in the program flags a potential crisis (from any page, or a
conversation); admins and curators see the flags and resolve them; admins pause all
sharing and resume it, choosing which held shares to cancel."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.care.models import Conversation
from chorus.care.selectors import crisis as selectors
from chorus.care.services import crisis as services
from chorus.core.validators import MAX_URL_LENGTH
from chorus.sharing.models import AutoShare, Share
from chorus.sharing.selectors.pause import shares_held
from chorus.sharing.services import pause as pause_services


class CrisisFlagForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is happening?"),
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "A few words are enough: what you saw, where, and why it worries you."
        ),
    )
    link = forms.CharField(
        label=gettext_lazy("Link (optional)"),
        required=False,
        max_length=MAX_URL_LENGTH,
        widget=forms.URLInput,
        help_text=gettext_lazy("Where it is happening: a post, an article (https://…)."),
    )
    page = forms.CharField(required=False, max_length=services.MAX_PAGE, widget=forms.HiddenInput)
    conversation = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CrisisResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("How was it resolved?"), max_length=services.MAX_RESOLUTION
    )


class SharingPauseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is sharing paused?"),
        max_length=pause_services.MAX_REASON,
        help_text=gettext_lazy("Members read it on every share button while sharing is paused."),
    )


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _conversation(request: MemberRequest, value: Any) -> Conversation | None:
    """The conversation a flag is raised from: 404 for one that is not the organization's
    (or a member who does not work in care)."""
    if value in (None, ""):
        return None
    try:
        conversation_id = int(value)
    except (TypeError, ValueError):
        raise Http404("No such conversation.") from None
    found = selectors.crisis_conversation(
        organization=request.organization, conversation_id=conversation_id
    )
    if found is None:
        raise Http404("No such conversation.")
    return found


@member_required
def care_crisis_flag(request: MemberRequest) -> HttpResponse:
    """Flag a potential crisis: what is happening, an optional link. Reached from the app
    shell on every page (it carries the page) and from conversations."""
    if not services.crisis_may_flag(request.membership):
        raise PermissionDenied(_("Join the advocacy program to flag a potential crisis."))
    source = request.POST if request.method == "POST" else request.GET
    conversation = _conversation(request, source.get("conversation"))
    page = services.crisis_page_clean(str(source.get("page") or source.get("from") or ""))
    form = CrisisFlagForm(
        request.POST if request.method == "POST" else None,
        initial={"page": page, "conversation": conversation.pk if conversation else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.crisis_flag(
                membership=request.membership,
                description=form.cleaned_data["description"],
                link=form.cleaned_data["link"],
                page=page,
                conversation=conversation,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. The communications team has been told and will look at it now."),
            )
            return redirect(page or "home")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "care/crisis_flag.html",
        {"form": form, "page": page, "conversation": conversation},
        status=status,
    )


def _list_context(request: MemberRequest) -> dict[str, Any]:
    organization = request.organization
    return {
        "open_flags": list(selectors.crisis_flags(organization=organization, resolved=False)),
        "resolved_flags": list(
            selectors.crisis_flags(organization=organization, resolved=True)[
                : selectors.RESOLVED_SHOWN
            ]
        ),
        "pause_form": SharingPauseForm(),
        "resolve_form": CrisisResolveForm(),
    }


@role_required("curator")
def care_crisis_list(request: MemberRequest) -> HttpResponse:
    """Open and resolved flags for the communications team, and the sharing switch."""
    return render(request, "care/crisis_list.html", _list_context(request))


@require_POST
@role_required("curator")
def care_crisis_resolve(request: MemberRequest, crisis_flag_id: int) -> HttpResponse:
    flag = selectors.crisis_flag_get(organization=request.organization, flag_id=crisis_flag_id)
    if flag is None:
        raise Http404("No such flag.")
    form = CrisisResolveForm(request.POST)
    if form.is_valid():
        try:
            services.crisis_resolve(
                flag=flag,
                membership=request.membership,
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The flag is resolved."))
            return redirect("care_crisis_list")
    context = _list_context(request) | {"resolve_form": form, "resolving": flag.pk}
    return render(request, "care/crisis_list.html", context, status=400)


def _pause_context(request: MemberRequest, **extra: Any) -> dict[str, Any]:
    organization = request.organization
    return {
        "organization": organization,
        "held": shares_held(organization=organization),
        "pause_form": SharingPauseForm(),
        "cancel_shares": set(),
        "cancel_auto_shares": set(),
        **extra,
    }


@role_required("admin")
def care_crisis_pause(request: MemberRequest) -> HttpResponse:
    """Pause all sharing with a reason; while paused, what is held and the resume form."""
    if request.method == "POST":
        form = SharingPauseForm(request.POST)
        if form.is_valid():
            try:
                pause_services.sharing_pause(
                    organization=request.organization,
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Sharing is paused. Scheduled shares and auto-share are held until "
                        "you resume."
                    ),
                )
                return redirect("care_crisis_pause")
        return render(
            request, "care/crisis_pause.html", _pause_context(request, pause_form=form), status=400
        )
    return render(request, "care/crisis_pause.html", _pause_context(request))


def _ids(request: MemberRequest, name: str) -> list[int] | None:
    try:
        return [int(value) for value in request.POST.getlist(name)]
    except ValueError:
        return None


@require_POST
@role_required("admin")
def care_crisis_resume(request: MemberRequest) -> HttpResponse:
    """Resume sharing: release what was held, cancel the ones ticked."""
    share_ids = _ids(request, "cancel_share")
    auto_ids = _ids(request, "cancel_auto_share")
    if share_ids is None or auto_ids is None:
        return HttpResponseBadRequest(_("Choose the shares to cancel from the list."))
    organization = request.organization
    # Another organization's ids are not found (404); ours no longer held are left alone.
    if len(set(share_ids)) != Share.objects.filter(
        organization=organization, pk__in=share_ids
    ).count() or len(set(auto_ids)) != (
        AutoShare.objects.filter(organization=organization, pk__in=auto_ids).count()
    ):
        raise Http404("No such share.")
    if not organization.sharing_paused:
        messages.error(request, _("Sharing is not paused."))
        return redirect("care_crisis_pause")
    try:
        done = pause_services.sharing_resume(
            organization=organization,
            actor=request.user,  # type: ignore[arg-type]
            cancel_share_ids=share_ids,
            cancel_auto_share_ids=auto_ids,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("care_crisis_pause")
    messages.success(
        request,
        _("Sharing resumed.")
        + " "
        + ngettext(
            "%(count)d held share is published now.",
            "%(count)d held shares are published now.",
            done.released,
        )
        % {"count": done.released}
        + " "
        + ngettext(
            "%(count)d cancelled.",
            "%(count)d cancelled.",
            done.cancelled + done.auto_shares_cancelled,
        )
        % {"count": done.cancelled + done.auto_shares_cancelled},
    )
    return redirect("care_crisis_pause")
