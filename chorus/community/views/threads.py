"""Pages of threads: start a thread or a win, read and reply, edit or delete one's own
message, react, report, and the moderators' actions on a thread and its messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.community.forms import EditForm, HideForm, ReplyForm, ReportForm, ThreadForm, WinForm
from chorus.community.models import EDIT_WINDOW_MINUTES, Message, Thread
from chorus.community.selectors.threads import (
    shares_for_win,
    thread_messages,
    win_figures,
)
from chorus.community.services import moderation, threads
from chorus.community.text import ComplianceStop
from chorus.community.views.common import (
    error_text,
    readable_message,
    readable_space,
    readable_thread,
)
from chorus.sharing.models import Share


def _refused(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
    elif hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _stopped(form: forms.Form, stop: ComplianceStop) -> dict[str, Any]:
    """The form again with the rules' findings; a warning offers "post anyway"."""
    if stop.blocked:
        form.add_error(None, _("A compliance rule blocks this text. Change it and try again."))
    return {"check": stop.result, "warned": not stop.blocked}


def _thread_url(thread: Thread, message: Message | None = None) -> str:
    url = reverse("community_thread", args=[thread.space_id, thread.pk])
    return f"{url}#message-{message.pk}" if message is not None else url


@member_required
def thread_new(request: MemberRequest, space_id: int) -> HttpResponse:
    access = readable_space(request, space_id)
    form = ThreadForm(request.POST if request.method == "POST" else None)
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            thread = threads.thread_create(
                membership=request.membership,
                space=access.space,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                confirmed=form.cleaned_data["confirm"],
            )
        except ComplianceStop as stop:
            extra = _stopped(form, stop)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Thread started."))
            return redirect(_thread_url(thread))
    return render(
        request,
        "community/thread_form.html",
        {"space": access.space, "access": access, "form": form, "win": False, **extra},
        status=400 if request.method == "POST" else 200,
    )


@member_required
def win_new(request: MemberRequest, space_id: int) -> HttpResponse:
    access = readable_space(request, space_id)
    own = shares_for_win(organization=request.organization, membership=request.membership)
    form = WinForm(request.POST if request.method == "POST" else None)
    form.fields["share"].choices = [  # type: ignore[attr-defined]
        (
            share.pk,
            f"{share.post.title} · {share.get_network_display()} · "
            f"{(share.shared_at or share.created_at):%Y-%m-%d}",
        )
        for share in own
    ]
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        share = Share.objects.filter(
            organization=request.organization, pk=form.cleaned_data["share"]
        ).first()
        try:
            if share is None:
                raise ValidationError({"share": [_("Choose one of your own shares.")]})
            thread = threads.win_create(
                membership=request.membership,
                space=access.space,
                share=share,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                confirmed=form.cleaned_data["confirm"],
            )
        except ComplianceStop as stop:
            extra = _stopped(form, stop)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Your win is shared with the space."))
            return redirect(_thread_url(thread))
    return render(
        request,
        "community/thread_form.html",
        {
            "space": access.space,
            "access": access,
            "form": form,
            "win": True,
            "no_shares": not own,
            **extra,
        },
        status=400 if request.method == "POST" else 200,
    )


