"""Care pages: writing a reply (the panel on the conversation page posts here), the
approvers' queue, confirming a reply posted by hand, escalating to the support team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.care.access import care_require
from chorus.care.models import CareReply, Conversation, Message, ReplyMethod, ReplyStatus
from chorus.care.selectors import replies as selectors
from chorus.care.selectors.inbox import conversation_get, conversation_thread
from chorus.care.selectors.templates import template_of_organization
from chorus.care.services import escalation as escalation_services
from chorus.care.services import replies as services
from chorus.care.services.replies import MAX_REASON, MAX_TEXT, ReplyDraft
from chorus.care.services.templates import template_render
from chorus.training.selectors.gates import GateRefused


def _conversation(request: MemberRequest, conversation_id: int) -> Conversation:
    care_require(request.membership)
    try:
        return conversation_get(organization=request.organization, conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404 from None


def _reply(request: MemberRequest, reply_id: int) -> CareReply:
    reply = selectors.reply_of_organization(organization=request.organization, reply_id=reply_id)
    if reply is None:
        raise Http404
    return reply


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 18:
        return None
    return int(value)


def _compose_page(
    request: MemberRequest, conversation: Conversation, *, status: int = 200, **kept: Any
) -> HttpResponse:
    context = {
        "conversation": conversation,
        "thread": conversation_thread(conversation=conversation),
        "reply_text": "",
        "reply_template_id": None,
        "reply_errors": [],
        "care_gate": None,
        "max_text": MAX_TEXT,
    }
    context.update(kept)
    return render(request, "care/reply_compose.html", context, status=status)


@role_required()
def care_reply_compose(request: MemberRequest, conversation_id: int) -> HttpResponse:
    """GET: the composer on a page of its own (a template's text to edit: ?template=<id>).
    POST: send the reply; on any refusal the page comes back with the text kept."""
    conversation = _conversation(request, conversation_id)
    if request.method != "POST":
        template_id = _int(request.GET.get("template"))
        text = ""
        if template_id is not None:
            template = template_of_organization(
                organization=request.organization, template_id=template_id
            )
            if template is not None and template.is_active:
                text = template_render(
                    template=template, conversation=conversation, membership=request.membership
                )
            else:
                template_id = None
        return _compose_page(request, conversation, reply_text=text, reply_template_id=template_id)
    text = request.POST.get("text", "")
    template_id = _int(request.POST.get("template"))
    template = None
    if template_id is not None:
        template = template_of_organization(
            organization=request.organization, template_id=template_id
        )
    in_reply_to = None
    message_id = _int(request.POST.get("in_reply_to"))
    if message_id is not None:
        in_reply_to = Message.objects.filter(
            organization=request.organization, conversation=conversation, pk=message_id
        ).first()
    try:
        if template_id is not None and template is None:
            raise ValidationError(_("Choose one of the approved replies."))
        reply = services.reply_create(
            membership=request.membership,
            conversation=conversation,
            draft=ReplyDraft(text=text, template=template, in_reply_to=in_reply_to),
        )
    except GateRefused as refused:
        return _compose_page(
            request,
            conversation,
            status=403,
            reply_text=text,
            reply_template_id=template_id,
            care_gate=refused.verdict,
        )
    except ValidationError as error:
        return _compose_page(
            request,
            conversation,
            status=400,
            reply_text=text,
            reply_template_id=template_id,
            reply_errors=error.messages,
        )
    if reply.status == ReplyStatus.AWAITING_APPROVAL:
        messages.success(request, _("Your reply waits for an approver; you will be told."))
    elif reply.method == ReplyMethod.INTENT:
        messages.success(request, _("Now post your reply on the network, then confirm here."))
    else:
        messages.success(request, _("Your reply is being posted."))
    return redirect("care_conversation", conversation.pk)


@require_POST
@role_required()
def care_reply_posted(request: MemberRequest, reply_id: int) -> HttpResponse:
    """The member posted the reply on the network's page: record it (with its link)."""
    care_require(request.membership)
    reply = _reply(request, reply_id)
    if reply.membership_id != request.membership.pk:
        raise Http404
    url = request.POST.get("url", "")
    try:
        services.reply_confirm_posted(reply=reply, membership=request.membership, url=url)
    except ValidationError as error:
        return _compose_page(
            request,
            reply.conversation,
            status=400,
            reply_errors=error.messages,
            posted_url=url,
        )
    messages.success(request, _("Thank you: your reply is recorded as posted."))
    return redirect("care_conversation", reply.conversation_id)


# Approvers ---------------------------------------------------------------------------


def _approvals_page(request: MemberRequest, *, status: int = 200, **kept: Any) -> HttpResponse:
    queue = list(selectors.replies_awaiting_approval(organization=request.organization))
    context = {
        "queue": queue,
        "failed_id": None,
        "failed_errors": [],
        "failed_text": "",
        "failed_reason": "",
        "max_text": MAX_TEXT,
        "max_reason": MAX_REASON,
        "is_admin": request.membership.is_admin,
    }
    context.update(kept)
    return render(request, "care/approvals.html", context, status=status)


@require_GET
@role_required("approver")
def care_approvals(request: MemberRequest) -> HttpResponse:
    """Replies waiting for approval, each with its conversation, draft and verdict."""
    return _approvals_page(request)


@require_POST
@role_required("approver")
def care_reply_approve(request: MemberRequest, reply_id: int) -> HttpResponse:
    reply = _reply(request, reply_id)
    text = request.POST.get("text")
    try:
        services.reply_approve(reply=reply, approver=request.membership, text=text)
    except ValidationError as error:
        return _approvals_page(
            request,
            status=400,
            failed_id=reply.pk,
            failed_errors=error.messages,
            failed_text=text or "",
        )
    messages.success(request, _("Approved: the reply goes out and your colleague is told."))
    return redirect("care_approvals")


@require_POST
@role_required("approver")
def care_reply_return(request: MemberRequest, reply_id: int) -> HttpResponse:
    reply = _reply(request, reply_id)
    reason = request.POST.get("reason", "")
    try:
        services.reply_return(reply=reply, approver=request.membership, reason=reason)
    except ValidationError as error:
        return _approvals_page(
            request,
            status=400,
            failed_id=reply.pk,
            failed_errors=error.messages,
            failed_reason=reason,
        )
    messages.success(request, _("Returned: your colleague sees your reason and can rewrite it."))
    return redirect("care_approvals")


# Escalation ---------------------------------------------------------------------------


@role_required()
def care_escalate(request: MemberRequest, conversation_id: int) -> HttpResponse:
    """GET: the note to the support team. POST: hand the conversation over."""
    conversation = _conversation(request, conversation_id)
    note = request.POST.get("note", "") if request.method == "POST" else ""
    errors: list[str] = []
    if request.method == "POST":
        try:
            escalation_services.conversation_escalate(
                conversation=conversation, membership=request.membership, note=note
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Handed over to the support team, with the whole thread."))
            return redirect("care_conversation", conversation.pk)
    return render(
        request,
        "care/reply_escalate.html",
        {
            "conversation": conversation,
            "note": note,
            "errors": errors,
            "max_note": escalation_services.MAX_NOTE,
        },
        status=400 if errors else 200,
    )
