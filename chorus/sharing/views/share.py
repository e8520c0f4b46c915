"""The share dialog: a caption per network, checked as the member types, and intent links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.content.models import CaptionMode, Post
from chorus.links.models import Link
from chorus.links.services.links import link_mint, short_url, short_url_base
from chorus.networks.registry import adapter
from chorus.sharing.compose import share_check, share_compose, text_fingerprint
from chorus.sharing.models import ConnectionStatus, NetworkConnection, Share, ShareStatus
from chorus.sharing.selectors.feed import enabled_networks, feed_post
from chorus.sharing.selectors.shares import colleagues_same_text, share_latest_intent
from chorus.sharing.services.intents import (
    share_intent_done,
    share_intent_open,
    share_intent_undo,
)
from chorus.sharing.services.publishing import (
    active_connection,
    share_cancel,
    share_delete_scheduled,
    share_publish_now,
    share_schedule,
)
from chorus.sharing.services.review import review_message, share_goes_to_review
from chorus.sharing.services.settings import publishing_enabled
from chorus.training.models import GateAction
from chorus.training.selectors.gates import GateRefused, GateVerdict, gate_check, gates_for_member
from chorus.writing.selectors.settings import writing_enabled

MASTODON_SESSION_KEY = "mastodon_instance"
MAX_TEXT = 70000
STATUS_POLLS = 5


@dataclass(frozen=True)
class NetworkChoice:
    network: str
    label: str
    takes_text: bool


@dataclass(frozen=True)
class GatedChoice(NetworkChoice):
    gate: GateVerdict | None = None


def _refused(
    request: MemberRequest, *, post: Post, choice: NetworkChoice, error: ValidationError
) -> HttpResponse:
    """Not shared: the reasons (a missing certification with the link that fixes it), and
    the member's text, kept so nothing they typed is lost."""
    verdict = error.verdict if isinstance(error, GateRefused) else None
    return render(
        request,
        "sharing/share_refused.html",
        {
            "post": post,
            "choice": choice,
            "messages_": [] if verdict is not None else error.messages,
            "verdict": verdict,
            "text": _text(request),
        },
        status=403 if verdict is not None else 400,
    )


def _text(request: MemberRequest) -> str:
    """The member's text, with the line breaks browsers send (CRLF) as typed (LF)."""
    return request.POST.get("text", "")[:MAX_TEXT].replace("\r\n", "\n")


def _post_or_404(request: MemberRequest, post_id: int) -> Post:
    post = feed_post(
        organization=request.organization, membership=request.membership, post_id=post_id
    )
    if post is None:
        raise Http404("This post is not in your feed.")
    return post


def _choices(request: MemberRequest) -> list[NetworkChoice]:
    choices = []
    for network in enabled_networks(organization=request.organization):
        try:
            found = adapter(network)
        except ImportError:  # a network whose adapter is not installed yet
            continue
        choices.append(NetworkChoice(network, found.label, found.intent_takes_text))
    return choices


def _choice_or_400(request: MemberRequest, value: str | None) -> NetworkChoice | None:
    for choice in _choices(request):
        if choice.network == value:
            return choice
    return None


def _mastodon_instance(request: MemberRequest) -> str:
    """The member's Mastodon server: their connected account's, or the one they typed once."""
    connection = (
        NetworkConnection.objects.filter(
            membership=request.membership, network="mastodon", status=ConnectionStatus.ACTIVE
        )
        .values_list("instance", flat=True)
        .first()
    )
    return connection or str(request.session.get(MASTODON_SESSION_KEY, ""))


