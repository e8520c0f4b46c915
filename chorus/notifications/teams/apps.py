from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "chorus.notifications.teams"
    label = "notifications_teams"
    verbose_name = "Notifications: teams"
