from django.apps import AppConfig


class MfaPolicyConfig(AppConfig):
    name = "chorus.identity.mfa"
    label = "identity_mfa"
    verbose_name = "Identity: multi-factor authentication"
