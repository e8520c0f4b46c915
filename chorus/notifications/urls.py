from django.urls import path

from chorus.notifications.views import inbox

urlpatterns = [
    path("notifications/", inbox.notifications, name="notifications"),
    path("notifications/read/", inbox.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        inbox.notification_read,
        name="notification_read",
    ),
]
