from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "chorus.identity"
    label = "identity"
    verbose_name = "Identity: single sign-on"
