from django.apps import AppConfig
from django.db.models.signals import pre_delete


class AnalyticsConfig(AppConfig):
    name = "chorus.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from chorus.analytics.rollups import share_deleted
        from chorus.sharing.models import Share

        # A deleted share leaves no row to notice: mark its days for a rebuild.
        pre_delete.connect(share_deleted, sender=Share, dispatch_uid="analytics_share_deleted")
