"""The community API: spaces (list, create, read, join, leave, remove a member), threads
(keyset pages, start one or a win, read one, reply), reactions, reports, and moderation
(hide, unhide, lock, pin, the queue). Spaces a member may not read are 404s, like another
organization's ids; moderating without being a moderator is a 403."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Id, Input, PathId
from chorus.community.access import SpaceAccess
from chorus.community.models import (
    MAX_BODY,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_NOTE,
    MAX_REASON,
    MAX_TITLE,
    Message,
    Thread,
)
from chorus.community.selectors import spaces as space_selectors
from chorus.community.selectors.moderation import is_moderator_anywhere, moderation_queue
from chorus.community.selectors.threads import (
    message_find,
    thread_find,
    thread_messages,
    thread_page,
    win_figures,
)
from chorus.community.services import moderation, spaces, threads
from chorus.community.text import ComplianceStop
from chorus.sharing.models import Share

router = Router(tags=["community"])

ReactionName = Literal["thumbs_up", "party", "idea", "heart"]
ReportReasonName = Literal["spam", "offensive", "confidential", "misleading", "other"]


class SpaceOut(Schema):
    id: int
    name: str
    description: str
    kind: str = Field(description="topic, region or cohort")
    visibility: str = Field(description="open or invite_only")
    archived: bool
    is_member: bool
    can_moderate: bool


class SpaceIn(Input):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    kind: Literal["topic", "region", "cohort"] = "topic"
    visibility: Literal["open", "invite_only"] = "open"


class SpaceThreadOut(Schema):
    id: int
    title: str
    kind: str = Field(description="discussion or win")
    author: str
    pinned: bool = Field(description="A best-practice thread, listed first")
    locked: bool
    reply_count: int
    last_activity_at: datetime
    unread: bool


class SpaceThreadPage(Schema):
    pinned: list[SpaceThreadOut] = Field(description="Pinned threads, on the first page only")
    threads: list[SpaceThreadOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end")


class SpaceThreadIn(Input):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    confirm: bool = Field(False, description="Post anyway despite rules that warn")
    share_id: Id | None = Field(None, description="For a win: one of the caller's own shares")


class SpaceReplyIn(Input):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    confirm: bool = Field(False, description="Post anyway despite rules that warn")


class SpaceFinding(Schema):
    action: str = Field(description="block or warn")
    message: str


class SpaceRefusal(Schema):
    detail: str
    findings: list[SpaceFinding]


class SpaceReactionOut(Schema):
    reaction: str
    count: int
    mine: bool


class SpaceMessageOut(Schema):
    id: int
    author: str
    opening: bool
    body: str = Field(description="Empty when deleted, or hidden and the caller no moderator")
    created_at: datetime
    edited: bool
    deleted: bool
    hidden: bool
    hidden_reason: str = Field(description="For moderators only; empty otherwise")
    reactions: list[SpaceReactionOut]


class SpaceWinOut(Schema):
    share_id: int
    post_title: str
    network: str
    text: str
    clicks: int
    unique_visitors: int
    reactions: int | None
    reposts: int | None


class SpaceThreadDetail(SpaceThreadOut):
    messages: list[SpaceMessageOut]
    win: SpaceWinOut | None


class SpaceReactionIn(Input):
    reaction: ReactionName


class SpaceReactionToggled(Schema):
    added: bool


class SpaceReportIn(Input):
    reason: ReportReasonName
    note: str = Field("", max_length=MAX_NOTE)


class SpaceReportOut(Schema):
    id: int


class SpaceHideIn(Input):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class SpaceLockIn(Input):
    locked: bool


class SpacePinIn(Input):
    pinned: bool


class SpaceQueueReport(Schema):
    reason: str
    note: str
    reporter: str


class SpaceQueueItem(Schema):
    space_id: int
    thread_id: int
    message_id: int
    body: str
    reports: list[SpaceQueueReport]


def _access(request: HttpRequest, space_id: int) -> tuple[Membership, SpaceAccess]:
    caller = calling_member(request)
    access = space_selectors.space_readable(
        organization=caller.organization, membership=caller, space_id=space_id
    )
    if access is None:
        raise Http404("No such space.")
    return caller, access


def _thread(
    request: HttpRequest, space_id: int, thread_id: int
) -> tuple[Membership, SpaceAccess, Thread]:
    caller, access = _access(request, space_id)
    thread = thread_find(organization=caller.organization, space=access.space, thread_id=thread_id)
    if thread is None:
        raise Http404("No such thread.")
    return caller, access, thread


def _message(
    request: HttpRequest, space_id: int, thread_id: int, message_id: int
) -> tuple[Membership, SpaceAccess, Thread, Message]:
    caller, access, thread = _thread(request, space_id, thread_id)
    message = message_find(organization=caller.organization, thread=thread, message_id=message_id)
    if message is None:
        raise Http404("No such message.")
    return caller, access, thread, message


def _space_out(access: SpaceAccess) -> SpaceOut:
    space = access.space
    return SpaceOut(
        id=space.pk,
        name=space.name,
        description=space.description,
        kind=space.kind,
        visibility=space.visibility,
        archived=space.archived_at is not None,
        is_member=access.is_member,
        can_moderate=access.can_moderate,
    )


def _thread_out(thread: Thread) -> SpaceThreadOut:
    return SpaceThreadOut(
        id=thread.pk,
        title=thread.title,
        kind=thread.kind,
        author=str(thread.author.user) if thread.author is not None else "",
        pinned=thread.pinned,
        locked=thread.is_locked,
        reply_count=thread.reply_count,
        last_activity_at=thread.last_activity_at,
        unread=bool(getattr(thread, "unread", False)),
    )


def _refusal(stop: ComplianceStop) -> SpaceRefusal:
    detail = (
        _("A compliance rule blocks this text.")
        if stop.blocked
        else _("A compliance rule warns about this text: send it again with confirm to post.")
    )
    return SpaceRefusal(
        detail=detail,
        findings=[SpaceFinding(action=f.action, message=f.message) for f in stop.findings],
    )


@router.get("/spaces", response=list[SpaceOut], summary="The spaces the caller may read")
@api_roles()
def spaces_list(request: HttpRequest) -> list[SpaceOut]:
    caller = calling_member(request)
    page = space_selectors.spaces_for(organization=caller.organization, membership=caller)
    rows = [*page.mine, *page.to_join, *page.archived]
    return [
        _space_out(SpaceAccess(space=row.space, membership=caller, space_member=row.space_member))
        for row in rows
    ]


@router.post(
    "/spaces",
    response={201: SpaceOut, 422: Error},
    summary="Create a space (curators, trainers, admins); the caller moderates it",
)
@api_roles("curator", "trainer")
def space_create(request: HttpRequest, payload: SpaceIn) -> Status[SpaceOut]:
    caller = calling_member(request)
    space = spaces.space_create(
        membership=caller,
        name=payload.name,
        description=payload.description,
        kind=payload.kind,
        visibility=payload.visibility,
    )
    _caller, access = _access(request, space.pk)
    return Status(201, _space_out(access))


@router.get("/spaces/{space_id}", response=SpaceOut, summary="One space")
@api_roles()
def space_get(request: HttpRequest, space_id: PathId) -> SpaceOut:
    return _space_out(_access(request, space_id)[1])


@router.post(
    "/spaces/{space_id}/join",
    response={200: SpaceOut, 403: Error, 422: Error},
    summary="Join an open space",
)
@api_roles()
def space_join(request: HttpRequest, space_id: PathId) -> SpaceOut:
    caller, access = _access(request, space_id)
    spaces.space_join(membership=caller, space=access.space)
    return _space_out(_access(request, space_id)[1])


@router.post("/spaces/{space_id}/leave", response={204: None}, summary="Leave a space")
@api_roles()
def space_leave(request: HttpRequest, space_id: PathId) -> Status[None]:
    caller, access = _access(request, space_id)
    spaces.space_leave(membership=caller, space=access.space)
    return Status(204, None)


@router.delete(
    "/spaces/{space_id}/members/{member_id}",
    response={204: None, 403: Error, 422: Error},
    summary="Remove a member from a space (its moderators); they are told. Audited.",
)
@api_roles()
def space_member_remove(request: HttpRequest, space_id: PathId, member_id: PathId) -> Status[None]:
    caller, access = _access(request, space_id)
    member = Membership.objects.filter(organization=caller.organization, pk=member_id).first()
    if member is None:
        raise Http404("No such member.")
    spaces.space_member_remove(membership=caller, space=access.space, member=member)
    return Status(204, None)


class SpaceInviteIn(Input):
    member_id: Id = Field(description="The member invited (an active member)")


class SpaceInvitationOut(Schema):
    id: int
    space_id: int
    space_name: str
    state: str = Field(description="pending, accepted or declined")


class SpaceInvitationAnswerIn(Input):
    accept: bool


class SpaceMuteIn(Input):
    muted: bool = Field(description="Muted: only mentions of the caller reach them")


@router.post(
    "/spaces/{space_id}/invitations",
    response={201: SpaceInvitationOut, 403: Error, 422: Error},
    summary="Invite a member to a space (its moderators); they are told. Audited.",
)
@api_roles()
def space_invite(
    request: HttpRequest, space_id: PathId, payload: SpaceInviteIn
) -> Status[SpaceInvitationOut]:
    caller, access = _access(request, space_id)
    member = Membership.objects.filter(
        organization=caller.organization, pk=payload.member_id
    ).first()
    if member is None:
        raise ValidationError(_("Choose an active member of the organization."))
    invitation = spaces.space_invite(membership=caller, space=access.space, invitee=member)
    return Status(
        201,
        SpaceInvitationOut(
            id=invitation.pk,
            space_id=access.space.pk,
            space_name=access.space.name,
            state=invitation.state,
        ),
    )


@router.get(
    "/space-invitations",
    response=list[SpaceInvitationOut],
    summary="The caller's invitations to spaces, waiting for an answer",
)
@api_roles()
def space_invitations(request: HttpRequest) -> list[SpaceInvitationOut]:
    caller = calling_member(request)
    page = space_selectors.spaces_for(organization=caller.organization, membership=caller)
    return [
        SpaceInvitationOut(
            id=invitation.pk,
            space_id=invitation.space_id,
            space_name=invitation.space.name,
            state=invitation.state,
        )
        for invitation in page.invitations
    ]


@router.post(
    "/space-invitations/{space_invitation_id}/answer",
    response={200: SpaceInvitationOut, 422: Error},
    summary="Accept (join the space) or decline one of the caller's invitations",
)
@api_roles()
def space_invitation_answer(
    request: HttpRequest, space_invitation_id: PathId, payload: SpaceInvitationAnswerIn
) -> SpaceInvitationOut:
    caller = calling_member(request)
    invitation = space_selectors.invitation_find(
        organization=caller.organization, membership=caller, invitation_id=space_invitation_id
    )
    if invitation is None:
        raise Http404("No such invitation.")
    spaces.invitation_answer(membership=caller, invitation=invitation, accept=payload.accept)
    return SpaceInvitationOut(
        id=invitation.pk,
        space_id=invitation.space_id,
        space_name=invitation.space.name,
        state=invitation.state,
    )


@router.put(
    "/spaces/{space_id}/mute",
    response={200: SpaceOut, 422: Error},
    summary="Mute or unmute a space the caller is in",
)
@api_roles()
def space_mute(request: HttpRequest, space_id: PathId, payload: SpaceMuteIn) -> SpaceOut:
    caller, access = _access(request, space_id)
    spaces.space_mute(membership=caller, space=access.space, muted=payload.muted)
    return _space_out(_access(request, space_id)[1])


@router.get(
    "/spaces/{space_id}/threads",
    response=SpaceThreadPage,
    summary="A page of a space's threads: pinned first, then by last activity (keyset)",
)
@api_roles()
def threads_list(request: HttpRequest, space_id: PathId, after: str = "") -> SpaceThreadPage:
    caller, access = _access(request, space_id)
    page = thread_page(
        organization=caller.organization, membership=caller, space=access.space, cursor=after[:40]
    )
    return SpaceThreadPage(
        pinned=[_thread_out(thread) for thread in page.pinned],
        threads=[_thread_out(thread) for thread in page.threads],
        next=page.next_cursor,
    )


@router.post(
    "/spaces/{space_id}/threads",
    response={201: SpaceThreadOut, 403: Error, 422: SpaceRefusal | Error},
    summary="Start a thread, or a win with one of the caller's own shares",
    description="A rule that blocks refuses the text (422 with the findings); a rule that "
    "warns refuses it until it is sent again with `confirm`.",
)
@api_roles()
def thread_create(
    request: HttpRequest, space_id: PathId, payload: SpaceThreadIn
) -> Status[SpaceThreadOut | SpaceRefusal]:
    caller, access = _access(request, space_id)
    share = None
    if payload.share_id is not None:
        share = Share.objects.filter(organization=caller.organization, pk=payload.share_id).first()
        if share is None:
            raise ValidationError(_("Choose one of your own shares."))
    try:
        thread = threads.thread_create(
            membership=caller,
            space=access.space,
            title=payload.title,
            body=payload.body,
            confirmed=payload.confirm,
            share=share,
        )
    except ComplianceStop as stop:
        return Status(422, _refusal(stop))
    return Status(201, _thread_out(thread))


@router.get(
    "/spaces/{space_id}/threads/{thread_id}",
    response=SpaceThreadDetail,
    summary="A thread with its messages (and a win's figures, read live)",
)
@api_roles()
def thread_get(request: HttpRequest, space_id: PathId, thread_id: PathId) -> SpaceThreadDetail:
    caller, access, thread = _thread(request, space_id, thread_id)
    threads.thread_mark_read(membership=caller, thread=thread)
    moderator = access.can_moderate
    messages = []
    for view in thread_messages(organization=caller.organization, thread=thread, membership=caller):
        message = view.message
        visible = not message.is_deleted and (not message.is_hidden or moderator)
        messages.append(
            SpaceMessageOut(
                id=message.pk,
                author=str(message.author.user) if message.author is not None else "",
                opening=message.opening,
                body=message.body if visible else "",
                created_at=message.created_at,
                edited=message.edited_at is not None,
                deleted=message.is_deleted,
                hidden=message.is_hidden,
                hidden_reason=message.hidden_reason if moderator else "",
                reactions=[
                    SpaceReactionOut(reaction=r.key, count=r.count, mine=r.mine)
                    for r in view.reactions
                ],
            )
        )
    figures = win_figures(organization=caller.organization, thread=thread)
    win = None
    if figures is not None:
        win = SpaceWinOut(
            share_id=figures.share.pk,
            post_title=figures.share.post.title,
            network=figures.share.network,
            text=figures.share.text,
            clicks=figures.clicks,
            unique_visitors=figures.unique_visitors,
            reactions=figures.reactions,
            reposts=figures.reposts,
        )
    base = _thread_out(thread)
    return SpaceThreadDetail(**base.model_dump(), messages=messages, win=win)


@router.post(
    "/spaces/{space_id}/threads/{thread_id}/replies",
    response={201: SpaceMessageOut, 403: Error, 422: SpaceRefusal | Error},
    summary="Reply to a thread (not when it is locked)",
)
@api_roles()
def reply_create(
    request: HttpRequest, space_id: PathId, thread_id: PathId, payload: SpaceReplyIn
) -> Status[SpaceMessageOut | SpaceRefusal]:
    caller, _space_access, thread = _thread(request, space_id, thread_id)
    try:
        message = threads.reply_create(
            membership=caller, thread=thread, body=payload.body, confirmed=payload.confirm
        )
    except ComplianceStop as stop:
        return Status(422, _refusal(stop))
    return Status(
        201,
        SpaceMessageOut(
            id=message.pk,
            author=str(caller.user),
            opening=False,
            body=message.body,
            created_at=message.created_at,
            edited=False,
            deleted=False,
            hidden=False,
            hidden_reason="",
            reactions=[],
        ),
    )


class SpaceMessageEditIn(Input):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    title: str | None = Field(
        None, max_length=MAX_TITLE, description="The thread's new title (opening message only)"
    )
    confirm: bool = Field(False, description="Post anyway despite rules that warn")


def _message_out(message: Message) -> SpaceMessageOut:
    return SpaceMessageOut(
        id=message.pk,
        author=str(message.author.user) if message.author is not None else "",
        opening=message.opening,
        body=message.body,
        created_at=message.created_at,
        edited=message.edited_at is not None,
        deleted=message.is_deleted,
        hidden=message.is_hidden,
        hidden_reason="",
        reactions=[],
    )


@router.patch(
    "/spaces/{space_id}/threads/{thread_id}/messages/{message_id}",
    response={200: SpaceMessageOut, 403: Error, 422: SpaceRefusal | Error},
    summary="Change one's own message within the edit window (it is marked edited)",
)
@api_roles()
def message_edit(
    request: HttpRequest,
    space_id: PathId,
    thread_id: PathId,
    message_id: PathId,
    payload: SpaceMessageEditIn,
) -> Status[SpaceMessageOut | SpaceRefusal]:
    caller, _space, _in_thread, message = _message(request, space_id, thread_id, message_id)
    try:
        threads.message_edit(
            membership=caller,
            message=message,
            body=payload.body,
            title=payload.title,
            confirmed=payload.confirm,
        )
    except ComplianceStop as stop:
        return Status(422, _refusal(stop))
    return Status(200, _message_out(message))


@router.delete(
    "/spaces/{space_id}/threads/{thread_id}/messages/{message_id}",
    response={204: None, 403: Error},
    summary='Delete one\'s own message ("deleted" stays in its place)',
)
@api_roles()
def message_delete(
    request: HttpRequest, space_id: PathId, thread_id: PathId, message_id: PathId
) -> Status[None]:
    caller, _space, _in_thread, message = _message(request, space_id, thread_id, message_id)
    threads.message_delete(membership=caller, message=message)
    return Status(204, None)


@router.post(
    "/spaces/{space_id}/threads/{thread_id}/messages/{message_id}/reactions",
    response={200: SpaceReactionToggled, 403: Error, 422: Error},
    summary="Toggle one of the caller's reactions on a message",
)
@api_roles()
def reaction_toggle(
    request: HttpRequest,
    space_id: PathId,
    thread_id: PathId,
    message_id: PathId,
    payload: SpaceReactionIn,
) -> SpaceReactionToggled:
    caller, _space, _in_thread, message = _message(request, space_id, thread_id, message_id)
    added = threads.reaction_toggle(membership=caller, message=message, emoji=payload.reaction)
    return SpaceReactionToggled(added=added)


@router.post(
    "/spaces/{space_id}/threads/{thread_id}/messages/{message_id}/reports",
    response={201: SpaceReportOut, 403: Error, 422: Error},
    summary="Report a message to the moderators (once per message). Audited.",
)
@api_roles()
def report_create(
    request: HttpRequest,
    space_id: PathId,
    thread_id: PathId,
    message_id: PathId,
    payload: SpaceReportIn,
) -> Status[SpaceReportOut]:
    caller, _space, _in_thread, message = _message(request, space_id, thread_id, message_id)
    report = moderation.report_create(
        membership=caller, message=message, reason=payload.reason, note=payload.note
    )
    return Status(201, SpaceReportOut(id=report.pk))


@router.post(
    "/spaces/{space_id}/threads/{thread_id}/messages/{message_id}/hide",
    response={204: None, 403: Error, 422: Error},
    summary="Hide a message with a reason (moderators). Audited.",
)
@api_roles()
def message_hide(
    request: HttpRequest,
    space_id: PathId,
    thread_id: PathId,
    message_id: PathId,
    payload: SpaceHideIn,
) -> Status[None]:
    caller, _space, _in_thread, message = _message(request, space_id, thread_id, message_id)
    moderation.message_hide(membership=caller, message=message, reason=payload.reason)
    return Status(204, None)


@router.post(
    "/spaces/{space_id}/threads/{thread_id}/messages/{message_id}/unhide",
    response={204: None, 403: Error},
    summary="Show a hidden message again (moderators). Audited.",
)
@api_roles()
def message_unhide(
    request: HttpRequest, space_id: PathId, thread_id: PathId, message_id: PathId
) -> Status[None]:
    caller, _space, _in_thread, message = _message(request, space_id, thread_id, message_id)
    moderation.message_unhide(membership=caller, message=message)
    return Status(204, None)


@router.put(
    "/spaces/{space_id}/threads/{thread_id}/lock",
    response={200: SpaceThreadOut, 403: Error},
    summary="Lock or unlock a thread (moderators). Audited.",
)
@api_roles()
def thread_lock(
    request: HttpRequest, space_id: PathId, thread_id: PathId, payload: SpaceLockIn
) -> SpaceThreadOut:
    caller, _space_access, thread = _thread(request, space_id, thread_id)
    return _thread_out(
        moderation.thread_lock(membership=caller, thread=thread, locked=payload.locked)
    )


@router.put(
    "/spaces/{space_id}/threads/{thread_id}/pin",
    response={200: SpaceThreadOut, 403: Error},
    summary="Pin or unpin a best-practice thread (moderators). Audited.",
)
@api_roles()
def thread_pin(
    request: HttpRequest, space_id: PathId, thread_id: PathId, payload: SpacePinIn
) -> SpaceThreadOut:
    caller, _space_access, thread = _thread(request, space_id, thread_id)
    return _thread_out(
        moderation.thread_pin(membership=caller, thread=thread, pinned=payload.pinned)
    )


@router.get(
    "/moderation/reports",
    response={200: list[SpaceQueueItem], 403: Error},
    summary="Reported messages waiting for a decision, in the spaces the caller moderates",
)
@api_roles()
def moderation_reports(request: HttpRequest) -> list[SpaceQueueItem]:
    caller = calling_member(request)
    if not is_moderator_anywhere(organization=caller.organization, membership=caller):
        raise PermissionDenied(_("Only moderators may see the moderation queue."))
    return [
        SpaceQueueItem(
            space_id=item.message.thread.space_id,
            thread_id=item.message.thread_id,
            message_id=item.message.pk,
            body=item.message.body,
            reports=[
                SpaceQueueReport(
                    reason=report.reason, note=report.note, reporter=str(report.reporter.user)
                )
                for report in item.reports
            ],
        )
        for item in moderation_queue(organization=caller.organization, membership=caller)
    ]
