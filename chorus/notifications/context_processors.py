from typing import Any

from django.http import HttpRequest

from chorus.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    count = Notification.objects.filter(membership=membership, read_at__isnull=True).count()
    return {"unread_notifications": count}