@require_GET
@member_required
def share_dialog(request: MemberRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    if not request.membership.is_advocate:
        return render(request, "sharing/feed_join.html")
    # A gated post (or network) says why and links the course that fixes it, instead of a
    # button that fails. The gates are loaded once for the post and every network.
    gates = gates_for_member(membership=request.membership)
    gate = gates.post_verdict(post)
    choices = [
        GatedChoice(
            choice.network,
            choice.label,
            choice.takes_text,
            gates.verdict(action=GateAction.SHARE, network=choice.network, post=post),
        )
        for choice in _choices(request)
    ]
    return render(
        request, "sharing/share.html", {"post": post, "choices": choices, "verdict": gate}
    )


@require_GET
@member_required
def share_network(request: MemberRequest, post_id: int) -> HttpResponse:
    """One network's part of the dialog: the caption with the member's link, and the verdict."""
    post = _post_or_404(request, post_id)
    if not request.membership.is_advocate:
        raise PermissionDenied(_("Join the advocacy program to share."))
    choice = _choice_or_400(request, request.GET.get("network"))
    if choice is None:
        return HttpResponseBadRequest(_("Choose a network."))
    verdict = gate_check(
        membership=request.membership, action=GateAction.SHARE, network=choice.network, post=post
    )
    if not verdict.allowed:
        return render(request, "training/gate_blocks.html", {"verdict": verdict})
    try:
        text, link = share_compose(post=post, membership=request.membership, network=choice.network)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    latest = share_latest_intent(
        organization=request.organization,
        membership=request.membership,
        post=post,
        network=choice.network,
    )
    return render(
        request,
        "sharing/share_network.html",
        {
            "post": post,
            "choice": choice,
            "text": text,
            "link": link,
            "share": latest,
            **_verdict_context(request, post=post, choice=choice, text=text, link=link),
            "locked": post.caption_mode == CaptionMode.LOCKED,
            "instance": _mastodon_instance(request) if choice.network == "mastodon" else "",
            "connection": _publishing_connection(request, choice.network),
            "writing_on": writing_enabled(organization=request.organization),
            "tracked_url": short_url(link) if link is not None else "",
        },
    )


def _verdict_context(
    request: MemberRequest, *, post: Post, choice: NetworkChoice, text: str, link: Link | None
) -> dict[str, object]:
    """The verdict on the text, and what the dialog's buttons may do with it.

    A blocked text disables "Open <network>" (the reason beside it), unless the
    organization sends such texts to an approver: then the button says so. It also says
    how many colleagues already posted exactly these words on the network (never a block).
    """
    tracked_url = short_url(link) if link is not None else ""
    verdict = share_check(post=post, network=choice.network, text=text, tracked_url=tracked_url)
    to_review = verdict.blocked and share_goes_to_review(post=post, verdict=verdict, edited=True)
    same_text = colleagues_same_text(
        organization=request.organization,
        membership=request.membership,
        post=post,
        network=choice.network,
        text_hash=text_fingerprint(verdict.text),
    )
    return {
        "verdict": verdict,
        "same_text": same_text,
        "to_review": to_review,
        "refused": verdict.blocked and not to_review,
        "tracked_url": tracked_url,
        "post_link_url": post.link_url,
    }


def _publishing_connection(request: MemberRequest, network: str) -> NetworkConnection | None:
    """The member's connected account Chorus may publish to, when the organization allows."""
    if not publishing_enabled(organization=request.organization, network=network):
        return None
    return active_connection(membership=request.membership, network=network)


def _when(value: str) -> datetime | None:
    """A datetime-local value ("2030-01-31T09:30") in the current time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_POST
@member_required
def share_publish(request: MemberRequest, post_id: int) -> HttpResponse:
    """Chorus posts on the member's connected account: now, or at the time they chose."""
    post = _post_or_404(request, post_id)
    choice = _choice_or_400(request, request.POST.get("network"))
    if choice is None:
        return HttpResponseBadRequest(_("Choose a network."))
    text = _text(request)
    try:
        if request.POST.get("publish") == "schedule":
            when = _when(request.POST.get("when", ""))
            if when is None:
                raise ValidationError(_("Choose when to post it."))
            share = share_schedule(
                membership=request.membership,
                post=post,
                network=choice.network,
                when=when,
                text=text,
            )
            done = _("Scheduled on %(network)s.") % {"network": choice.label}
        else:
            share = share_publish_now(
                membership=request.membership, post=post, network=choice.network, text=text
            )
            done = _("Posting on %(network)s now.") % {"network": choice.label}
    except ValidationError as error:
        return _refused(request, post=post, choice=choice, error=error)
    if share.status == ShareStatus.IN_REVIEW:
        messages.info(request, review_message(share))
    else:
        messages.success(request, done)
    return redirect("share_history")


@require_POST
@member_required
def share_check_view(request: MemberRequest, post_id: int) -> HttpResponse:
    """The verdict and the length, counted the network's way, as the member types."""
    post = _post_or_404(request, post_id)
    choice = _choice_or_400(request, request.POST.get("network"))
    if choice is None:
        return HttpResponseBadRequest(_("Choose a network."))
    link: Link | None = None
    if post.link_url:
        try:
            link = link_mint(post=post, membership=request.membership, network=choice.network)
        except ValidationError as error:
            return HttpResponseBadRequest(" ".join(error.messages))
    context = _verdict_context(request, post=post, choice=choice, text=_text(request), link=link)
    context |= {
        "post": post,
        "choice": choice,
        "connection": _publishing_connection(request, choice.network),
    }
    return render(request, "sharing/share_check.html", context)


@require_POST
@member_required
def share_open(request: MemberRequest, post_id: int) -> HttpResponse:
    """Record the share and send the member (in a new tab) to the network's share page."""
    post = _post_or_404(request, post_id)
    choice = _choice_or_400(request, request.POST.get("network"))
    if choice is None:
        return HttpResponseBadRequest(_("Choose a network."))
    instance = ""
    if choice.network == "mastodon":
        instance = request.POST.get("instance", "").strip()[:253] or _mastodon_instance(request)
    try:
        opened = share_intent_open(
            post=post,
            membership=request.membership,
            network=choice.network,
            text=_text(request),
            instance=instance,
        )
    except ValidationError as error:
        return _refused(request, post=post, choice=choice, error=error)
    if instance:
        # Asked once: the next Mastodon share goes to the same server.
        request.session[MASTODON_SESSION_KEY] = instance
    if opened.in_review:
        return render(
            request,
            "sharing/share_in_review.html",
            {"post": post, "choice": choice, "message": review_message(opened.share)},
        )
    # A page that moves on by itself: a redirect off-site would break the CSP's form-action.
    return render(
        request,
        "sharing/share_opening.html",
        {"intent_url": opened.intent_url, "label": choice.label},
    )


@require_GET
@member_required
def share_status(request: MemberRequest, post_id: int) -> HttpResponse:
    """The member's latest share of the post on a network, with "done" and "undo"."""
    post = _post_or_404(request, post_id)
    choice = _choice_or_400(request, request.GET.get("network"))
    if choice is None:
        return HttpResponseBadRequest(_("Choose a network."))
    latest = share_latest_intent(
        organization=request.organization,
        membership=request.membership,
        post=post,
        network=choice.network,
    )
    try:
        polls = max(0, min(int(request.GET.get("wait", "0")), STATUS_POLLS))
    except ValueError:
        polls = 0
    return render(
        request,
        "sharing/share_status.html",
        {"post": post, "choice": choice, "share": latest, "polls": polls - 1 if polls else 0},
    )


def _own_share_or_404(request: MemberRequest, share_id: int) -> Share:
    return get_object_or_404(
        Share.objects.select_related("post", "link"),
        pk=share_id,
        organization=request.organization,
        membership=request.membership,
    )


def _after_change(request: MemberRequest, share: Share) -> HttpResponse:
    if getattr(request, "htmx", False):
        template = (
            "sharing/history_row.html"
            if request.POST.get("in") == "history"
            else ("sharing/share_status.html")
        )
        context = {
            "share": share,
            "post": share.post,
            "polls": 0,
            "short_base": short_url_base(organization_id=share.organization_id),
        }
        return render(request, template, context)
    return redirect("share_history")


@require_POST
@member_required
def share_done(request: MemberRequest, share_id: int) -> HttpResponse:
    share = _own_share_or_404(request, share_id)
    try:
        share_intent_done(share=share, membership=request.membership)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return _after_change(request, share)


@require_POST
@member_required
def share_undo(request: MemberRequest, share_id: int) -> HttpResponse:
    share = _own_share_or_404(request, share_id)
    try:
        share_intent_undo(share=share, membership=request.membership)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return _after_change(request, share)


@require_POST
@member_required
def share_cancel_view(request: MemberRequest, share_id: int) -> HttpResponse:
    share = _own_share_or_404(request, share_id)
    try:
        if request.POST.get("delete"):
            share_delete_scheduled(share=share, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Scheduled share deleted."))
        else:
            share_cancel(share=share, actor=request.user)  # type: ignore[arg-type]
            messages.success(request, _("Scheduled share cancelled."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("share_history")
