"""The links API: curators mint tracked links for a post and read their counts; admins
count a visitor as a bot.

Link counts are the counters on each link, kept by the click drainer (never a scan of raw
clicks). Every lookup by id goes through the caller's organization, so a foreign post,
link or member is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from chorus.accounts.models import Membership
from chorus.accounts.selectors import members as account_selectors
from chorus.api.auth import api_roles, require_roles
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Id, Input, NetworkName, PathId
from chorus.content.models import Post
from chorus.links.models import Link
from chorus.links.selectors import links as selectors
from chorus.links.services import links as services

router = Router(tags=["links"])


class CountsOut(Schema):
    clicks: int = Field(description="Clicks by people, the sharer's own excluded")
    unique_clicks: int = Field(description="First clicks of a visitor on the link in 24 hours")
    self_clicks: int = Field(description="Clicks by the member who shared the link")
    previews: int = Field(description="Link-preview crawlers, HEAD requests and prefetches")
    last_click_at: datetime | None


class LinkOut(Schema):
    id: int
    code: str
    short_url: str
    destination: str
    post_id: int
    network: str = Field(description="Empty for a link of the post on no particular network")
    member_id: int | None = Field(description="Null for a link of the post alone")
    is_active: bool
    created_at: datetime
    counts: CountsOut


class LinkMintIn(Input):
    member_id: Id | None = Field(None, description="The sharer; leave out for the post alone")
    network: NetworkName | None = Field(None, description="Sets utm_source; leave out for none")


class LinkPatch(Input):
    is_active: bool = Field(
        description=(
            "False disables the link. The redirect caches each code for LINK_CACHE_SECONDS "
            "(60 by default), so a disabled link answers 404 within that time."
        )
    )


def _link_out(link: Link, *, base: str) -> LinkOut:
    return LinkOut(
        id=link.pk,
        code=link.code,
        short_url=f"{base}/l/{link.code}",
        destination=link.destination,
        post_id=link.post_id,
        network=link.network,
        member_id=link.membership_id,
        is_active=link.is_active,
        created_at=link.created_at,
        counts=CountsOut(
            clicks=link.clicks,
            unique_clicks=link.unique_clicks,
            self_clicks=link.self_clicks,
            previews=link.previews,
            last_click_at=link.last_click_at,
        ),
    )


def _links_out(links: list[Link], *, organization_id: int) -> list[LinkOut]:
    base = services.short_url_base(organization_id=organization_id)
    return [_link_out(link, base=base) for link in links]


def _post(caller: Membership, post_id: int) -> Post:
    return get_object_or_404(Post, pk=post_id, organization=caller.organization)


def _link(caller: Membership, link_id: int) -> Link:
    link = selectors.link_get(organization=caller.organization, link_id=link_id)
    if link is None:
        raise Http404("Unknown link.")
    return link


class LinkPages:
    """Links for the paginator: it counts and slices them, and each page becomes LinkOut
    with the organization's short URL base read once (not once per link)."""

    def __init__(self, links: QuerySet[Link], *, organization_id: int) -> None:
        self.links = links
        self.organization_id = organization_id

    def count(self) -> int:
        return self.links.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[LinkOut]:
        return _links_out(list(self.links[page]), organization_id=self.organization_id)


@router.get("/links/mine", response=list[LinkOut], summary="My tracked links")
@api_roles()
@paginate(Pagination)
def link_mine(request: HttpRequest) -> list[LinkOut]:
    caller = require_roles(request)
    links = selectors.member_links(organization=caller.organization, membership=caller)
    return LinkPages(links, organization_id=caller.organization_id)  # type: ignore[return-value]


@router.post(
    "/posts/{post_id}/links",
    response={200: LinkOut, 201: LinkOut, 404: Error, 422: Error},
    summary="Mint a tracked link for a post",
    description=(
        "Mints the link for (post, member, network), or for the post alone without "
        "`member_id`. Minting is idempotent: 201 with a new link, 200 with the link this "
        "triple already had. 422 when the post is not approved (a draft, in review, "
        "rejected, expired or withdrawn), has no link, or the member is deactivated; "
        "404 for a post or member of another organization."
    ),
)
@api_roles("curator")
def link_mint(request: HttpRequest, post_id: PathId, payload: LinkMintIn) -> Status[LinkOut]:
    caller = require_roles(request)
    post = _post(caller, post_id)
    membership = None
    if payload.member_id is not None:
        membership = account_selectors.member_get(
            organization=caller.organization, member_id=payload.member_id
        )
        if membership is None:
            raise Http404("Unknown member.")
    network = payload.network or ""
    existed = Link.objects.filter(post=post, membership=membership, network=network).exists()
    link = services.link_mint(post=post, membership=membership, network=network)
    (out,) = _links_out([link], organization_id=post.organization_id)
    return Status(200 if existed else 201, out)


@router.get(
    "/posts/{post_id}/links",
    response={200: list[LinkOut], 404: Error},
    summary="A post's tracked links, with their counts",
)
@api_roles("curator")
@paginate(Pagination)
def post_link_list(request: HttpRequest, post_id: PathId) -> list[LinkOut]:
    caller = require_roles(request)
    post = _post(caller, post_id)
    links = selectors.post_links(organization=caller.organization, post=post)
    return LinkPages(links, organization_id=post.organization_id)  # type: ignore[return-value]


@router.get(
    "/links/{link_id}",
    response={200: LinkOut, 404: Error},
    summary="One tracked link, with its counts",
)
@api_roles("curator")
def link_detail(request: HttpRequest, link_id: PathId) -> LinkOut:
    caller = require_roles(request)
    (out,) = _links_out([_link(caller, link_id)], organization_id=caller.organization_id)
    return out


@router.patch(
    "/links/{link_id}",
    response={200: LinkOut, 404: Error, 422: Error},
    summary="Disable or enable a tracked link",
    description=(
        "A disabled link answers the friendly 404 page. The redirect caches codes for "
        "LINK_CACHE_SECONDS (60 by default), so the change reaches every web process "
        "within that time."
    ),
)
@api_roles("curator")
def link_update(request: HttpRequest, link_id: PathId, payload: LinkPatch) -> LinkOut:
    caller = require_roles(request)
    link = services.link_update(
        link=_link(caller, link_id), actor=caller.user, is_active=payload.is_active
    )
    (out,) = _links_out([link], organization_id=caller.organization_id)
    return out
