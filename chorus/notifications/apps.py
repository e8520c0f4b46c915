from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "chorus.notifications"
    label = "notifications"
    verbose_name = "Notifications"
