"""The sharing API: a member's shares published by Chorus (now or scheduled), their
connected accounts, and the admin's network settings.

Every lookup goes through the caller: a share or connection of another member or
organization is a 404. The admin's client secret is write-only: it is never returned.
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
from chorus.links.services import short_url
from chorus.sharing.models import NetworkConnection, Share
from chorus.sharing.selectors_review import review_item, shares_in_review
from chorus.sharing.services.connections import connection_disconnect
from chorus.sharing.services.publishing import (
    share_cancel,
    share_create_api,
    share_delete_scheduled,
)
from chorus.sharing.services.review import share_review_approve, share_review_reject
from chorus.sharing.services.settings import network_settings_all, network_settings_update

router = Router(tags=["sharing"])

PublishingNetwork = Literal["linkedin", "x", "threads", "mastodon", "bluesky"]
Channel = Literal[
    "linkedin", "x", "facebook", "threads", "mastodon", "bluesky", "xing", "whatsapp", "email"
]


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


class ShareReviewOut(ShareOut):
    member_id: int
    member_name: str
    post_title: str
    suggested: str = Field(description="The post's suggested caption, with the member's link")
    findings: list[str] = Field(description="The rules' verdict on the text today")


class ShareRejectIn(Input):
    reason: str = Field(min_length=1, max_length=2000, description="The member reads it")


class ShareIn(Input):
    post_id: Id
    network: PublishingNetwork
    text: str | None = Field(
        None, max_length=5000, description="Leave out for the post's suggested caption"
    )
    scheduled_for: datetime | None = Field(
        None, description="With its time zone; leave out to publish now"
    )


class ConnectionOut(Schema):
    id: int
    network: str
    instance: str
    handle: str
    display_name: str
    profile_url: str
    followers: int | None
    status: str
    expires_at: datetime | None
    connected_at: datetime


class NetworkSettingsOut(Schema):
    network: str
    label: str
    can_publish: bool
    needs_app_credentials: bool
    sharing_enabled: bool
    publishing_enabled: bool
    client_id: str
    has_client_secret: bool = Field(description="The secret itself is never returned")
    daily_cap: int | None


class NetworkSettingsIn(Input):
    network: Channel
    sharing_enabled: bool
    publishing_enabled: bool
    client_id: str = Field("", max_length=300)
    client_secret: str | None = Field(
        None, max_length=2000, description="Write-only; leave out to keep the saved one"
    )
    daily_cap: int | None = Field(None, ge=1, le=100, description="Shares per member per day")


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


def _review_out(share: Share) -> ShareReviewOut:
    item = review_item(share)
    return ShareReviewOut(
        **_share_fields(share),
        member_id=share.membership_id,
        member_name=share.membership.user.get_full_name(),
        post_title=share.post.title,
        suggested=item.suggested,
        findings=item.verdict.messages,
    )


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
    response={201: ShareOut, 404: Error, 422: Error},
    summary="Publish a post on my connected account, now or later",
    description=(
        "Chorus publishes the text (or the post's suggested caption) with your tracked "
        "link on the connected account. 422 when the rules refuse it: not in the program, "
        "no active connection, the day's cap reached, a blocked term, a changed locked "
        "caption, a time in the past. When the organization sends edited texts that break "
        "a rule to an approver, such a text is answered 201 with the status `in_review` "
        "and `review_reasons`: nothing is published until an approver approves it."
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


def _in_review_or_404(request: HttpRequest, share_id: int) -> Share:
    caller = require_roles(request, "approver")
    return get_object_or_404(
        Share.objects.select_related("post__organization", "membership__user", "link"),
        pk=share_id,
        organization=caller.organization,
    )


@router.get(
    "/share-reviews",
    response=list[ShareReviewOut],
    summary="Members' edited texts waiting for an approver, the longest-waiting first",
)
@api_roles("approver")
@paginate(Pagination)
def share_review_list(request: HttpRequest) -> list[ShareReviewOut]:
    caller = require_roles(request, "approver")
    shares = shares_in_review(organization=caller.organization)
    return SharePages(shares, _review_out)  # type: ignore[return-value]


@router.post(
    "/share-reviews/{share_id}/approve",
    response={200: ShareOut, 404: Error, 422: Error},
    summary="Approve a member's edited text",
    description=(
        "A share published by Chorus is scheduled again (now, or at the time the member "
        "chose); a share through a share link waits for the member to open it. 422 for "
        "your own share or one no longer waiting."
    ),
)
@api_roles("approver")
def share_review_approve_operation(request: HttpRequest, share_id: PathId) -> ShareOut:
    share = share_review_approve(
        share=_in_review_or_404(request, share_id),
        actor=request.user,  # type: ignore[arg-type]
    )
    return _share_out(share)


@router.post(
    "/share-reviews/{share_id}/reject",
    response={200: ShareOut, 404: Error, 422: Error},
    summary="Refuse a member's edited text, with the reason they read",
)
@api_roles("approver")
def share_review_reject_operation(
    request: HttpRequest, share_id: PathId, payload: ShareRejectIn
) -> ShareOut:
    share = share_review_reject(
        share=_in_review_or_404(request, share_id),
        actor=request.user,  # type: ignore[arg-type]
        reason=payload.reason,
    )
    return _share_out(share)


@router.get("/connections", response=list[ConnectionOut], summary="My connected accounts")
@api_roles()
def connection_list(request: HttpRequest) -> list[ConnectionOut]:
    caller = require_roles(request)
    return [
        ConnectionOut(
            id=connection.pk,
            network=connection.network,
            instance=connection.instance,
            handle=connection.handle,
            display_name=connection.display_name,
            profile_url=connection.profile_url,
            followers=connection.followers,
            status=connection.status,
            expires_at=connection.expires_at,
            connected_at=connection.connected_at,
        )
        for connection in NetworkConnection.objects.filter(membership=caller).order_by("network")
    ]


@router.delete(
    "/connections/{connection_id}",
    response={204: None, 404: Error},
    summary="Disconnect an account (its tokens are deleted)",
)
@api_roles()
def connection_delete(request: HttpRequest, connection_id: PathId) -> Status[None]:
    caller = require_roles(request)
    connection = get_object_or_404(NetworkConnection, pk=connection_id, membership=caller)
    connection_disconnect(connection=connection, actor=request.user)  # type: ignore[arg-type]
    return Status(204, None)


def _settings_out(request: HttpRequest) -> list[NetworkSettingsOut]:
    caller = require_roles(request)
    return [
        NetworkSettingsOut(
            network=row.network,
            label=row.label,
            can_publish=row.can_publish,
            needs_app_credentials=row.needs_app_credentials,
            sharing_enabled=row.settings.sharing_enabled,
            publishing_enabled=row.settings.publishing_enabled,
            client_id=row.settings.client_id,
            has_client_secret=bool(row.settings.client_secret),
            daily_cap=row.settings.daily_cap,
        )
        for row in network_settings_all(organization=caller.organization)
    ]


@router.get(
    "/network-settings",
    response=list[NetworkSettingsOut],
    summary="Every network's settings in the organization",
)
@api_roles("admin")
def network_settings_list(request: HttpRequest) -> list[NetworkSettingsOut]:
    return _settings_out(request)


@router.put(
    "/network-settings",
    response={200: NetworkSettingsOut, 422: Error},
    summary="Change one network's settings",
    description="Nothing is saved when a value is refused (422 says why).",
)
@api_roles("admin")
def network_settings_put(request: HttpRequest, payload: NetworkSettingsIn) -> NetworkSettingsOut:
    caller = require_roles(request)
    network_settings_update(
        organization=caller.organization,
        actor=request.user,  # type: ignore[arg-type]
        network=payload.network,
        sharing_enabled=payload.sharing_enabled,
        publishing_enabled=payload.publishing_enabled,
        client_id=payload.client_id,
        client_secret=payload.client_secret,
        daily_cap=payload.daily_cap,
    )
    (out,) = [row for row in _settings_out(request) if row.network == payload.network]
    return out
