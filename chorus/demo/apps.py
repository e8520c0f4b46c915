from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organization (`manage.py seed_demo`): above every app it fills."""

    name = "chorus.demo"
    label = "demo"
    verbose_name = "Demo organization"
