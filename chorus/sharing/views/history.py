"""The member's shares: what, where, when, the link, and what became of each."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chorus.accounts.access import MemberRequest, member_required
from chorus.links.services.links import short_url_base
from chorus.sharing.selectors import shares as share_selectors

PER_PAGE = 25


@require_GET
@member_required
def share_history(request: MemberRequest) -> HttpResponse:
    shares = share_selectors.share_history(
        organization=request.organization, membership=request.membership
    )
    page = Paginator(shares, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/history.html",
        {"page": page, "short_base": short_url_base(organization_id=request.organization.pk)},
    )
