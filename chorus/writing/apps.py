from django.apps import AppConfig


class WritingConfig(AppConfig):
    name = "chorus.writing"
    label = "writing"
    verbose_name = "Writing help"
