from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "chorus.care"
    label = "care"
    verbose_name = "Customer care"
