"""The training reports as last counted: the overview of an organization for 50,000 members
takes longer than a page may, so a periodic task counts it (`tasks.training_reports_refresh`)
and the pages read what it stored, as analytics' dashboards read their rollups."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from chorus.core.models import TenantModel


class TrainingReportSnapshot(TenantModel):
    """The overview and the knowledge score per month, for the groups of one kind (empty:
    every group), as `selectors.reports.report_snapshot_data` wrote them."""

    kind = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="one_report_snapshot")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind or 'all'} {self.taken_at:%Y-%m-%d %H:%M}"
