from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chorus.accounts"
    label = "accounts"
    verbose_name = "Organizations and members"
