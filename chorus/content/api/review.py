"""The review API: what an approver needs to decide on a post (approvers and admins).

Approving and rejecting are operations of the posts API (/posts/{id}/approve, /reject).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, PathId
from chorus.content.api.rules import CheckOut
from chorus.content.models import Post
from chorus.content.selectors import review as review_selectors
from chorus.content.services import posts as post_services

router = Router(tags=["posts"])


class ReviewGroupOut(Schema):
    id: int
    kind: str
    name: str


class ReviewAudienceOut(Schema):
    everyone: bool
    groups: list[ReviewGroupOut] = Field(description="Empty when it targets everyone.")
    members: int = Field(description="Active members it reaches now.")


class ReviewWindowOut(Schema):
    start: datetime | None = Field(description="None: when it is published.")
    end: datetime | None
    post_of_the_day: date | None
    outcome: str = Field(
        description="What publishing it now does: now (live at once), scheduled (live when "
        "the window starts) or over (the window ended: it can't be published)."
    )


class ReviewBaselineOut(Schema):
    version: int
    decision: str = Field(description="approved or rejected")
    decided_by_email: str | None
    decided_at: datetime
    details_recorded: bool = Field(
        description="False for versions saved before audience, window and images were kept: "
        "those are then not compared."
    )


class ReviewChangeOut(Schema):
    field: str = Field(description="title, commentary, link_url, caption, images, audience, window")
    network: str = Field(description="The caption's network; empty for other fields.")
    label: str
    before: str
    after: str


class PostReviewOut(Schema):
    post_id: int
    state: str
    version: int
    audience: ReviewAudienceOut
    window: ReviewWindowOut
    verdicts: list[CheckOut] = Field(description="The rules' verdict on each caption.")
    baseline: ReviewBaselineOut | None = Field(
        description="The version an approver last approved or rejected; None on a first review."
    )
    changes: list[ReviewChangeOut] = Field(description="What differs from the baseline now.")
    publishes_on_approval: bool = Field(description="The policy publishes posts on approval.")
    approval_refused: bool = Field(
        description="True when the caller wrote, edited or submitted it (and the policy wants "
        "another approver)."
    )


@router.get(
    "/posts/{post_id}/review",
    response={200: PostReviewOut, 404: Error},
    summary="What an approver needs to decide: audience, window, verdicts, changes",
)
@api_roles("approver")
def post_review(request: HttpRequest, post_id: PathId) -> PostReviewOut:
    caller = calling_member(request)
    organization = caller.organization
    post = get_object_or_404(
        Post.objects.prefetch_related("captions", "target_groups", "images"),
        pk=post_id,
        organization=organization,
    )
    review = review_selectors.post_review(organization=organization, post=post)
    baseline = review.baseline
    return PostReviewOut(
        post_id=post.pk,
        state=post.state,
        version=post.version,
        audience=ReviewAudienceOut(
            everyone=review.audience.everyone,
            groups=[ReviewGroupOut(**group) for group in review.audience.groups],
            members=review.audience.members,
        ),
        window=ReviewWindowOut(
            start=review.window.start,
            end=review.window.end,
            post_of_the_day=review.window.post_of_the_day,
            outcome=review.window.outcome,
        ),
        verdicts=list(review.checks.values()),  # type: ignore[arg-type]
        baseline=ReviewBaselineOut(
            version=baseline.version,
            decision=baseline.decision,
            decided_by_email=baseline.decided_by.email if baseline.decided_by else None,
            decided_at=baseline.decided_at,
            details_recorded=baseline.details_recorded,
        )
        if baseline is not None
        else None,
        changes=[
            ReviewChangeOut(
                field=change.field,
                network=change.network,
                label=change.label,
                before=change.before,
                after=change.after,
            )
            for change in review.changes
        ],
        publishes_on_approval=post_services.post_publishes_on_approval(organization=organization),
        approval_refused=post_services.post_approval_refused_to(post=post, user=caller.user),
    )
