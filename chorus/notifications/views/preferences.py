"""A member's own choices: where and when Chorus may reach them, and unsubscribing
from a message's link without signing in."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chorus.accounts.access import MemberRequest, member_required, public
from chorus.accounts.models import Membership
from chorus.core.tenancy import across_organizations, in_organization
from chorus.notifications.forms import DeliveryPreferenceForm
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import ChannelStop
from chorus.notifications.preferences import available_time_zones
from chorus.notifications.selectors import reach as selectors
from chorus.notifications.services import preferences as services
from chorus.notifications.services.stops import channel_stop_clear


@require_http_methods(["GET", "POST"])
@member_required
def notification_preferences(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    preference = services.preference_get(membership=membership)
    form = DeliveryPreferenceForm(request.POST or None, preference=preference)
    if request.method == "POST" and form.is_valid():
        services.preference_update(
            membership=membership,
            choices=form.choices(),
            everything_off=form.cleaned_data["everything_off"],
            digest_frequency=form.cleaned_data["digest_frequency"],
            digest_weekday=form.cleaned_data["digest_weekday"],
            digest_time=form.time("digest_time"),
            time_zone=form.cleaned_data["time_zone"],
            quiet_hours=form.cleaned_data["quiet_hours"],
            quiet_start=form.time("quiet_start"),
            quiet_end=form.time("quiet_end"),
            daily_cap=form.cleaned_data["daily_cap"],
        )
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notification_preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "channels": [Channel(value) for value in selectors.member_channel_columns()],
            "stops": list(ChannelStop.objects.filter(membership=membership)),
            "reach": selectors.member_reach(membership=membership),
            "time_zones": sorted(available_time_zones()),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@member_required
def notification_channel_restart(request: MemberRequest, channel: str) -> HttpResponse:
    if channel not in Channel.values:
        raise Http404
    if channel_stop_clear(membership=request.membership, channel=channel):
        messages.success(
            request, _("%(channel)s starts again.") % {"channel": Channel(channel).label}
        )
    return redirect("notification_preferences")


def _token_membership(token: str) -> tuple[Membership, dict[str, str]] | None:
    value = services.unsubscribe_token_read(token)
    if value is None:
        return None
    # The link is the member's key: it names a membership in any organization.
    with across_organizations("an unsubscribe link names its membership"):
        membership = (
            Membership.objects.select_related("user", "organization").filter(pk=value["m"]).first()
        )
    if membership is None:
        return None
    return membership, {"category": value["c"], "channel": value["ch"]}


@csrf_exempt  # RFC 8058: mail clients POST without a CSRF token; the signed link is the key
@require_http_methods(["GET", "POST"])
@public
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Unsubscribe from one kind of message on one channel, or from everything. GET shows
    what the link stops and a button; POST (the button, or a mail client's one click) does
    it. Works without signing in."""
    found = _token_membership(token)
    if found is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    membership, target = found
    category, channel = target["category"], target["channel"]
    with in_organization(membership.organization):
        done = ""
        if request.method == "POST":
            everything = request.POST.get("scope") == "everything"
            if everything:
                services.everything_off_apply(membership=membership)
                done = "everything"
            else:
                services.unsubscribe_apply(
                    membership=membership, category=category, channel=channel
                )
                done = "one"
        return render(
            request,
            "notifications/unsubscribe.html",
            {
                "organization": membership.organization,
                "category_label": Category(category).label if category in Category.values else "",
                "channel_label": Channel(channel).label if channel in Channel.values else "",
                "done": done,
                "token": token,
            },
        )
