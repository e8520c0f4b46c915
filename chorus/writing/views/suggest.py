"""Caption suggestions asked from a page (the share dialog, the post editor), as a fragment."""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.content.models import Post
from chorus.sharing.selectors.feed import feed_post
from chorus.sharing.selectors.voice import recent_captions
from chorus.writing.forms import SuggestForm
from chorus.writing.selectors.settings import writing_enabled
from chorus.writing.services.suggestions import (
    Draft,
    WritingUnavailable,
    caption_suggestions,
    sent_summary,
)

TARGET = re.compile(r"[a-z][a-z0-9_-]{0,60}")
SOURCE = re.compile(r"caption_[a-z]{1,12}")


@require_POST
@member_required
def suggest(request: MemberRequest, post_id: int) -> HttpResponse:
    organization = request.organization
    if not writing_enabled(organization=organization):
        raise Http404(_("Caption suggestions are not switched on."))
    membership = request.membership
    post: Post | None
    if membership.is_curator or membership.is_admin:
        # Curators ask while writing a post's captions, whatever its state.
        post = Post.objects.filter(organization=organization, pk=post_id).first()
    else:
        post = feed_post(organization=organization, membership=membership, post_id=post_id)
    if post is None:
        raise Http404(_("No such post."))
    data = request.POST.copy()
    # The draft: the share dialog's textarea ("text"), or the editor's field named by "source".
    source = request.POST.get("source", "")
    draft_field = source if SOURCE.fullmatch(source) else "text"
    data.setdefault("caption", data.get(draft_field, ""))
    form = SuggestForm(data)
    target = request.POST.get("target", "")
    context: dict[str, object] = {
        "sent": sent_summary(organization=organization),
        # The field "Use this text" fills: an element id, nothing else.
        "target": target if TARGET.fullmatch(target) else "",
    }
    if not form.is_valid():
        context["error"] = _("Choose a network and keep the draft under 5,000 characters.")
        return render(request, "writing/suggestions.html", context, status=400)
    network = form.cleaned_data["network"]
    draft = Draft(
        network=network,
        title=post.title,
        commentary=post.commentary,
        caption=form.cleaned_data["caption"],
        link_url=request.POST.get("link_url", "")[:2000],
        voice_samples=tuple(recent_captions(membership=membership)),
    )
    try:
        result = caption_suggestions(organization=organization, draft=draft)
    except WritingUnavailable as error:
        context["error"] = str(error)
        return render(request, "writing/suggestions.html", context)
    context.update({"suggestions": result.items, "dropped": result.dropped, "network": network})
    return render(request, "writing/suggestions.html", context)
