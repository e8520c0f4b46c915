from django.apps import AppConfig


class ReachConfig(AppConfig):
    name = "chorus.reach"
    label = "reach"
    verbose_name = "Reach"
