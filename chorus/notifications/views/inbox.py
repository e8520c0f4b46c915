"""A member's in-app notifications: the list, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, member_required
from chorus.notifications.models import Notification
from chorus.notifications.selectors import notifications as selectors
from chorus.notifications.services import notifications as services

PER_PAGE = 30


def _with_links(notifications: list[Notification]) -> list[Notification]:
    for notification in notifications:
        notification.safe_url = selectors.internal_url(notification.url)  # type: ignore[attr-defined]
    return notifications


@member_required
def notifications(request: MemberRequest) -> HttpResponse:
    found = selectors.notification_list(membership=request.membership)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    _with_links(list(page.object_list))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@member_required
def notifications_read_all(request: MemberRequest) -> HttpResponse:
    count = services.notifications_mark_read(membership=request.membership)
    if request.htmx:  # type: ignore[attr-defined]
        return notifications(request)
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications")


@require_POST
@member_required
def notification_read(request: MemberRequest, notification_id: int) -> HttpResponse:
    # Only the member's own: another member's notification is a 404.
    notification = get_object_or_404(
        Notification,
        pk=notification_id,
        organization=request.organization,
        membership=request.membership,
    )
    services.notifications_mark_read(membership=request.membership, ids=[notification.pk])
    if request.htmx:  # type: ignore[attr-defined]
        notification.refresh_from_db()
        _with_links([notification])
        return render(
            request, "notifications/item.html", {"notification": notification, "standalone": True}
        )
    return redirect("notifications")
