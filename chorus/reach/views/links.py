"""Signed links from a message: one opens the post's share dialog (never shares), one
shows the post's picture to a mail client, Slack or Teams without signing in."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required, public
from chorus.accounts.models import Organization
from chorus.core.images import content_type_of
from chorus.core.tenancy import in_organization
from chorus.reach.links import LinkExpired, LinkInvalid, image_link_read, share_link_read
from chorus.reach.selectors.posts import live_post
from chorus.reach.services.settings import share_link_opened


@require_GET
@member_required
def share_link_open(request: MemberRequest, token: str) -> HttpResponse:
    try:
        link = share_link_read(token)
    except LinkExpired:
        return render(request, "reach/link_expired.html", status=410)
    except LinkInvalid:
        return render(request, "reach/link_invalid.html", status=404)
    if link.membership_id != request.membership.pk:
        # Someone else's link (a forwarded email): the post in the reader's own feed, if
        # it is there; nothing is done in anyone's name.
        return redirect("feed_post", post_id=link.post_id)
    share_link_opened(organization=request.organization)
    target = reverse("share_dialog", args=[link.post_id])
    if link.network:
        target += "?" + urlencode({"network": link.network})
    return redirect(target)


@require_GET
@public
def post_image_open(request: HttpRequest, token: str) -> HttpResponse:
    """The preview thumbnail of a live post, for 30 days after the message was written;
    404 for an altered or expired token, a post no longer live or without a picture."""
    link = image_link_read(token)
    if link is None:
        raise Http404("This picture link is not valid.")
    organization = Organization.objects.filter(pk=link.organization_id).first()
    if organization is None:
        raise Http404("This picture link is not valid.")
    with in_organization(organization):
        post = live_post(organization=organization, post_id=link.post_id, now=timezone.now())
    if post is None or not post.preview_thumbnail:
        raise Http404("This post has no picture to show.")
    try:
        handle = post.preview_thumbnail.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("This image file is missing.") from error
    response = FileResponse(handle, content_type=content_type_of(post.preview_thumbnail.name or ""))
    # Mail clients and their image proxies fetch it from anywhere; it holds nothing the
    # post's readers do not see, and a changed picture comes with the next message's token.
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response  # type: ignore[return-value]
