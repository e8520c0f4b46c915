"""Approvers' review: the queue of posts waiting for a decision, one post's review (who it
reaches, when, the rules' verdict, what changed), approved (and published) or rejected."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Group, User
from chorus.content.forms import RejectForm
from chorus.content.models import Post, PostState
from chorus.content.selectors import posts as post_selectors
from chorus.content.selectors import review as review_selectors
from chorus.content.services import posts as post_services

POSTS_PER_PAGE = 20


def _user(request: MemberRequest) -> User:
    return request.user  # type: ignore[return-value]


def _item(request: MemberRequest, post: Post, form: RejectForm | None = None) -> dict[str, Any]:
    """One post as an approver sees it in the queue or on its review page."""
    return {
        "post": post,
        "review": review_selectors.post_review(organization=request.organization, post=post),
        "own": post_services.post_approval_refused_to(post=post, user=_user(request)),
        "form": form or RejectForm(),
    }


def _decision_context(request: MemberRequest) -> dict[str, Any]:
    return {
        "publishes_on_approval": post_services.post_publishes_on_approval(
            organization=request.organization
        )
    }


@require_GET
@role_required("approver")
def review_queue(request: MemberRequest) -> HttpResponse:
    posts = post_selectors.review_queue(organization=request.organization).prefetch_related(
        "target_groups", "images"
    )
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    items = [_item(request, post) for post in page.object_list]
    context = {"page": page, "items": items, **_decision_context(request)}
    return render(request, "content/review_queue.html", context)


@require_GET
@role_required("approver")
def review_post(request: MemberRequest, post_id: int) -> HttpResponse:
    """One post's review: everything needed to decide, and the decision."""
    post = get_object_or_404(
        Post.objects.select_related("created_by", "submitted_by", "approved_by").prefetch_related(
            "captions",
            "images",
            Prefetch("target_groups", queryset=Group.objects.order_by("kind", "name")),
        ),
        pk=post_id,
        organization=request.organization,
    )
    context = {
        "item": _item(request, post),
        "on_page": True,
        "state_in_sentence": post_services.post_state_in_sentence(post.state),
        **_decision_context(request),
    }
    return render(request, "content/review_post.html", context)


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
        context = {
            "item": _item(request, post, form),
            "done": done,
            "error": error,
            **_decision_context(request),
        }
        return render(request, "content/review_item.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    if request.POST.get("from") == "detail":
        return redirect("post_detail", post_id=post.pk)
    if error and request.POST.get("from") == "review":
        return redirect("review_post", post_id=post.pk)
    return redirect("review_queue")


def _approved(request: MemberRequest, post: Post) -> str:
    """What approving did, in a sentence."""
    if post.state == PostState.LIVE:
        return _("Approved and published: “%(title)s” is in members' feeds now.") % {
            "title": post.title
        }
    if post.state == PostState.SCHEDULED and post.publish_start is not None:
        # Translators: a date format (see Django's date filter): "4 Dec 2026 20:57".
        datetime_format = pgettext("date format", "j M Y H:i")
        when = date_format(timezone.localtime(post.publish_start), datetime_format)
        return _("Approved and scheduled: “%(title)s” goes live on %(when)s.") % {
            "title": post.title,
            "when": when,
        }
    if post_services.post_publishes_on_approval(organization=request.organization):
        return _(
            "Approved “%(title)s”, not published: its publish window is already over. "
            "A curator can change the window and publish it."
        ) % {"title": post.title}
    return _("Approved “%(title)s”. A curator can publish it now.") % {"title": post.title}


@require_POST
@role_required("approver")
def review_approve(request: MemberRequest, post_id: int) -> HttpResponse:
    """Approve; with publish=1 ("Approve and publish"), publish it too."""
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    publish = request.POST.get("publish", "") == "1"
    try:
        post_services.post_approve(post=post, actor=_user(request), publish=publish)
    except ValidationError as exc:
        post.refresh_from_db()
        return _answer(request, post, error=" ".join(exc.messages))
    return _answer(request, post, done=_approved(request, post))


@require_POST
@role_required("approver")
def review_reject(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _answer(request, post, error=_("Say why the post is rejected."), form=form)
    try:
        post_services.post_reject(
            post=post, actor=_user(request), reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        post.refresh_from_db()
        return _answer(request, post, error=" ".join(exc.messages), form=form)
    return _answer(request, post, done=_("Rejected “%(title)s”.") % {"title": post.title})
