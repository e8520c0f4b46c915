"""The care API: the inbox (filters, keyset pages), a conversation with its thread, and
working it (claim, release, status, priority, tags, assign, notes). Care members only:
care staff, and members who opted in to answer customers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.care.access import care_require, is_care_staff
from chorus.care.models import Conversation, ConversationStatus, Priority
from chorus.care.selectors import inbox as selectors
from chorus.care.services import inbox as services

router = Router(tags=["care"])


class CareConversationOut(Schema):
    id: int
    subject: str
    customer_handle: str
    customer_name: str
    customer_url: str
    network: str
    language: str
    status: str
    priority: str
    origin: str
    tag_ids: list[int]
    assignee_id: int | None
    claimed_by_id: int | None
    claim_expires_at: datetime | None
    opened_at: datetime
    last_message_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None


class CareConversationPage(Schema):
    items: list[CareConversationOut]
    after: str | None = Field(description="Pass as `after` for the next (older) page")


class CareMessageOut(Schema):
    id: int
    direction: str = Field(description="in (the customer), out (our reply), note (internal)")
    author_handle: str
    author_name: str
    membership_id: int | None
    text: str
    remote_url: str
    posted_at: datetime


class CareConversationDetail(CareConversationOut):
    messages: list[CareMessageOut]


class CareInboxFilters(Input):
    status: str = Field(default="open", description="open, all, or a status")
    priority: str = ""
    tag: int | None = Field(default=None, ge=1)
    network: str = Field(default="", max_length=20)
    language: str = Field(default="", max_length=10)
    assignee: str = Field(default="anyone", description="anyone, mine, unassigned, a member id")
    source: str = Field(default="", max_length=20)
    q: str = Field(default="", max_length=200)
    breaching: bool = False
    order: str = Field(default="newest", description="newest or urgent")
    after: str = Field(default="", max_length=100)
    limit: int = Field(default=50, ge=1, le=200)


class CareClaimIn(Input):
    take_over: bool = Field(default=False, description="Care staff: take someone's claim over")


class CareReleaseIn(Input):
    unassign: bool = Field(default=False, description="Give it back to the pool")


class CareStatusIn(Input):
    status: ConversationStatus


class CarePriorityIn(Input):
    priority: Priority


class CareTagsIn(Input):
    tag_ids: list[Id] = Field(default_factory=list, max_length=100)


class CareAssignIn(Input):
    assignee_id: Id | None = Field(default=None, description="None: back to the pool")


class CareNoteIn(Input):
    text: str = Field(min_length=1, max_length=5000)


def _out(conversation: Conversation) -> CareConversationOut:
    return CareConversationOut(
        id=conversation.pk,
        subject=conversation.subject,
        customer_handle=conversation.customer_handle,
        customer_name=conversation.customer_name,
        customer_url=conversation.customer_url,
        network=conversation.network,
        language=conversation.language,
        status=conversation.status,
        priority=conversation.priority,
        origin=conversation.origin,
        tag_ids=[tag.pk for tag in conversation.tags.all()],
        assignee_id=conversation.assignee_id,
        claimed_by_id=conversation.claimed_by_id,
        claim_expires_at=conversation.claim_expires_at,
        opened_at=conversation.opened_at,
        last_message_at=conversation.last_message_at,
        first_response_due=conversation.first_response_due,
        resolution_due=conversation.resolution_due,
    )


def _detail(conversation: Conversation) -> CareConversationDetail:
    thread = selectors.conversation_thread(conversation=conversation)
    return CareConversationDetail(
        **_out(conversation).dict(),
        messages=[
            CareMessageOut(
                id=message.pk,
                direction=message.direction,
                author_handle=message.author_handle,
                author_name=message.author_name,
                membership_id=message.membership_id,
                text=message.text,
                remote_url=message.remote_url,
                posted_at=message.posted_at,
            )
            for message in thread
        ],
    )


def _care_member(request: HttpRequest) -> Membership:
    caller = calling_member(request)
    care_require(caller)
    return caller


def _conversation(caller: Membership, conversation_id: int) -> Conversation:
    try:
        return selectors.conversation_get(
            organization=caller.organization, conversation_id=conversation_id
        )
    except Conversation.DoesNotExist:
        raise Http404("No such conversation.") from None


@router.get(
    "/care/inbox",
    response={200: CareConversationPage, 403: Error},
    summary="The care inbox",
    description="Care members: conversations with the inbox's filters, newest or urgent first.",
)
@api_roles()
def care_conversation_list(
    request: HttpRequest, filters: Query[CareInboxFilters]
) -> CareConversationPage:
    caller = _care_member(request)
    given = filters.dict()
    after = given.pop("after") or None
    limit = given.pop("limit")
    if given.get("tag") is None:
        given.pop("tag", None)
    parsed = selectors.InboxFilters.from_query(
        {
            key: ("1" if value is True else "" if value is False else value)
            for key, value in given.items()
        }
    )
    page = selectors.inbox_page(membership=caller, filters=parsed, after=after, limit=limit)
    return CareConversationPage(
        items=[_out(row.conversation) for row in page.rows], after=page.after
    )


@router.get(
    "/care/conversations/{conversation_id}",
    response={200: CareConversationDetail, 403: Error, 404: Error},
    summary="A conversation and its thread",
)
@api_roles()
def care_conversation_get(request: HttpRequest, conversation_id: PathId) -> CareConversationDetail:
    caller = _care_member(request)
    return _detail(_conversation(caller, conversation_id))


@router.post(
    "/care/conversations/{conversation_id}/claim",
    response={200: CareConversationOut, 403: Error, 404: Error, 422: Error},
    summary="Claim a conversation to answer it",
    description="422 names who is answering it when someone else holds a live claim.",
)
@api_roles()
def care_conversation_claim(
    request: HttpRequest, conversation_id: PathId, payload: CareClaimIn
) -> CareConversationOut:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    claimed = services.conversation_claim(
        conversation=conversation, membership=caller, take_over=payload.take_over
    )
    return _out(claimed)


@router.post(
    "/care/conversations/{conversation_id}/release",
    response={200: CareConversationOut, 403: Error, 404: Error, 422: Error},
    summary="Release a claimed conversation",
)
@api_roles()
def care_conversation_release(
    request: HttpRequest, conversation_id: PathId, payload: CareReleaseIn
) -> CareConversationOut:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    released = services.conversation_release(
        conversation=conversation, membership=caller, unassign=payload.unassign
    )
    return _out(released)


@router.post(
    "/care/conversations/{conversation_id}/status",
    response={200: CareConversationOut, 403: Error, 404: Error, 422: Error},
    summary="Change a conversation's status (close, reopen, ...)",
)
@api_roles()
def care_conversation_status(
    request: HttpRequest, conversation_id: PathId, payload: CareStatusIn
) -> CareConversationOut:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    services.conversation_status_set(
        conversation=conversation, membership=caller, status=payload.status
    )
    return _out(conversation)


@router.post(
    "/care/conversations/{conversation_id}/priority",
    response={200: CareConversationOut, 403: Error, 404: Error, 422: Error},
    summary="Change a conversation's priority (its targets follow)",
)
@api_roles()
def care_conversation_priority(
    request: HttpRequest, conversation_id: PathId, payload: CarePriorityIn
) -> CareConversationOut:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    services.conversation_priority_set(
        conversation=conversation, membership=caller, priority=payload.priority
    )
    return _out(conversation)


@router.put(
    "/care/conversations/{conversation_id}/tags",
    response={200: CareConversationOut, 403: Error, 404: Error, 422: Error},
    summary="Set a conversation's product tags",
)
@api_roles()
def care_conversation_tags(
    request: HttpRequest, conversation_id: PathId, payload: CareTagsIn
) -> CareConversationOut:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    services.conversation_tags_set(
        conversation=conversation, membership=caller, tag_ids=list(payload.tag_ids)
    )
    return _out(conversation)


@router.post(
    "/care/conversations/{conversation_id}/assign",
    response={200: CareConversationOut, 403: Error, 404: Error, 422: Error},
    summary="Assign a conversation by hand",
    description="Care staff: to an agent who is cleared, on duty and at work, or to nobody.",
)
@api_roles()
def care_conversation_assign(
    request: HttpRequest, conversation_id: PathId, payload: CareAssignIn
) -> CareConversationOut:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    if not is_care_staff(caller):
        raise PermissionDenied("Only care staff assign conversations.")
    assignee = None
    if payload.assignee_id is not None:
        assignee = Membership.objects.filter(
            organization_id=caller.organization_id, pk=payload.assignee_id
        ).first()
        if assignee is None:
            raise ValidationError({"assignee_id": [_("Choose a member of your organization.")]})
    services.conversation_assign(conversation=conversation, membership=caller, assignee=assignee)
    return _out(conversation)


@router.post(
    "/care/conversations/{conversation_id}/notes",
    response={201: CareMessageOut, 403: Error, 404: Error, 422: Error},
    summary="Add an internal note",
)
@api_roles()
def care_conversation_note(
    request: HttpRequest, conversation_id: PathId, payload: CareNoteIn
) -> Status[CareMessageOut]:
    caller = _care_member(request)
    conversation = _conversation(caller, conversation_id)
    note = services.conversation_note_add(
        conversation=conversation, membership=caller, text=payload.text
    )
    return Status(
        201,
        CareMessageOut(
            id=note.pk,
            direction=note.direction,
            author_handle=note.author_handle,
            author_name=note.author_name,
            membership_id=note.membership_id,
            text=note.text,
            remote_url=note.remote_url,
            posted_at=note.posted_at,
        ),
    )
