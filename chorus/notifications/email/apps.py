from django.apps import AppConfig


class EmailConfig(AppConfig):
    name = "chorus.notifications.email"
    label = "notifications_email"
    verbose_name = "Notifications: email"

    def ready(self) -> None:
        from chorus.notifications.channels import register_member_channel
        from chorus.notifications.email.channel import EmailChannel

        register_member_channel(EmailChannel())
