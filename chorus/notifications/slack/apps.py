from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "chorus.notifications.slack"
    label = "notifications_slack"
    verbose_name = "Notifications: slack"
