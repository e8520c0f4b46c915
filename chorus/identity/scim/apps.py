from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "chorus.identity.scim"
    label = "scim"
    verbose_name = "Identity: SCIM provisioning"
