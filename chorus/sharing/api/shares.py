"""The sharing API: a member's shares published by Chorus (now or scheduled).

Every lookup goes through the caller: a share of another member or organization is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from chorus.api.auth import api_roles, require_roles
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId
from chorus.content.models import Post
from chorus.links.services.links import short_url
from chorus.sharing.models import Share
from chorus.sharing.services.publishing import (
    share_cancel,
    share_create_api,
    share_delete_scheduled,
)

router = Router(tags=["sharing"])

PublishingNetwork = Literal["linkedin", "x", "threads", "mastodon", "bluesky"]


class ShareOut(Schema):
    id: int
    post_id: int
    network: str
    method: str = Field(description="`api` (published by Chorus) or `intent` (a share link)")
    status: str
    text: str = Field(description="Exactly what was (or will be) posted")
    link: str = Field(description="The member's tracked short link, empty when none")
    auto: bool
    scheduled_for: datetime | None
    shared_at: datetime | None
    remote_id: str
    remote_url: str
    attempts: int
    error: str
    cancel_reason: str
    review_reasons: str = Field(description="Why the text went to an approver, when it did")
    review_note: str = Field(description="The approver's note, or why it was not approved")
    reviewed_at: datetime | None
    created_at: datetime


class ShareIn(Input):
    post_id: Id
    network: PublishingNetwork
    text: str | None = Field(
        None, max_length=5000, description="Leave out for the post's suggested caption"
    )
    scheduled_for: datetime | None = Field(
        None, description="With its time zone; leave out to publish now"
    )


def _share_fields(share: Share) -> dict[str, Any]:
    return dict(  # noqa: C408 (the keyword form reads as the schema)
        id=share.pk,
        post_id=share.post_id,
        network=share.network,
        method=share.method,
        status=share.status,
        text=share.text,
        link=short_url(share.link) if share.link is not None else "",
        auto=share.auto,
        scheduled_for=share.scheduled_for,
        shared_at=share.shared_at,
        remote_id=share.remote_id,
        remote_url=share.remote_url,
        attempts=share.attempts,
        error=share.error_message,
        cancel_reason=share.cancel_reason,
        review_reasons=share.review_reasons,
        review_note=share.review_note,
        reviewed_at=share.reviewed_at,
        created_at=share.created_at,
    )


def _share_out(share: Share) -> ShareOut:
    return ShareOut(**_share_fields(share))


class SharePages:
    def __init__(
        self, shares: QuerySet[Share], out: Callable[[Share], ShareOut] = _share_out
    ) -> None:
        self.shares = shares
        self.out = out

    def count(self) -> int:
        return self.shares.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[ShareOut]:
        return [self.out(share) for share in self.shares[page]]


def _own_share(request: HttpRequest, share_id: int) -> Share:
    caller = require_roles(request)
    return get_object_or_404(
        Share.objects.select_related("link", "membership__organization"),
        pk=share_id,
        membership=caller,
    )


@router.get("/shares", response=list[ShareOut], summary="My shares, newest first")
@api_roles()
@paginate(Pagination)
def share_list(request: HttpRequest) -> list[ShareOut]:
    caller = require_roles(request)
    shares = (
        Share.objects.filter(membership=caller)
        .select_related("link")
        .order_by("-created_at", "-id")
    )
    return SharePages(shares)  # type: ignore[return-value]


@router.post(
    "/shares",
    response={201: ShareOut, 403: Error, 404: Error, 422: Error},
    summary="Publish a post on my connected account, now or later",
    description=(
        "Chorus publishes the text (or the post's suggested caption) with your tracked "
        "link on the connected account. 422 when the rules refuse it: not in the program, "
        "no active connection, the day's cap reached, a blocked term, a changed locked "
        "caption, a time in the past. When the organization sends edited texts that break "
        "a rule to an approver, such a text is answered 201 with the status `in_review` "
        "and `review_reasons`: nothing is published until an approver approves it. 403 "
        "when the caller lacks a certification (or the acknowledged policy) the "
        "organization requires for this share: `detail` says why and `gates` lists each "
        "`reason` with the `fix_url` of the course (or policy) that fixes it."
    ),
)
@api_roles()
def share_create(request: HttpRequest, payload: ShareIn) -> Status[ShareOut]:
    caller = require_roles(request)
    post = get_object_or_404(Post, pk=payload.post_id, organization=caller.organization)
    share = share_create_api(
        membership=caller,
        post=post,
        network=payload.network,
        text=payload.text,
        when=payload.scheduled_for,
    )
    return Status(201, _share_out(share))


@router.post(
    "/shares/{share_id}/cancel",
    response={200: ShareOut, 404: Error, 422: Error},
    summary="Cancel a share that is still waiting",
)
@api_roles()
def share_cancel_operation(request: HttpRequest, share_id: PathId) -> ShareOut:
    share = share_cancel(share=_own_share(request, share_id), actor=request.user)  # type: ignore[arg-type]
    return _share_out(share)


@router.delete(
    "/shares/{share_id}",
    response={204: None, 404: Error, 422: Error},
    summary="Delete a scheduled share",
)
@api_roles()
def share_delete(request: HttpRequest, share_id: PathId) -> Status[None]:
    share_delete_scheduled(share=_own_share(request, share_id), actor=request.user)  # type: ignore[arg-type]
    return Status(204, None)
