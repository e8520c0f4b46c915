"""The care API: replies to customers (write, list, approve or return, confirm one posted by
hand) and escalating a conversation to the support team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.care.access import care_require, is_care_staff
from chorus.care.models import CareReply, Conversation, Message, ReplyStatus
from chorus.care.selectors import replies as selectors
from chorus.care.selectors.inbox import conversation_get
from chorus.care.selectors.templates import template_of_organization
from chorus.care.services import escalation as escalation_services
from chorus.care.services import replies as services
from chorus.care.services.publishing import reply_intent_link
from chorus.core.validators import WebURLOrBlank

router = Router(tags=["care"])

STATUSES = ", ".join(ReplyStatus.values)


class CareReplyOut(Schema):
    id: int
    conversation_id: int
    in_reply_to_id: int | None
    member_id: int
    template_id: int | None
    template_unchanged: bool = Field(description="Sent as the template rendered it")
    text: str
    network: str
    method: str = Field(description="api (Chorus posts it) or intent (the member does)")
    status: str = Field(description=STATUSES)
    compliance: dict[str, Any] = Field(description="The compliance verdict when written")
    return_reason: str
    error_message: str
    intent_url: str = Field(description="Where the member posts it by hand (status manual)")
    remote_url: str
    created_at: datetime
    published_at: datetime | None


class CareReplyIn(Input):
    text: str = Field(min_length=1, max_length=services.MAX_TEXT)
    template_id: Id | None = Field(
        default=None, description="The approved reply it starts from (unchanged: no approval)"
    )
    in_reply_to_id: Id | None = Field(
        default=None, description="The message answered (default: the customer's latest)"
    )


class CareReplyApproveIn(Input):
    text: str | None = Field(
        default=None, max_length=services.MAX_TEXT, description="The approver's edited text"
    )


class CareReplyReturnIn(Input):
    reason: str = Field(min_length=1, max_length=services.MAX_REASON)


class CareReplyPostedIn(Input):
    url: WebURLOrBlank = ""


class CareEscalateIn(Input):
    note: str = Field(default="", max_length=escalation_services.MAX_NOTE)


class CareEscalationOut(Schema):
    conversation_id: int
    status: str
    escalated_at: datetime | None
    escalation_error: str


class CareReplyFilters(Input):
    status: ReplyStatus | None = None
    mine: bool = False


def _out(reply: CareReply) -> CareReplyOut:
    return CareReplyOut(
        id=reply.pk,
        conversation_id=reply.conversation_id,
        in_reply_to_id=reply.in_reply_to_id,
        member_id=reply.membership_id,
        template_id=reply.template_id,
        template_unchanged=reply.template_unchanged,
        text=reply.text,
        network=reply.network,
        method=reply.method,
        status=reply.status,
        compliance=dict(reply.compliance or {}),
        return_reason=reply.return_reason,
        error_message=reply.error_message,
        intent_url=reply_intent_link(reply) if reply.status == ReplyStatus.MANUAL else "",
        remote_url=reply.remote_url,
        created_at=reply.created_at,
        published_at=reply.published_at,
    )


def _conversation(caller: Membership, conversation_id: int) -> Conversation:
    try:
        conversation = conversation_get(
            organization=caller.organization, conversation_id=conversation_id
        )
    except Conversation.DoesNotExist:
        raise Http404("No such conversation.") from None
    care_require(caller)
    return conversation


def _reply(caller: Membership, reply_id: int) -> CareReply:
    reply = selectors.reply_of_organization(organization=caller.organization, reply_id=reply_id)
    if reply is None:
        raise Http404("No such reply.")
    return reply


@router.post(
    "/care/conversations/{conversation_id}/replies",
    response={201: CareReplyOut, 403: Error, 404: Error, 422: Error},
    summary="Reply to a customer",
    description=(
        "Care members holding the care certification (403 with the gates' reasons if not) "
        "and not locked out by someone else's claim. A template's text unchanged goes out "
        "at once (status queued, or manual where the member posts it by hand); other words "
        "wait for an approver (awaiting_approval) unless the member is trusted."
    ),
)
@api_roles()
def care_reply_create(
    request: HttpRequest, conversation_id: PathId, payload: CareReplyIn
) -> Status[CareReplyOut]:
    caller = calling_member(request)
    conversation = _conversation(caller, conversation_id)
    template = None
    if payload.template_id is not None:
        template = template_of_organization(
            organization=caller.organization, template_id=payload.template_id
        )
        if template is None:
            raise Http404("No such template.")
    in_reply_to = None
    if payload.in_reply_to_id is not None:
        in_reply_to = Message.objects.filter(
            organization=caller.organization, conversation=conversation, pk=payload.in_reply_to_id
        ).first()
        if in_reply_to is None:
            raise Http404("No such message in this conversation.")
    reply = services.reply_create(
        membership=caller,
        conversation=conversation,
        draft=services.ReplyDraft(text=payload.text, template=template, in_reply_to=in_reply_to),
    )
    return Status(201, _out(reply))


@router.get(
    "/care/conversations/{conversation_id}/replies",
    response={200: list[CareReplyOut], 403: Error, 404: Error},
    summary="A conversation's replies",
    description="Care members: newest first.",
)
@api_roles()
def care_reply_list_of_conversation(
    request: HttpRequest, conversation_id: PathId
) -> list[CareReplyOut]:
    caller = calling_member(request)
    conversation = _conversation(caller, conversation_id)
    return [_out(reply) for reply in selectors.replies_of_conversation(conversation=conversation)]


@router.get(
    "/care/replies",
    response={200: list[CareReplyOut], 403: Error},
    summary="Replies",
    description=(
        f"Care staff see every reply, other members their own; by status ({STATUSES}); "
        "the latest 200."
    ),
)
@api_roles()
def care_reply_list(request: HttpRequest, filters: Query[CareReplyFilters]) -> list[CareReplyOut]:
    caller = calling_member(request)
    care_require(caller)
    mine = filters.mine or not is_care_staff(caller)
    found = selectors.replies_of_organization(
        organization=caller.organization,
        status=filters.status or "",
        membership=caller if mine else None,
    )
    return [_out(reply) for reply in found[:200]]


@router.get(
    "/care/replies/{reply_id}",
    response={200: CareReplyOut, 403: Error, 404: Error},
    summary="A reply",
)
@api_roles()
def care_reply_get(request: HttpRequest, reply_id: PathId) -> CareReplyOut:
    caller = calling_member(request)
    reply = _reply(caller, reply_id)
    care_require(caller)
    return _out(reply)


@router.post(
    "/care/replies/{reply_id}/approve",
    response={200: CareReplyOut, 404: Error, 422: Error},
    summary="Approve a reply",
    description=(
        "Approvers: as written or with `text` edited (checked again; a text the rules block "
        "is refused). Not one's own reply, unless admin."
    ),
)
@api_roles("approver")
def care_reply_approve(
    request: HttpRequest, reply_id: PathId, payload: CareReplyApproveIn
) -> CareReplyOut:
    caller = calling_member(request)
    reply = services.reply_approve(
        reply=_reply(caller, reply_id), approver=caller, text=payload.text
    )
    return _out(reply)


@router.post(
    "/care/replies/{reply_id}/return",
    response={200: CareReplyOut, 404: Error, 422: Error},
    summary="Return a reply",
    description="Approvers: back to its writer with a reason they see.",
)
@api_roles("approver")
def care_reply_return(
    request: HttpRequest, reply_id: PathId, payload: CareReplyReturnIn
) -> CareReplyOut:
    caller = calling_member(request)
    reply = services.reply_return(
        reply=_reply(caller, reply_id), approver=caller, reason=payload.reason
    )
    return _out(reply)


@router.post(
    "/care/replies/{reply_id}/posted",
    response={200: CareReplyOut, 403: Error, 404: Error, 422: Error},
    summary="Confirm a reply posted by hand",
    description="The writer posted it on the network's page (status manual): published.",
)
@api_roles()
def care_reply_posted(
    request: HttpRequest, reply_id: PathId, payload: CareReplyPostedIn
) -> CareReplyOut:
    caller = calling_member(request)
    reply = _reply(caller, reply_id)
    if reply.membership_id != caller.pk:
        raise PermissionDenied("Only the member who wrote the reply confirms it.")
    return _out(services.reply_confirm_posted(reply=reply, membership=caller, url=payload.url))


@router.post(
    "/care/conversations/{conversation_id}/escalate",
    response={200: CareEscalationOut, 403: Error, 404: Error, 422: Error},
    summary="Hand a conversation to the support team",
    description=(
        "The assignee or care staff: the whole thread goes to the support team's email "
        "and/or signed webhook (retried until delivered). 422 when none is set up."
    ),
)
@api_roles()
def care_conversation_escalate(
    request: HttpRequest, conversation_id: PathId, payload: CareEscalateIn
) -> CareEscalationOut:
    caller = calling_member(request)
    conversation = escalation_services.conversation_escalate(
        conversation=_conversation(caller, conversation_id), membership=caller, note=payload.note
    )
    conversation.refresh_from_db()
    return CareEscalationOut(
        conversation_id=conversation.pk,
        status=conversation.status,
        escalated_at=conversation.escalated_at,
        escalation_error=conversation.escalation_error,
    )
