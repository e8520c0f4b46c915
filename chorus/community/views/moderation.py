"""The moderation queue: reported messages in the spaces the member moderates."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from chorus.accounts.access import MemberRequest, member_required
from chorus.community.selectors.moderation import is_moderator_anywhere, moderation_queue


@member_required
def moderation(request: MemberRequest) -> HttpResponse:
    """Curators and admins see every space's reports; a space's moderators their spaces'."""
    if not is_moderator_anywhere(organization=request.organization, membership=request.membership):
        raise PermissionDenied(_("Only moderators may see the moderation queue."))
    return render(
        request,
        "community/moderation.html",
        {
            "items": moderation_queue(
                organization=request.organization, membership=request.membership
            )
        },
    )
