from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "chorus.community"
    label = "community"
    verbose_name = "Community"
