"""Approvers' review queue: posts waiting for a decision, approved or rejected inline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import User
from chorus.content.forms import RejectForm
from chorus.content.models import Post
from chorus.content.selectors import posts as post_selectors
from chorus.content.services import posts as post_services

POSTS_PER_PAGE = 20


@require_GET
@role_required("approver")
def review_queue(request: MemberRequest) -> HttpResponse:
    posts = post_selectors.review_queue(organization=request.organization)
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {
            "post": post,
            "checks": post_selectors.post_caption_checks(post=post),
            "form": RejectForm(),
        }
        for post in page.object_list
    ]
    return render(request, "content/review_queue.html", {"page": page, "items": items})


def _answer(
    request: MemberRequest,
    post: Post,
    *,
    done: str = "",
    error: str = "",
    form: RejectForm | None = None,
) -> HttpResponse:
    """The updated queue item for htmx, or back where the approver came from."""
    if request.htmx:  # type: ignore[attr-defined]
        item = {
            "post": post,
            "checks": post_selectors.post_caption_checks(post=post),
            "form": form or RejectForm(),
        }
        context = {"item": item, "done": done, "error": error}
        return render(request, "content/review_item.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    if request.POST.get("from") == "detail":
        return redirect("post_detail", post_id=post.pk)
    return redirect("review_queue")


@require_POST
@role_required("approver")
def review_approve(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    actor: User = request.user  # type: ignore[assignment]
    try:
        post_services.post_approve(post=post, actor=actor)
    except ValidationError as exc:
        return _answer(request, post, error=" ".join(exc.messages))
    return _answer(request, post, done=f"Approved “{post.title}”.")


@require_POST
@role_required("approver")
def review_reject(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    actor: User = request.user  # type: ignore[assignment]
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _answer(request, post, error="Say why the post is rejected.", form=form)
    try:
        post_services.post_reject(post=post, actor=actor, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _answer(request, post, error=" ".join(exc.messages), form=form)
    return _answer(request, post, done=f"Rejected “{post.title}”.")
