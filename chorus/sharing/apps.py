from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "chorus.sharing"
    label = "sharing"
    verbose_name = "Sharing"
