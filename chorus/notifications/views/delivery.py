"""The admins' view of reaching members: channels, tests, and the delivery log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.notifications.messages import Category, Channel
from chorus.notifications.models import DeliveryStatus
from chorus.notifications.selectors import reach as selectors
from chorus.notifications.services.delivery import send_test

PER_PAGE = 50


def _choice(value: str, allowed: list[str]) -> str:
    return value if value in allowed else ""


@require_GET
@admin_required
def delivery_log(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    channel = _choice(request.GET.get("channel", ""), list(Channel.values))
    status = _choice(request.GET.get("status", ""), list(DeliveryStatus.values))
    category = _choice(request.GET.get("category", ""), list(Category.values))
    found = selectors.delivery_log(
        organization=organization, channel=channel, status=status, category=category
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    query = "&".join(
        f"{name}={value}"
        for name, value in (("channel", channel), ("status", status), ("category", category))
        if value
    )
    since = timezone.now() - timedelta(days=7)
    summary = selectors.delivery_summary(organization=organization, since=since)
    return render(
        request,
        "notifications/delivery_log.html",
        {
            "page": page,
            "query": query,
            "channel": channel,
            "status": status,
            "category": category,
            "channels": Channel.choices,
            "statuses": DeliveryStatus.choices,
            "categories": Category.choices,
            "summary": [
                (
                    Channel(name).label if name in Channel.values else name,
                    [
                        (DeliveryStatus(value).label, counts.get(value, 0))
                        for value in selectors.STATUS_ORDER
                    ],
                )
                for name, counts in sorted(summary.items())
            ],
            "status_labels": [DeliveryStatus(value).label for value in selectors.STATUS_ORDER],
            "stops": selectors.stopped_channels(organization=organization)[:50],
        },
    )


@require_GET
@admin_required
def reach_channels(request: MemberRequest) -> HttpResponse:
    """Every channel at a glance, with "send a test" to yourself."""
    membership = request.membership
    return render(
        request,
        "notifications/channels.html",
        {
            "reach": selectors.member_reach(membership=membership),
            "organization_channels": selectors.organization_channel_names(),
        },
    )


@require_POST
@admin_required
def reach_channel_test(request: MemberRequest) -> HttpResponse:
    channel = request.POST.get("channel", "")
    if channel not in selectors.member_channel_columns():
        messages.error(request, _("Choose a channel to test."))
        return redirect("reach_channels")
    delivery = send_test(
        organization=request.organization, channel=channel, requested_by=request.membership
    )
    label = Channel(channel).label
    if delivery.status == DeliveryStatus.SENT:
        messages.success(request, _("The test was sent by %(channel)s.") % {"channel": label})
    elif delivery.status == DeliveryStatus.QUEUED:
        messages.warning(
            request,
            _("%(channel)s did not take the test yet (%(error)s); Chorus tries again shortly.")
            % {"channel": label, "error": delivery.error},
        )
    else:
        messages.error(
            request,
            _("The test by %(channel)s was not sent: %(error)s")
            % {"channel": label, "error": delivery.error or delivery.get_status_display()},
        )
    return redirect("reach_channels")