@member_required
def thread_detail(request: MemberRequest, space_id: int, thread_id: int) -> HttpResponse:
    """The thread; a POST is a reply."""
    access, thread = readable_thread(request, space_id, thread_id)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            message = threads.reply_create(
                membership=request.membership,
                thread=thread,
                body=form.cleaned_data["body"],
                confirmed=form.cleaned_data["confirm"],
            )
        except ComplianceStop as stop:
            extra = _stopped(form, stop)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Reply posted."))
            return redirect(_thread_url(thread, message))
    if request.method != "POST":
        threads.thread_mark_read(membership=request.membership, thread=thread)
    views = thread_messages(
        organization=request.organization, thread=thread, membership=request.membership
    )
    for view in views:
        view.editable = threads.can_edit(  # type: ignore[attr-defined]
            membership=request.membership, message=view.message
        )
    return render(
        request,
        "community/thread.html",
        {
            "access": access,
            "space": access.space,
            "thread": thread,
            "views": views,
            "win": win_figures(organization=request.organization, thread=thread),
            "form": form,
            **extra,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@member_required
def thread_moderate(request: MemberRequest, space_id: int, thread_id: int) -> HttpResponse:
    """Lock, unlock, pin or unpin (moderators)."""
    access, thread = readable_thread(request, space_id, thread_id)
    if not access.can_moderate:
        raise PermissionDenied(_("Only the space's moderators may do this."))
    action = request.POST.get("action", "")
    if action in ("lock", "unlock"):
        moderation.thread_lock(
            membership=request.membership, thread=thread, locked=action == "lock"
        )
        messages.success(
            request, _("Thread locked.") if action == "lock" else _("Thread unlocked.")
        )
    elif action in ("pin", "unpin"):
        moderation.thread_pin(membership=request.membership, thread=thread, pinned=action == "pin")
        messages.success(
            request,
            _("Pinned as a best practice.") if action == "pin" else _("Thread unpinned."),
        )
    else:
        messages.error(request, _("Choose what to do."))
    return redirect(_thread_url(thread))


@member_required
def message_edit(
    request: MemberRequest, space_id: int, thread_id: int, message_id: int
) -> HttpResponse:
    access, thread, message = readable_message(request, space_id, thread_id, message_id)
    if message.author_id != request.membership.pk:
        raise PermissionDenied(_("You may change only your own messages."))
    form = EditForm(
        request.POST if request.method == "POST" else None,
        initial={"title": thread.title, "body": message.body},
    )
    if not message.opening:
        del form.fields["title"]
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        try:
            threads.message_edit(
                membership=request.membership,
                message=message,
                body=form.cleaned_data["body"],
                title=form.cleaned_data.get("title") if message.opening else None,
                confirmed=form.cleaned_data["confirm"],
            )
        except ComplianceStop as stop:
            extra = _stopped(form, stop)
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        else:
            messages.success(request, _("Message changed."))
            return redirect(_thread_url(thread, message))
    return render(
        request,
        "community/message_edit.html",
        {
            "space": access.space,
            "thread": thread,
            "message": message,
            "form": form,
            "minutes": EDIT_WINDOW_MINUTES,
            **extra,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@member_required
def message_delete(
    request: MemberRequest, space_id: int, thread_id: int, message_id: int
) -> HttpResponse:
    _access, thread, message = readable_message(request, space_id, thread_id, message_id)
    threads.message_delete(membership=request.membership, message=message)
    messages.success(request, _("Message deleted."))
    return redirect(_thread_url(thread, message))


@require_POST
@member_required
def message_react(
    request: MemberRequest, space_id: int, thread_id: int, message_id: int
) -> HttpResponse:
    _access, thread, message = readable_message(request, space_id, thread_id, message_id)
    try:
        threads.reaction_toggle(
            membership=request.membership,
            message=message,
            emoji=request.POST.get("reaction", "")[:20],
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect(_thread_url(thread, message))


@member_required
def message_report(
    request: MemberRequest, space_id: int, thread_id: int, message_id: int
) -> HttpResponse:
    access, thread, message = readable_message(request, space_id, thread_id, message_id)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.report_create(
                membership=request.membership,
                message=message,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Thank you. The moderators will look at it."))
            return redirect(_thread_url(thread, message))
    return render(
        request,
        "community/message_report.html",
        {"space": access.space, "thread": thread, "message": message, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@member_required
def message_moderate(
    request: MemberRequest, space_id: int, thread_id: int, message_id: int
) -> HttpResponse:
    """Hide with a reason, unhide, or dismiss the reports (moderators)."""
    access, thread, message = readable_message(request, space_id, thread_id, message_id)
    if not access.can_moderate:
        raise PermissionDenied(_("Only the space's moderators may do this."))
    action = request.POST.get("action", "hide")
    form = HideForm(request.POST if request.method == "POST" and action == "hide" else None)
    if request.method == "POST":
        if action == "unhide":
            moderation.message_unhide(membership=request.membership, message=message)
            messages.success(request, _("Message shown again."))
            return redirect(_thread_url(thread, message))
        if action == "dismiss":
            moderation.reports_dismiss(membership=request.membership, message=message)
            messages.success(request, _("Reports dismissed; the message stays."))
            if request.POST.get("next") == "queue":
                return redirect("community_moderation")
            return redirect(_thread_url(thread, message))
        if form.is_valid():
            try:
                moderation.message_hide(
                    membership=request.membership,
                    message=message,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Message hidden."))
                if request.POST.get("next") == "queue":
                    return redirect("community_moderation")
                return redirect(_thread_url(thread, message))
    return render(
        request,
        "community/message_hide.html",
        {"space": access.space, "thread": thread, "message": message, "form": form},
        status=400 if request.method == "POST" else 200,
    )
