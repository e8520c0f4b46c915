from django.urls import path

from chorus.notifications.views import delivery, inbox, preferences

urlpatterns = [
    path("notifications/", inbox.notifications, name="notifications"),
    path("notifications/read/", inbox.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        inbox.notification_read,
        name="notification_read",
    ),
    path(
        "me/notifications/",
        preferences.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "me/notifications/restart/<str:channel>/",
        preferences.notification_channel_restart,
        name="notification_channel_restart",
    ),
    path(
        "n/unsubscribe/<str:token>/",
        preferences.notification_unsubscribe,
        name="notification_unsubscribe",
    ),
    path("manage/channels/", delivery.reach_channels, name="reach_channels"),
    path("manage/channels/test/", delivery.reach_channel_test, name="reach_channel_test"),
    path("manage/deliveries/", delivery.delivery_log, name="delivery_log"),
]
