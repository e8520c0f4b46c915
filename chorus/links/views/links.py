"""Curators' link pages: the "Tracked links" card on a post, minting and switching links.

The card is swapped in place by htmx; without JavaScript the forms post and come back to
the post page with a message. Numbers are the counters on each link, never a scan of clicks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, role_required
from chorus.accounts.models import Organization
from chorus.content.models import Network, Post
from chorus.links.forms import LinkMintForm
from chorus.links.models import Link
from chorus.links.selectors import links as selectors
from chorus.links.services import links as services

# The card lists this many links; a post shared by everyone has the rest in the API.
CARD_LIMIT = 50


def _network_label(link: Link) -> str:
    return Network(link.network).label if link.network in Network.values else link.network


def card_context(
    *, organization: Organization, post: Post, form: LinkMintForm | None = None, notice: str = ""
) -> dict[str, Any]:
    links = selectors.post_links(organization=organization, post=post)
    shown = list(links[: CARD_LIMIT + 1])
    base = services.short_url_base(organization_id=organization.pk)
    return {
        "show": True,
        "post": post,
        "rows": [
            {"link": link, "url": f"{base}/l/{link.code}", "network": _network_label(link)}
            for link in shown[:CARD_LIMIT]
        ],
        "more": links.count() - CARD_LIMIT if len(shown) > CARD_LIMIT else 0,
        "totals": selectors.post_link_totals(organization=organization, post=post),
        "form": form or LinkMintForm(),
        "notice": notice,
        "mintable": post.state in services.MINTABLE_STATES,
    }


def _card(
    request: MemberRequest, post: Post, *, form: LinkMintForm | None = None, notice: str = ""
) -> HttpResponse:
    """The card alone for htmx (errors too: htmx swaps only a 200), else back to the post."""
    if request.htmx:  # type: ignore[attr-defined]
        context = card_context(
            organization=request.organization, post=post, form=form, notice=notice
        )
        return render(request, "links/post_links_card.html", context)
    if form is not None and form.errors:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    elif notice:
        messages.success(request, notice)
    return redirect(reverse("post_detail", kwargs={"post_id": post.pk}) + "#tracked-links")


@require_POST
@role_required("curator")
def post_link_mint(request: MemberRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id, organization=request.organization)
    form = LinkMintForm(request.POST)
    if not form.is_valid():
        return _card(request, post, form=form)
    network = form.cleaned_data["network"]
    existed = Link.objects.filter(post=post, membership=None, network=network).exists()
    try:
        services.link_mint(post=post, network=network)
    except ValidationError as exc:
        form.add_error(None, exc.messages[0])
        return _card(request, post, form=form)
    label = dict(form.fields["network"].choices).get(network, network)  # type: ignore[attr-defined]
    if existed:
        notice = gettext("%(network)s: the post already had this link.") % {"network": label}
    else:
        notice = gettext("%(network)s: link created.") % {"network": label}
    return _card(request, post, notice=notice)


@require_POST
@role_required("curator")
def link_toggle(request: MemberRequest, link_id: int) -> HttpResponse:
    """Enable or disable a link; the form says which, so a double click does no harm."""
    link = selectors.link_get(organization=request.organization, link_id=link_id)
    if link is None:
        raise Http404("Unknown link.")
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return HttpResponse(
            gettext("Say whether to enable (1) or disable (0) the link."), status=400
        )
    services.link_update(link=link, actor=request.user, is_active=wanted == "1")  # type: ignore[arg-type]
    if link.is_active:
        notice = gettext("Link %(code)s enabled.") % {"code": link.code}
    else:
        notice = gettext("Link %(code)s disabled.") % {"code": link.code}
    return _card(request, link.post, notice=notice)
