"""Edited texts sent to an approver: the approvers' queue, and the member opening an
approved text (see services.review)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.accounts.models import User
from chorus.networks.registry import adapter
from chorus.sharing.models import Share
from chorus.sharing.selectors.review import review_item, shares_in_review
from chorus.sharing.services.intents import share_approved_open
from chorus.sharing.services.review import share_review_approve, share_review_reject
from chorus.sharing.views.share import MASTODON_SESSION_KEY, _mastodon_instance

PER_PAGE = 20
MAX_NOTE = 2000


@require_GET
@role_required("approver")
def caption_review_queue(request: MemberRequest) -> HttpResponse:
    shares = shares_in_review(organization=request.organization)
    page = Paginator(shares, PER_PAGE).get_page(request.GET.get("page"))
    items = [review_item(share) for share in page.object_list]
    return render(request, "sharing/review_queue.html", {"page": page, "items": items})


def _share_or_404(request: MemberRequest, share_id: int) -> Share:
    return get_object_or_404(
        Share.objects.select_related("post__organization", "membership__user", "link"),
        pk=share_id,
        organization=request.organization,
    )


def _answer(
    request: MemberRequest, share: Share, *, done: str = "", error: str = ""
) -> HttpResponse:
    """The updated queue item for htmx, or back to the queue."""
    if request.htmx:  # type: ignore[attr-defined]
        share.refresh_from_db()
        context = {"item": review_item(share), "done": done, "error": error}
        return render(request, "sharing/review_item.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("caption_review_queue")


@require_POST
@role_required("approver")
def caption_review_approve(request: MemberRequest, share_id: int) -> HttpResponse:
    share = _share_or_404(request, share_id)
    actor: User = request.user  # type: ignore[assignment]
    try:
        share_review_approve(share=share, actor=actor, note=request.POST.get("note", "")[:MAX_NOTE])
    except ValidationError as error:
        return _answer(request, share, error=" ".join(error.messages))
    name = share.membership.user.get_full_name()
    return _answer(request, share, done=_("Approved: %(name)s is told.") % {"name": name})


@require_POST
@role_required("approver")
def caption_review_reject(request: MemberRequest, share_id: int) -> HttpResponse:
    share = _share_or_404(request, share_id)
    actor: User = request.user  # type: ignore[assignment]
    try:
        share_review_reject(
            share=share, actor=actor, reason=request.POST.get("reason", "")[:MAX_NOTE]
        )
    except ValidationError as error:
        return _answer(request, share, error=" ".join(error.messages))
    name = share.membership.user.get_full_name()
    return _answer(request, share, done=_("Not approved: %(name)s is told why.") % {"name": name})


@require_http_methods(["GET", "POST"])
@member_required
def share_open_approved(request: MemberRequest, share_id: int) -> HttpResponse:
    """The member's approved text: shown (GET), then opened on the network (POST)."""
    share = get_object_or_404(
        Share.objects.select_related("post", "link"),
        pk=share_id,
        organization=request.organization,
        membership=request.membership,
    )
    found = adapter(share.network)
    instance = _mastodon_instance(request) if share.network == "mastodon" else ""
    errors: list[str] = []
    if request.method == "POST":
        if share.network == "mastodon":
            instance = request.POST.get("instance", "").strip()[:253] or instance
        try:
            opened = share_approved_open(
                share=share, membership=request.membership, instance=instance
            )
        except ValidationError as error:
            errors = error.messages
        else:
            if instance:
                request.session[MASTODON_SESSION_KEY] = instance
            return render(
                request,
                "sharing/share_opening.html",
                {"intent_url": opened.intent_url, "label": found.label},
            )
    context = {
        "share": share,
        "label": found.label,
        "takes_text": found.intent_takes_text,
        "instance": instance,
        "errors": errors,
    }
    return render(request, "sharing/share_approved.html", context, status=400 if errors else 200)
