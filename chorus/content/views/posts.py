"""Curators' pages for posts: where each post stands, the editor, the history, the actions."""

from __future__ import annotations

import difflib
import mimetypes
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Group, User
from chorus.actions import posts as post_actions
from chorus.content.compliance import CheckResult, check_text
from chorus.content.forms import ImageAltForm, PostForm, RejectForm
from chorus.content.models import (
    Network,
    Post,
    PostImage,
    PostState,
    PostVersion,
)
from chorus.content.selectors import posts as post_selectors
from chorus.content.selectors import review as review_selectors
from chorus.content.services import posts as post_services
from chorus.core.images import content_type_of
from chorus.pilot.selectors.pilot import pilot_running
from chorus.training.selectors.gates import sensitive_post_help
from chorus.writing.selectors.settings import writing_enabled

POSTS_PER_PAGE = 30
# Fields shown in a version, in this order, for the full text and the diff.
VERSION_FIELDS = [
    ("title", gettext_lazy("Title")),
    ("commentary", gettext_lazy("Commentary")),
    ("link_url", gettext_lazy("Link")),
]


def _user(request: MemberRequest) -> User:
    return request.user  # type: ignore[return-value]


def _post_or_404(request: MemberRequest, post_id: int) -> Post:
    return get_object_or_404(Post, pk=post_id, organization=request.organization)


def _clean_text(value: str, limit: int) -> str:
    # NUL characters are refused by PostgreSQL: drop them rather than fail.
    return value.replace("\x00", "")[:limit]


# The list -----------------------------------------------------------------------------


