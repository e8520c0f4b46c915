"""The writing-help API: caption suggestions for a post and a network."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from chorus.api.auth import api_roles, calling_member
from chorus.api.schema import Error, Input
from chorus.content.models import Network, Post
from chorus.sharing.selectors.feed import feed_post
from chorus.sharing.selectors.voice import recent_captions
from chorus.writing.selectors.settings import writing_enabled
from chorus.writing.services.suggestions import (
    Draft,
    WritingUnavailable,
    caption_suggestions,
    sent_summary,
)

router = Router(tags=["writing"])


class CaptionSuggestionsIn(Input):
    post_id: int = Field(ge=1, le=2**63 - 1)
    network: Network
    caption: str = Field("", max_length=5000, description="The draft so far, if any.")
    link_url: str = Field("", max_length=2000, description="The tracked link to keep in it.")


class CaptionSuggestionOut(Schema):
    text: str
    length: int
    limit: int
    warnings: list[str]


class CaptionSuggestionsOut(Schema):
    suggestions: list[CaptionSuggestionOut]
    dropped: int = Field(description="Suggestions the rules or the length limit refused.")
    sent: str = Field(description="What was sent to the writing service, in words.")


@router.post(
    "/writing/suggestions",
    response={200: CaptionSuggestionsOut, 404: Error, 422: Error, 503: Error},
    summary="Suggest captions for a post on a network (when an admin switched it on)",
)
@api_roles()
def suggestions_create(
    request: HttpRequest, payload: CaptionSuggestionsIn
) -> CaptionSuggestionsOut:
    membership = calling_member(request)
    organization = membership.organization
    if not writing_enabled(organization=organization):
        raise HttpError(404, _("Caption suggestions are not switched on."))
    post: Post | None
    if membership.is_curator or membership.is_admin:
        post = Post.objects.filter(organization=organization, pk=payload.post_id).first()
    else:
        post = feed_post(organization=organization, membership=membership, post_id=payload.post_id)
    if post is None:
        raise HttpError(404, _("No such post."))
    draft = Draft(
        network=payload.network,
        title=post.title,
        commentary=post.commentary,
        caption=payload.caption,
        link_url=payload.link_url.strip(),
        voice_samples=tuple(recent_captions(membership=membership)),
    )
    try:
        result = caption_suggestions(organization=organization, draft=draft)
    except WritingUnavailable as error:
        raise HttpError(503, str(error)) from error
    return CaptionSuggestionsOut(
        suggestions=[
            CaptionSuggestionOut(
                text=item.text,
                length=item.length,
                limit=item.limit,
                warnings=[finding.message for finding in item.warnings],
            )
            for item in result.items
        ],
        dropped=result.dropped,
        sent=sent_summary(organization=organization),
    )
