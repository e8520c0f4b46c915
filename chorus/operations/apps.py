from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "chorus.operations"
    label = "operations"
    verbose_name = "Operations"
