from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "chorus.content"
    label = "content"
    verbose_name = "Content"
