from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "chorus.notifications.teams"
    label = "notifications_teams"
    verbose_name = "Notifications: teams"

    def ready(self) -> None:
        from chorus.notifications.channels import register_organization_channel
        from chorus.notifications.teams.channel import TeamsChannels

        register_organization_channel(TeamsChannels())
