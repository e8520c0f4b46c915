"""Reads for approvers: members' edited texts waiting for a decision (see services.review)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import QuerySet

from chorus.accounts.models import Organization
from chorus.content.compliance import check_text
from chorus.links.services.links import short_url
from chorus.sharing.compose import ShareVerdict, share_check, suggested_caption, with_link
from chorus.sharing.models import Share, ShareStatus


def shares_in_review(*, organization: Organization) -> QuerySet[Share]:
    """The organization's shares waiting for an approver, the longest-waiting first."""
    return (
        Share.objects.filter(organization=organization, status=ShareStatus.IN_REVIEW)
        .select_related("post__organization", "membership__user", "link")
        .order_by("created_at", "id")
    )


def share_in_review(*, organization: Organization, share_id: int) -> Share | None:
    return shares_in_review(organization=organization).filter(pk=share_id).first()


def share_suggestion(share: Share) -> str:
    """What the post suggested for the share's network, with the share's own tracked link.

    As chorus.sharing.compose.share_compose, without minting a link.
    """
    post = share.post
    caption = suggested_caption(post=post, network=share.network)
    if share.link is not None and post.link_url:
        caption = with_link(caption, link_url=post.link_url, tracked_url=short_url(share.link))
    if caption.strip():
        caption = check_text(
            organization=post.organization,
            network=share.network,
            text=caption,
            link_url=post.link_url,
        ).text
    return caption


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, line) pairs, as post versions show them: kind is "add", "del" or "same"."""
    kinds = {"+ ": "add", "- ": "del", "  ": "same"}
    return [
        (kinds[line[:2]], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[:2] in kinds
    ]


@dataclass(frozen=True)
class ReviewItem:
    share: Share
    suggested: str
    diff: list[tuple[str, str]]
    # The rules' verdict on the member's text today (rules may have changed since).
    verdict: ShareVerdict


def review_item(share: Share) -> ReviewItem:
    suggested = share_suggestion(share)
    return ReviewItem(
        share=share,
        suggested=suggested,
        diff=text_diff(suggested, share.text),
        verdict=share_check(post=share.post, network=share.network, text=share.text),
    )
