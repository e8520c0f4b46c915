"""What the community pages share: finding a space, thread or message the member may read
(anything else is a 404, as another organization's id is)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from chorus.accounts.access import MemberRequest
from chorus.community.access import SpaceAccess
from chorus.community.models import Message, Thread
from chorus.community.selectors.spaces import space_readable
from chorus.community.selectors.threads import message_find, thread_find


def readable_space(request: MemberRequest, space_id: int) -> SpaceAccess:
    access = space_readable(
        organization=request.organization, membership=request.membership, space_id=space_id
    )
    if access is None:
        raise Http404
    return access


def readable_thread(
    request: MemberRequest, space_id: int, thread_id: int
) -> tuple[SpaceAccess, Thread]:
    access = readable_space(request, space_id)
    thread = thread_find(organization=request.organization, space=access.space, thread_id=thread_id)
    if thread is None:
        raise Http404
    return access, thread


def readable_message(
    request: MemberRequest, space_id: int, thread_id: int, message_id: int
) -> tuple[SpaceAccess, Thread, Message]:
    access, thread = readable_thread(request, space_id, thread_id)
    message = message_find(organization=request.organization, thread=thread, message_id=message_id)
    if message is None:
        raise Http404
    return access, thread, message


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)
