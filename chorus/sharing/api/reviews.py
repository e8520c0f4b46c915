"""The share reviews API: members' edited texts waiting for an approver.

A share of another organization is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router
from ninja.pagination import paginate

from chorus.api.auth import api_roles, require_roles
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Input, PathId
from chorus.sharing.api.shares import ShareOut, SharePages, _share_fields, _share_out
from chorus.sharing.models import Share
from chorus.sharing.selectors.review import review_item, shares_in_review
from chorus.sharing.services.review import share_review_approve, share_review_reject

router = Router(tags=["sharing"])


class ShareReviewOut(ShareOut):
    member_id: int
    member_name: str
    post_title: str
    suggested: str = Field(description="The post's suggested caption, with the member's link")
    findings: list[str] = Field(description="The rules' verdict on the text today")


class ShareRejectIn(Input):
    reason: str = Field(min_length=1, max_length=2000, description="The member reads it")


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
