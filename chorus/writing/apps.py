from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WritingConfig(AppConfig):
    name = "chorus.writing"
    label = "writing"
    verbose_name = _("Writing help")
