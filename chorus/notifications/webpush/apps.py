from django.apps import AppConfig


class WebPushConfig(AppConfig):
    name = "chorus.notifications.webpush"
    label = "notifications_webpush"
    verbose_name = "Notifications: webpush"

    def ready(self) -> None:
        from chorus.notifications.channels import register_member_channel
        from chorus.notifications.webpush import checks  # noqa: F401 (registers the checks)
        from chorus.notifications.webpush.channel import WebPushChannel

        register_member_channel(WebPushChannel())
