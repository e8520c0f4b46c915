from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "chorus.notifications.slack"
    label = "notifications_slack"
    verbose_name = "Notifications: slack"

    def ready(self) -> None:
        from chorus.notifications.channels import (
            register_member_channel,
            register_organization_channel,
        )
        from chorus.notifications.slack.channels import SlackChannels, SlackDirectMessages

        register_member_channel(SlackDirectMessages())
        register_organization_channel(SlackChannels())
