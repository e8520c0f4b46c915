from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "chorus.links"
    label = "links"
    verbose_name = "Tracked links"
