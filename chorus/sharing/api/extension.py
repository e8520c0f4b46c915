"""What the browser extension asks about the page a member has open.

Is the page a live post of my feed (and may I share it)? If so, my tracked link for it and
where the share dialog is. The extension asks only when the member opens it on a page;
nothing here shares anything. The post is looked up in the caller's own feed, so a post of
another organization, one not targeted at the member, or one not live is a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.params import Query

from chorus.accounts.models import Membership
from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input
from chorus.content.models import Post
from chorus.core.validators import WebURL
from chorus.links.services.links import link_mint, short_url
from chorus.sharing.selectors.page import page_post
from chorus.training.models import GateAction
from chorus.training.selectors.gates import gate_check, gate_require

router = Router(tags=["extension"])


class PageIn(Input):
    url: WebURL = Field(description="The address of the page the member has open")


class PagePostOut(Schema):
    post_id: int
    title: str
    link_url: str = Field(description="The post's link, as the curators wrote it")
    post_url: str = Field(description="The post's page in the member's feed")
    share_url: str = Field(description="The share dialog, where the member shares it")
    may_share: bool = Field(description="Whether the member may share it now")
    reasons: list[str] = Field(description="Why not, when they may not (else empty)")


class PageLinkOut(Schema):
    post_id: int
    link: str = Field(description="The member's tracked short link for the post")
    share_url: str = Field(description="The share dialog, where the member shares it")


def _page_post(request: HttpRequest, url: str) -> tuple[Membership, Post]:
    caller = calling_member(request)
    post = page_post(organization=caller.organization, membership=caller, url=url)
    if post is None:
        raise Http404("This page is not a live post of your feed.")
    return caller, post


def _share_url(request: HttpRequest, post: Post) -> str:
    # At the address the caller reached Chorus by (the extension's configured address).
    return request.build_absolute_uri(reverse("share_dialog", args=[post.pk]))


def _refusals(caller: Membership, post: Post) -> list[str]:
    if not caller.is_advocate:
        return [_("Join the advocacy program to share.")]
    verdict = gate_check(membership=caller, action=GateAction.SHARE, post=post)
    return [str(reason) for reason in verdict.reasons]


@router.get(
    "/extension/page",
    response={200: PagePostOut, 404: Error, 422: Error},
    summary="Is this page a live post of my feed?",
    description=(
        "The live post of the caller's feed whose link is the page at `url` (the scheme, "
        "a trailing slash, the fragment and utm_* parameters aside), with the share "
        "dialog's address and whether the caller may share it now; 404 when the page is "
        "no live post of their feed."
    ),
)
@api_roles()
def extension_page(request: HttpRequest, query: Query[PageIn]) -> PagePostOut:
    caller, post = _page_post(request, query.url)
    reasons = _refusals(caller, post)
    return PagePostOut(
        post_id=post.pk,
        title=post.title,
        link_url=post.link_url,
        post_url=request.build_absolute_uri(reverse("feed_post", args=[post.pk])),
        share_url=_share_url(request, post),
        may_share=not reasons,
        reasons=reasons,
    )


@router.post(
    "/extension/page/link",
    response={200: PageLinkOut, 403: Error, 404: Error, 422: Error},
    summary="My tracked link for the live post at this page",
    description=(
        "Makes (the first time) and returns the caller's tracked short link for the live "
        "post whose link is the page at `url`, on no particular network, and the share "
        "dialog's address. Shares nothing. 403 with the reason for a member who is not "
        "taking part in the program, or whom a certification, the policy or a sharing "
        "pause keeps from sharing it (`gates` then says how to fix it); 404 when the page "
        "is no live post of their feed."
    ),
)
@api_roles()
def extension_page_link(request: HttpRequest, payload: PageIn) -> PageLinkOut:
    caller, post = _page_post(request, payload.url)
    if not caller.is_advocate:
        raise HttpError(403, _("Join the advocacy program to share."))
    gate_require(membership=caller, action=GateAction.SHARE, post=post)
    link = link_mint(post=post, membership=caller)
    return PageLinkOut(post_id=post.pk, link=short_url(link), share_url=_share_url(request, post))