@role_required("curator", "approver")
def post_list(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    state = request.GET.get("state", "")
    state = state if state in PostState.values else ""
    campaign = _clean_text(request.GET.get("campaign", ""), 100)
    q = _clean_text(request.GET.get("q", ""), 200)
    posts = post_selectors.post_list(organization=organization, state=state, campaign=campaign, q=q)
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    counts = post_selectors.post_state_counts(organization=organization, campaign=campaign, q=q)
    filters = {key: value for key, value in {"campaign": campaign, "q": q}.items() if value}
    tabs = [
        {
            "state": "",
            "label": _("All"),
            "count": sum(counts.values()),
            "query": urlencode(filters),
        },
        *(
            {
                "state": value,
                "label": label,
                "count": counts[value],
                "query": urlencode({**filters, "state": value}),
            }
            for value, label in PostState.choices
        ),
    ]
    context = {
        "page": page,
        # The same check as post_create's: approvers see the list but may not write posts.
        "can_create": request.membership.has_role("curator"),
        "tabs": tabs,
        "state": state,
        "campaign": campaign,
        "q": q,
        "campaigns": post_selectors.post_campaigns(organization=organization),
        "query": urlencode({**filters, **({"state": state} if state else {})}),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "content/post_cards.html", context)
    return render(request, "content/posts.html", context)


# Create and edit ----------------------------------------------------------------------


def _form_context(request: MemberRequest, form: PostForm, post: Post | None) -> dict[str, Any]:
    target_all = True
    groups: list[Group] = []
    pilot_only = False
    if form.is_bound:
        target_all = form.data.get("target", "all") != "groups"
        ids = [value for value in request.POST.getlist("target_groups") if value.isdigit()]
        groups = list(Group.objects.filter(organization=request.organization, pk__in=ids[:1000]))
        pilot_only = "pilot_until" in form.fields and bool(form.data.get("pilot_until"))
    elif post is not None:
        target_all = post.target_all
        groups = list(post.target_groups.all())
        pilot_only = post_selectors.post_pilot_first(post)
    reach = post_selectors.audience(
        organization=request.organization,
        target_all=target_all,
        groups=groups,
        pilot_only=pilot_only,
    ).count()
    certification_field: Any = form.fields["requires_certification"]
    certification_field.help_text = sensitive_post_help(organization=request.organization)
    return {
        "form": form,
        "post": post,
        "writing_on": post is not None and writing_enabled(organization=request.organization),
        "reach": reach,
        "campaigns": post_selectors.post_campaigns(organization=request.organization),
    }


def _apply_errors(form: PostForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required("curator")
def post_create(request: MemberRequest) -> HttpResponse:
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        organization=request.organization,
        pilot_running=pilot_running(organization=request.organization),
    )
    if request.method == "POST" and form.is_valid():
        try:
            post = _create(request, form)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("post_detail", post_id=post.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "content/post_form.html", _form_context(request, form, None), status=status
    )


@transaction.atomic
def _create(request: MemberRequest, form: PostForm) -> Post:
    """The post and its images, all or nothing."""
    post = post_services.post_create(
        organization=request.organization,
        actor=_user(request),
        title=form.cleaned_data["title"],
        commentary=form.cleaned_data["commentary"],
        link_url=form.cleaned_data["link_url"],
        captions=form.captions(),
        campaign=form.cleaned_data["campaign"],
        details=form.details(),
        images=form.image_uploads(),
    )
    return post


@role_required("curator")
def post_edit(request: MemberRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    if post.state == PostState.ARCHIVED:
        messages.error(request, _("An archived post can't be edited."))
        return redirect("post_detail", post_id=post.pk)
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        organization=request.organization,
        pilot_running=pilot_running(organization=request.organization),
        initial=PostForm.initial_for(post),
    )
    if request.method == "POST" and form.is_valid():
        was = post.state
        try:
            changed = post_services.post_update(
                post=post,
                actor=_user(request),
                title=form.cleaned_data["title"],
                commentary=form.cleaned_data["commentary"],
                link_url=form.cleaned_data["link_url"],
                captions=form.captions(),
                campaign=form.cleaned_data["campaign"],
                details=form.details(),
                images=form.image_uploads(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if not changed:
                messages.info(request, _("Nothing changed."))
            elif post.state != was:
                messages.warning(
                    request, _("Saved. The post changed after approval: it is back in review.")
                )
            else:
                messages.success(
                    request, _("Saved as version %(version)s.") % {"version": post.version}
                )
            return redirect("post_detail", post_id=post.pk)
    if form.is_bound:
        post.refresh_from_db()
    status = 400 if form.is_bound else 200
    return render(
        request, "content/post_form.html", _form_context(request, form, post), status=status
    )


@require_POST
@role_required("curator")
def post_caption_check(request: MemberRequest) -> HttpResponse:
    """The compliance verdict of one caption as it is typed (htmx)."""
    network = request.POST.get("network", "")
    if network not in Network.values:
        return HttpResponse(_("Unknown network."), status=400)
    text = _clean_text(request.POST.get(f"caption_{network}", ""), 70000)
    link_url = _clean_text(request.POST.get("link_url", ""), 2000)
    result = check_text(
        organization=request.organization, network=network, text=text, link_url=link_url
    )
    return render(request, "content/post_caption_check.html", _verdict(result))


def _verdict(result: CheckResult) -> dict[str, Any]:
    """The checked text cut into plain and highlighted pieces, for the template."""
    spans = sorted(
        (max(0, finding.start), min(len(result.text), finding.end), finding.message)
        for finding in result.findings
        if finding.end > finding.start
    )
    pieces: list[dict[str, Any]] = []
    position = 0
    for start, end, message in spans:
        if start < position:  # overlaps the previous highlight: extend it
            if end > position and pieces:
                pieces[-1]["text"] += result.text[position:end]
                position = end
            continue
        if start > position:
            pieces.append({"text": result.text[position:start], "mark": False})
        pieces.append({"text": result.text[start:end], "mark": True, "message": message})
        position = end
    if pieces and position < len(result.text):
        pieces.append({"text": result.text[position:], "mark": False})
    return {"result": result, "pieces": pieces, "over": result.length > result.limit}


@require_POST
@role_required("curator")
def post_reach(request: MemberRequest) -> HttpResponse:
    """How many active members the targeting on the form reaches (htmx)."""
    ids = [value for value in request.POST.getlist("target_groups") if value.isdigit()]
    groups = Group.objects.filter(organization=request.organization, pk__in=ids[:1000])
    reach = post_selectors.audience(
        organization=request.organization,
        target_all=request.POST.get("target", "all") != "groups",
        groups=groups,
    ).count()
    return render(request, "content/post_reach.html", {"reach": reach})


# Detail -------------------------------------------------------------------------------


def _actions(request: MemberRequest, post: Post) -> dict[str, Any]:
    membership = request.membership
    curator = membership.has_role("curator")
    approver = membership.has_role("approver")
    state = post.state
    own = False
    if approver and state == PostState.IN_REVIEW:
        own = post_services.post_approval_refused_to(post=post, user=_user(request))
    can_review = approver and state == PostState.IN_REVIEW and not own
    window = review_selectors.post_window(post)
    publishes = post_services.post_publishes_on_approval(organization=request.organization)
    if window.outcome == "over" or not publishes:
        approve_label = _("Approve") if window.outcome == "over" else _("Approve only")
    else:
        scheduled = window.outcome == "scheduled"
        approve_label = _("Approve and schedule") if scheduled else _("Approve and publish")
    return {
        "approve_label": approve_label,
        "can_edit": curator and state != PostState.ARCHIVED,
        "can_submit": curator and state in (PostState.DRAFT, PostState.REJECTED),
        "can_review": can_review,
        # "Approve and publish", unless approving publishes anyway or can't (window over).
        "can_approve_and_publish": can_review and window.outcome != "over" and not publishes,
        "own_post_in_review": approver and state == PostState.IN_REVIEW and own,
        "can_publish": curator and state == PostState.APPROVED,
        "can_archive": curator and state in post_services.APPROVED_STATES,
        # Announcing (reach) tells members about a post they can share now.
        "can_announce": curator and state == PostState.LIVE and window.outcome == "now",
    }


@require_GET
@role_required("curator", "approver")
def post_detail(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(
        Post.objects.select_related(
            "created_by", "submitted_by", "approved_by", "suggested_by__user"
        ).prefetch_related(
            "captions",
            "topics",
            Prefetch("target_groups", queryset=Group.objects.order_by("kind", "name")),
        ),
        pk=post_id,
        organization=request.organization,
    )
    checks = post_selectors.post_caption_checks(post=post)
    captions = [
        {"caption": caption, **_verdict(checks[caption.network])} for caption in post.captions.all()
    ]
    context = {
        "post": post,
        "captions": captions,
        "reach": post_selectors.post_audience(post).count(),
        "images": [
            (image, ImageAltForm(initial={"alt_text": image.alt_text}))
            for image in post.images.all()
        ],
        "versions": post.versions.select_related("created_by"),
        "transitions": post.transitions.select_related("actor"),
        "reject_form": RejectForm(),
        "now": timezone.now(),
        **_actions(request, post),
    }
    return render(request, "content/post_detail.html", context)


@require_GET
@role_required("curator", "approver")
def post_preview(request: MemberRequest, post_id: int) -> HttpResponse:
    """The link preview card; while it is being fetched, it asks again every 2 seconds."""
    post = _post_or_404(request, post_id)
    return render(request, "content/post_preview.html", {"post": post})


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, line) pairs: kind is "add", "del" or "same"."""
    kinds = {"+ ": "add", "- ": "del", "  ": "same"}
    return [
        (kinds[line[:2]], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[:2] in kinds
    ]


@require_GET
@role_required("curator", "approver")
def post_version(request: MemberRequest, post_id: int, version_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    version = get_object_or_404(
        PostVersion.objects.select_related("created_by"), pk=version_id, post=post
    )
    previous = post_selectors.post_version_previous(version=version)
    labels = dict(Network.choices)
    fields = [
        (str(label), getattr(version, name), getattr(previous, name, None))
        for name, label in VERSION_FIELDS
    ]
    captions = version.captions if isinstance(version.captions, dict) else {}
    old_captions = (
        previous.captions if previous is not None and isinstance(previous.captions, dict) else {}
    )
    for network in Network.values:
        if network in captions or network in old_captions:
            fields.append(
                (
                    _("Caption for %(network)s") % {"network": labels[network]},
                    str(captions.get(network, "")),
                    str(old_captions.get(network, "")) if previous is not None else None,
                )
            )
    sections = [
        {
            "label": label,
            "text": text,
            "changed": old is not None and old != text,
            "diff": _diff(old, text) if old is not None and old != text else [],
        }
        for label, text, old in fields
    ]
    context = {"post": post, "version": version, "previous": previous, "sections": sections}
    return render(request, "content/post_version.html", context)


# Images -------------------------------------------------------------------------------


def _image_or_404(request: MemberRequest, post_id: int, image_id: int) -> PostImage:
    post = _post_or_404(request, post_id)
    return get_object_or_404(PostImage.objects.select_related("post"), pk=image_id, post=post)


@require_GET
@role_required()
def post_image(request: MemberRequest, post_id: int, image_id: int) -> HttpResponse:
    """A post's image, to members of its organization only (media files are not public)."""
    image = _image_or_404(request, post_id, image_id)
    try:
        handle = image.image.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("This image file is missing.") from error
    content_type = mimetypes.guess_type(image.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]


@require_GET
@role_required()
def post_preview_image(request: MemberRequest, post_id: int, size: str = "large") -> HttpResponse:
    """The image of the post's link preview, as Chorus stored it (to its organization only)."""
    post = _post_or_404(request, post_id)
    stored = post.preview_thumbnail if size == "small" else post.preview_image
    if not stored:
        raise Http404("This post's preview has no image.")
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("This image file is missing.") from error
    response = FileResponse(handle, content_type=content_type_of(stored.name or ""))
    # The address changes with the image (?v=), so a browser may keep it.
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]


@require_POST
@role_required("curator")
def post_image_alt(request: MemberRequest, post_id: int, image_id: int) -> HttpResponse:
    image = _image_or_404(request, post_id, image_id)
    form = ImageAltForm(request.POST)
    if form.is_valid():
        post_services.post_image_update(
            image=image, actor=_user(request), alt_text=form.cleaned_data["alt_text"]
        )
        messages.success(request, _("Alt text saved."))
    else:
        messages.error(request, _("Alt text can be at most 500 characters long."))
    return redirect("post_detail", post_id=post_id)


@require_POST
@role_required("curator")
def post_image_delete(request: MemberRequest, post_id: int, image_id: int) -> HttpResponse:
    image = _image_or_404(request, post_id, image_id)
    post_services.post_image_delete(image=image, actor=_user(request))
    messages.success(request, _("Image removed."))
    return redirect("post_detail", post_id=post_id)


# Transitions --------------------------------------------------------------------------


def _run(request: MemberRequest, post_id: int, action: str) -> HttpResponse:
    post = _post_or_404(request, post_id)
    actor = _user(request)
    try:
        if action == "submit":
            post_services.post_submit(post=post, actor=actor)
            messages.success(request, _("Sent to the approvers."))
        elif action == "publish":
            post_services.post_publish(post=post, actor=actor)
            if post.state == PostState.SCHEDULED:
                messages.success(request, _("Scheduled: it goes live when its window starts."))
            else:
                messages.success(request, _("Live: members see it in their feed."))
        else:
            post_actions.post_archive(
                post=post, actor=actor, reason=_clean_text(request.POST.get("reason", ""), 2000)
            )
            messages.success(request, _("Archived."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("post_detail", post_id=post.pk)


@require_POST
@role_required("curator")
def post_submit(request: MemberRequest, post_id: int) -> HttpResponse:
    return _run(request, post_id, "submit")


@require_POST
@role_required("curator")
def post_publish(request: MemberRequest, post_id: int) -> HttpResponse:
    return _run(request, post_id, "publish")


@require_POST
@role_required("curator")
def post_archive(request: MemberRequest, post_id: int) -> HttpResponse:
    return _run(request, post_id, "archive")
