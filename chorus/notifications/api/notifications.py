"""The notifications API: a member's own notifications, and marking them read.

A member only ever reaches their own notifications: another member's id is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params import Query

from chorus.api.auth import api_roles, calling_member
from chorus.api.pagination import Pagination
from chorus.api.schema import Error, Input, PathId
from chorus.notifications.models import Notification
from chorus.notifications.selectors import notifications as selectors
from chorus.notifications.services import notifications as services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    message: str
    url: str = Field(description="A path on this site, or empty: never an outside link.")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_url(obj: Notification) -> str:
        return selectors.internal_url(obj.url)


class NotificationFilters(Input):
    unread: bool = Field(False, description="Only the unread ones")


class MarkedRead(Schema):
    marked: int


@router.get("/notifications", response=list[NotificationOut], summary="My notifications")
@api_roles()
@paginate(Pagination)
def notification_list(
    request: HttpRequest, filters: Query[NotificationFilters]
) -> QuerySet[Notification]:
    return selectors.notification_list(
        membership=calling_member(request), unread_only=filters.unread
    )


@router.post("/notifications/read", response=MarkedRead, summary="Mark all my notifications read")
@api_roles()
def notifications_read_all(request: HttpRequest) -> MarkedRead:
    return MarkedRead(marked=services.notifications_mark_read(membership=calling_member(request)))


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 404: Error},
    summary="Mark one notification read",
)
@api_roles()
def notification_read(request: HttpRequest, notification_id: PathId) -> Notification:
    caller = calling_member(request)
    notification = get_object_or_404(
        Notification, pk=notification_id, organization=caller.organization, membership=caller
    )
    services.notifications_mark_read(membership=caller, ids=[notification.pk])
    notification.refresh_from_db()
    return notification
