"""A signed share link from a message: it opens the post's share dialog, never shares."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required
from chorus.reach.links import LinkExpired, LinkInvalid, share_link_read
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
