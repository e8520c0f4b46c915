"""Topics as members and curators see them: following what you care about, what each draws."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, member_required, role_required
from chorus.sharing.selectors.topics import SHARE_WINDOW, topic_choices, topic_figures, topic_get
from chorus.sharing.services.topics import topic_follow, topic_follows_set, topic_unfollow


def _back(request: MemberRequest, default: str) -> HttpResponse:
    """Back where the form was (the feed, the settings), never to another site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


def _topic_ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit() and len(value) < 12]


@require_http_methods(["GET", "POST"])
@member_required
def topic_follows(request: MemberRequest) -> HttpResponse:
    """Which topics the member follows: ticked ones are followed, the rest are not."""
    if request.method == "POST":
        topic_follows_set(
            membership=request.membership, topic_ids=_topic_ids(request.POST.getlist("topic"))
        )
        messages.success(request, _("Your topics were saved."))
        return _back(request, "topic_follows")
    choices = topic_choices(organization=request.organization, membership=request.membership)
    return render(request, "sharing/topics.html", {"topic_choices": choices})


@require_POST
@member_required
def topic_follow_change(request: MemberRequest, topic_id: int) -> HttpResponse:
    """Follow (follow=1) or unfollow (follow=0) one topic."""
    topic = topic_get(organization=request.organization, topic_id=topic_id)
    if topic is None:
        raise Http404(_("No such topic."))
    if request.POST.get("follow") == "1":
        topic_follow(membership=request.membership, topic=topic)
        messages.success(request, _("You follow %(topic)s.") % {"topic": topic.name})
    else:
        topic_unfollow(membership=request.membership, topic=topic)
        messages.success(request, _("You no longer follow %(topic)s.") % {"topic": topic.name})
    return _back(request, "topic_follows")


@require_GET
@role_required("curator")
def topics_manage(request: MemberRequest) -> HttpResponse:
    """For curators: each topic's followers, posts and recent shares."""
    figures = topic_figures(organization=request.organization)
    return render(
        request, "sharing/topics_manage.html", {"figures": figures, "days": SHARE_WINDOW.days}
    )
