from django.apps import AppConfig


class EmailConfig(AppConfig):
    name = "chorus.notifications.email"
    label = "notifications_email"
    verbose_name = "Notifications: email"
