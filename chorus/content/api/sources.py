"""The sources API: RSS/Atom sources and the curation queue (curators).

Every lookup by id goes through the caller's organization, so a foreign id is 404.
Writes go through chorus.content.services, like the pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params import Query

from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, PathId
from chorus.content.models import Source, SourceItem
from chorus.content.selectors import sources as source_selectors
from chorus.content.services import sources as source_services
from chorus.core.validators import WebURL

router = Router(tags=["sources"])

ItemStatusName = Literal["new", "used", "dismissed"]


class SourceOut(Schema):
    id: int
    url: str
    feed_url: str
    title: str
    enabled: bool
    last_polled_at: datetime | None
    last_success_at: datetime | None
    next_poll_at: datetime
    last_error: str
    consecutive_failures: int
    item_count: int
    new_count: int
    created_at: datetime


class SourceIn(Input):
    url: WebURL = Field(description="A feed, or a page advertising one (http or https)")
    title: str = Field("", max_length=300)
    retry_later: bool = Field(
        False,
        description=(
            "Save the source even if its feed cannot be read right now (the site is down or "
            "slow, the feed not published yet): it is polled again later, less often after "
            "each failure, and `last_error` and `next_poll_at` say how it goes. Addresses "
            "refused for good (private or local networks, feeds declaring entities) stay "
            "refused."
        ),
    )


class SourceRefused(Schema):
    """Why a source could not be added, and whether it could be saved to retry later."""

    detail: str | list[dict[str, Any]]
    retry_later: bool = Field(
        False,
        description=(
            "True when the feed only could not be read right now: send the same request "
            "with `retry_later: true` to save the source anyway"
        ),
    )


class SourcePatch(Input):
    title: str | None = Field(None, max_length=300)
    enabled: bool | None = None


class PollQueued(Schema):
    queued: bool


class ItemOut(Schema):
    id: int
    source_id: int
    guid: str
    url: str
    canonical_url: str
    title: str
    summary: str = Field(description="Sanitized HTML")
    image_url: str
    published_at: datetime | None
    status: str
    post_id: int | None
    created_at: datetime


class ItemFilters(Input):
    status: ItemStatusName | None = None
    source_id: Id | None = None


class DraftOut(Schema):
    item: ItemOut
    post_id: int


def _source(request: HttpRequest, source_id: int) -> Source:
    sources = source_selectors.source_list(organization=calling_member(request).organization)
    return get_object_or_404(sources, pk=source_id)


def _item(request: HttpRequest, item_id: int) -> SourceItem:
    items = SourceItem.objects.select_related("organization")
    return get_object_or_404(items, pk=item_id, organization=calling_member(request).organization)


# Sources ------------------------------------------------------------------------------


@router.get("/sources", response=list[SourceOut], summary="List sources")
@api_roles("curator")
@paginate(Pagination)
def source_list(request: HttpRequest) -> QuerySet[Source]:
    return source_selectors.source_list(organization=calling_member(request).organization)


@router.post(
    "/sources",
    response={201: SourceOut, 422: SourceRefused},
    summary=(
        "Add a source (fetched once right away; 422 says why it could not be used, and "
        "`retry_later: true` in it when it can be saved to retry later)"
    ),
)
@api_roles("curator")
def source_create(request: HttpRequest, payload: SourceIn) -> Status[Source | SourceRefused]:
    caller = calling_member(request)
    try:
        source = source_services.source_create(
            organization=caller.organization,
            actor=caller.user,
            url=payload.url,
            title=payload.title,
            retry_later=payload.retry_later,
        )
    except source_services.FeedUnavailable as error:
        return Status(422, SourceRefused(detail=" ".join(error.messages), retry_later=True))
    except ValidationError as error:
        return Status(422, SourceRefused(detail=" ".join(error.messages), retry_later=False))
    return Status(201, _source(request, source.pk))


@router.get("/sources/{source_id}", response={200: SourceOut, 404: Error}, summary="One source")
@api_roles("curator")
def source_detail(request: HttpRequest, source_id: PathId) -> Source:
    return _source(request, source_id)


@router.patch(
    "/sources/{source_id}",
    response={200: SourceOut, 404: Error, 422: Error},
    summary="Rename a source or switch it on or off",
)
@api_roles("curator")
def source_update(request: HttpRequest, source_id: PathId, payload: SourcePatch) -> Source:
    source = _source(request, source_id)
    source_services.source_update(
        source=source,
        actor=calling_member(request).user,
        title=source.title if payload.title is None else payload.title,
        enabled=source.enabled if payload.enabled is None else payload.enabled,
    )
    return _source(request, source_id)


@router.delete(
    "/sources/{source_id}",
    response={204: None, 404: Error},
    summary="Delete a source and its queue items",
)
@api_roles("curator")
def source_delete(request: HttpRequest, source_id: PathId) -> Status[None]:
    source_services.source_delete(
        source=_source(request, source_id), actor=calling_member(request).user
    )
    return Status(204, None)


@router.post(
    "/sources/{source_id}/poll",
    response={202: PollQueued, 404: Error, 422: Error},
    summary="Poll a source now (in the background)",
)
@api_roles("curator")
def source_poll(request: HttpRequest, source_id: PathId) -> Status[PollQueued]:
    source = _source(request, source_id)
    if not source.enabled:
        raise ValidationError(_("This source is switched off; switch it on to poll it."))
    source_services.source_poll_now(source=source, actor=calling_member(request).user)
    return Status(202, PollQueued(queued=True))


# The curation queue -------------------------------------------------------------------


@router.get("/queue", response=list[ItemOut], summary="Curation queue items, newest first")
@api_roles("curator")
@paginate(Pagination)
def queue_list(request: HttpRequest, filters: Query[ItemFilters]) -> QuerySet[SourceItem]:
    return source_selectors.source_item_list(
        organization=calling_member(request).organization,
        status=filters.status or "",
        source_id=filters.source_id,
    )


@router.post(
    "/queue/{item_id}/draft",
    response={201: DraftOut, 404: Error, 422: Error},
    summary="Turn a queue item into a draft post",
)
@api_roles("curator")
def queue_item_draft(request: HttpRequest, item_id: PathId) -> Status[DraftOut]:
    item = _item(request, item_id)
    post = source_services.source_item_create_draft(item=item, actor=calling_member(request).user)
    item.refresh_from_db()
    return Status(201, DraftOut(item=ItemOut.from_orm(item), post_id=post.pk))


@router.post(
    "/queue/{item_id}/dismiss",
    response={200: ItemOut, 404: Error, 422: Error},
    summary="Dismiss a queue item",
)
@api_roles("curator")
def queue_item_dismiss(request: HttpRequest, item_id: PathId) -> SourceItem:
    return source_services.source_item_dismiss(
        item=_item(request, item_id), actor=calling_member(request).user
    )
