"""The posts API: list, read, write, captions, workflow transitions and versions.

Same rules as the pages: curators write, approvers approve and reject (admins do all);
a post of another organization is a 404.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import Query

from chorus.accounts.selectors.groups import group_list_by_ids
from chorus.actions import posts as post_actions
from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, NetworkName, PathId
from chorus.content.models import Caption, Post, PostVersion
from chorus.content.selectors import posts as post_selectors
from chorus.content.services import posts as post_services
from chorus.core.validators import WebURLOrBlank
from chorus.pilot.selectors.pilot import pilot_running

router = Router(tags=["posts"])

StateName = Literal[
    "draft", "in_review", "approved", "rejected", "scheduled", "live", "expired", "archived"
]
CaptionModeName = Literal["locked", "editable", "free"]
READERS = ("curator", "approver")


class CaptionOut(Schema):
    network: str
    text: str


class PreviewOut(Schema):
    status: str
    error: str
    title: str
    description: str
    image_url: str = Field(description="Where the page's image is on the web (og:image)")
    stored_image_url: str = Field(
        description="The image as Chorus stores and serves it (empty when there is none)"
    )
    stored_image_width: int
    stored_image_height: int
    canonical_url: str
    site_name: str


class PostOut(Schema):
    id: int
    title: str
    commentary: str
    link_url: str
    caption_mode: str
    state: str
    rejection_reason: str
    preview: PreviewOut
    captions: list[CaptionOut]
    target_all: bool
    target_group_ids: list[int]
    topics: list[str]
    publish_start: datetime | None
    publish_end: datetime | None
    post_of_the_day: date | None
    pilot_until: datetime | None = Field(
        description="Pilot first: until then only the pilot cohort of its audience sees it"
    )
    requires_certification: bool
    campaign: str
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_preview(obj: Post) -> PreviewOut:
        return PreviewOut(
            status=obj.preview_status,
            error=obj.preview_error,
            title=obj.preview_title,
            description=obj.preview_description,
            image_url=obj.preview_image_url,
            stored_image_url=(
                f"{reverse('post_preview_image', args=[obj.pk])}?v={obj.preview_image_version}"
                if obj.preview_image
                else ""
            ),
            stored_image_width=obj.preview_image_width,
            stored_image_height=obj.preview_image_height,
            canonical_url=obj.preview_canonical_url,
            site_name=obj.preview_site_name,
        )

    @staticmethod
    def resolve_captions(obj: Post) -> list[Caption]:
        return list(obj.captions.all())

    @staticmethod
    def resolve_target_group_ids(obj: Post) -> list[int]:
        return [group.pk for group in obj.target_groups.all()]

    @staticmethod
    def resolve_topics(obj: Post) -> list[str]:
        return [topic.name for topic in obj.topics.all()]


class PostFilters(Input):
    state: StateName | None = None
    campaign: str = Field("", max_length=100)
    q: str = Field("", max_length=200, description="Part of the title, text or link")


class CaptionIn(Input):
    network: NetworkName
    text: str = Field(max_length=70000)


class PostPatch(Input):
    title: str | None = Field(None, min_length=1, max_length=200)
    commentary: str | None = Field(None, max_length=10000)
    link_url: WebURLOrBlank | None = None
    caption_mode: CaptionModeName | None = None
    captions: list[CaptionIn] | None = Field(None, max_length=7)
    target_all: bool | None = None
    target_group_ids: list[Id] | None = Field(None, max_length=1000)
    topics: list[Annotated[str, Field(max_length=60)]] | None = Field(None, max_length=20)
    publish_start: datetime | None = None
    publish_end: datetime | None = None
    post_of_the_day: date | None = None
    pilot_until: datetime | None = Field(
        None,
        description=(
            "Pilot first, everyone from this moment (only while a pilot runs; null clears it)"
        ),
    )
    requires_certification: bool | None = None
    campaign: str | None = Field(None, max_length=100)


class PostIn(PostPatch):
    title: str = Field(min_length=1, max_length=200)  # type: ignore[assignment]


class CaptionsIn(Input):
    captions: list[CaptionIn] = Field(max_length=7)


class RejectIn(Input):
    reason: str = Field(min_length=1, max_length=2000)


class ApproveIn(Input):
    publish: bool = Field(
        False,
        description="Publish it too: live now, or scheduled until its window starts (refused "
        "when the window is over). The content policy's publish_on_approval does this always.",
    )


class ArchiveIn(Input):
    reason: str = Field("", max_length=2000)


class VersionOut(Schema):
    id: int
    number: int
    title: str
    commentary: str
    link_url: str
    captions: dict[str, str]
    created_by_email: str | None
    created_at: datetime

    @staticmethod
    def resolve_created_by_email(obj: PostVersion) -> str | None:
        return obj.created_by.email if obj.created_by is not None else None


def _posts(request: HttpRequest) -> QuerySet[Post]:
    return Post.objects.filter(organization=calling_member(request).organization).prefetch_related(
        "captions", "target_groups", "topics"
    )


def _post(request: HttpRequest, post_id: int) -> Post:
    return get_object_or_404(_posts(request), pk=post_id)


def _captions(captions: list[CaptionIn]) -> dict[str, str]:
    return {caption.network: caption.text for caption in captions}


def _details(
    request: HttpRequest, payload: PostPatch, base: post_services.PostDetails
) -> post_services.PostDetails:
    changes: dict[str, Any] = {}
    sent = payload.model_fields_set
    for name in ("caption_mode", "target_all", "requires_certification"):
        if name in sent and getattr(payload, name) is not None:
            changes[name] = getattr(payload, name)
    for name in ("publish_start", "publish_end", "post_of_the_day", "pilot_until"):
        if name in sent:  # null clears these
            changes[name] = getattr(payload, name)
    if changes.get("pilot_until") is not None and not pilot_running(
        organization=calling_member(request).organization
    ):
        raise ValidationError({"pilot_until": _("Pilot first needs a running pilot.")})
    if payload.target_group_ids is not None:
        # An unknown id is a ValidationError, so a 422.
        changes["target_groups"] = group_list_by_ids(
            organization=calling_member(request).organization, group_ids=payload.target_group_ids
        )
        if "target_all" not in changes:
            changes["target_all"] = not payload.target_group_ids
    if payload.topics is not None:
        changes["topic_names"] = payload.topics
    return replace(base, **changes)


@router.get("/posts", response=list[PostOut], summary="List posts")
@api_roles(*READERS)
@paginate(Pagination)
def post_list(request: HttpRequest, filters: Query[PostFilters]) -> QuerySet[Post]:
    return post_selectors.post_list(
        organization=calling_member(request).organization,
        state=filters.state or "",
        campaign=filters.campaign,
        q=filters.q,
    ).prefetch_related("target_groups", "topics")


@router.post("/posts", response={201: PostOut, 422: Error}, summary="Create a draft post")
@api_roles("curator")
def post_create(request: HttpRequest, payload: PostIn) -> Status[Post]:
    caller = calling_member(request)
    post = post_services.post_create(
        organization=caller.organization,
        actor=caller.user,
        title=payload.title,
        commentary=payload.commentary or "",
        link_url=payload.link_url or "",
        captions=_captions(payload.captions or []),
        campaign=payload.campaign or "",
        details=_details(request, payload, post_services.PostDetails()),
    )
    return Status(201, _post(request, post.pk))


@router.get("/posts/{post_id}", response={200: PostOut, 404: Error}, summary="One post")
@api_roles(*READERS)
def post_detail(request: HttpRequest, post_id: PathId) -> Post:
    return _post(request, post_id)


@router.patch(
    "/posts/{post_id}",
    response={200: PostOut, 404: Error, 422: Error},
    summary="Edit a post (an approved post goes back to review)",
)
@api_roles("curator")
def post_update(request: HttpRequest, post_id: PathId, payload: PostPatch) -> Post:
    post = _post(request, post_id)
    captions = {caption.network: caption.text for caption in post.captions.all()}
    if payload.captions is not None:
        captions = _captions(payload.captions)
    post_services.post_update(
        post=post,
        actor=calling_member(request).user,
        title=post.title if payload.title is None else payload.title,
        commentary=post.commentary if payload.commentary is None else payload.commentary,
        link_url=post.link_url if payload.link_url is None else payload.link_url,
        captions=captions,
        campaign=post.campaign if payload.campaign is None else payload.campaign,
        details=_details(request, payload, post_services.post_details(post)),
    )
    return _post(request, post_id)


@router.get(
    "/posts/{post_id}/captions",
    response={200: list[CaptionOut], 404: Error},
    summary="A post's captions",
)
@api_roles(*READERS)
def caption_list(request: HttpRequest, post_id: PathId) -> list[Caption]:
    return list(_post(request, post_id).captions.all())


@router.put(
    "/posts/{post_id}/captions",
    response={200: list[CaptionOut], 404: Error, 422: Error},
    summary="Replace a post's captions (networks left out lose theirs)",
)
@api_roles("curator")
def caption_replace(request: HttpRequest, post_id: PathId, payload: CaptionsIn) -> list[Caption]:
    post = _post(request, post_id)
    post_services.post_captions_set(
        post=post, actor=calling_member(request).user, captions=_captions(payload.captions)
    )
    return list(Caption.objects.filter(post=post))


@router.post(
    "/posts/{post_id}/submit",
    response={200: PostOut, 404: Error, 422: Error},
    summary="Submit a draft for review",
)
@api_roles("curator")
def post_submit(request: HttpRequest, post_id: PathId) -> Post:
    post_services.post_submit(post=_post(request, post_id), actor=calling_member(request).user)
    return _post(request, post_id)


@router.post(
    "/posts/{post_id}/approve",
    response={200: PostOut, 404: Error, 422: Error},
    summary="Approve a post in review, and publish it if asked (or if the policy says so)",
)
@api_roles("approver")
def post_approve(request: HttpRequest, post_id: PathId, payload: ApproveIn | None = None) -> Post:
    post_services.post_approve(
        post=_post(request, post_id),
        actor=calling_member(request).user,
        publish=payload.publish if payload is not None else False,
    )
    return _post(request, post_id)


@router.post(
    "/posts/{post_id}/reject",
    response={200: PostOut, 404: Error, 422: Error},
    summary="Reject a post in review, saying why",
)
@api_roles("approver")
def post_reject(request: HttpRequest, post_id: PathId, payload: RejectIn) -> Post:
    post_services.post_reject(
        post=_post(request, post_id), actor=calling_member(request).user, reason=payload.reason
    )
    return _post(request, post_id)


@router.post(
    "/posts/{post_id}/publish",
    response={200: PostOut, 404: Error, 422: Error},
    summary="Publish an approved post (scheduled until its window starts)",
)
@api_roles("curator")
def post_publish(request: HttpRequest, post_id: PathId) -> Post:
    post_services.post_publish(post=_post(request, post_id), actor=calling_member(request).user)
    return _post(request, post_id)


@router.post(
    "/posts/{post_id}/archive",
    response={200: PostOut, 404: Error, 422: Error},
    summary="Archive a post",
)
@api_roles("curator")
def post_archive(request: HttpRequest, post_id: PathId, payload: ArchiveIn | None = None) -> Post:
    post_actions.post_archive(
        post=_post(request, post_id),
        actor=calling_member(request).user,
        reason=payload.reason if payload is not None else "",
    )
    return _post(request, post_id)


@router.get(
    "/posts/{post_id}/versions",
    response={200: list[VersionOut], 404: Error},
    summary="A post's versions, newest first",
)
@api_roles(*READERS)
def version_list(request: HttpRequest, post_id: PathId) -> QuerySet[PostVersion]:
    return _post(request, post_id).versions.select_related("created_by")
