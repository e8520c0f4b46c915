"""One post's funnel: members reached → shares → clicks → engagement, per network."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from chorus.accounts.access import MemberRequest, role_required
from chorus.analytics import exports
from chorus.analytics.selectors import posts as post_selectors
from chorus.analytics.selectors import words as word_selectors
from chorus.analytics.views.dashboard import ANALYSTS
from chorus.content.models import Post


@role_required(*ANALYSTS)
def post_stats(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    funnel = post_selectors.post_funnel(organization=request.organization, post=post)
    own_words = word_selectors.post_own_words(organization=request.organization, post_id=post.pk)
    return render(
        request, "analytics/post.html", {"post": post, "funnel": funnel, "own_words": own_words}
    )


@role_required(*ANALYSTS)
def post_stats_export(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    table = exports.post_table(organization=request.organization, post=post)
    try:
        return exports.response(
            table, name=f"post-{post.pk}", format=request.GET.get("format", "csv")
        )
    except ValidationError as error:
        return HttpResponse(
            " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
        )
