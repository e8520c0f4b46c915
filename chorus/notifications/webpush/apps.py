from django.apps import AppConfig


class WebPushConfig(AppConfig):
    name = "chorus.notifications.webpush"
    label = "notifications_webpush"
    verbose_name = "Notifications: webpush"
