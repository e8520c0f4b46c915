from django.apps import AppConfig


class PilotConfig(AppConfig):
    name = "chorus.pilot"
    label = "pilot"
    verbose_name = "Pilot"
