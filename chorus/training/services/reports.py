"""Counting the training reports ahead: the periodic task and a page that found no fresh
report call `report_snapshot_refresh`."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from chorus.accounts.models import GroupKind, Organization
from chorus.training.models import TrainingReportSnapshot
from chorus.training.selectors import reports as selectors

# Every group, then the groups of each kind (the kind filter folds small groups per kind).
KINDS = ["", *GroupKind.values]


def report_snapshot_refresh(
    *, organization: Organization, kind: str = ""
) -> TrainingReportSnapshot:
    """Count the report of the groups of a kind now and store it (replacing the last)."""
    data = selectors.report_snapshot_data(organization=organization, kind=kind)
    values = {"data": data, "taken_at": timezone.now()}
    try:
        with transaction.atomic():
            snapshot, _created = TrainingReportSnapshot.objects.update_or_create(
                organization=organization, kind=kind, defaults=values
            )
    except IntegrityError:
        # Another request stored the same report at the same moment: keep the latest.
        snapshot = TrainingReportSnapshot.objects.get(organization=organization, kind=kind)
        for name, value in values.items():
            setattr(snapshot, name, value)
        snapshot.save(update_fields=list(values))
    return snapshot


def report_snapshots_refresh(*, organization: Organization) -> int:
    """Every kind's report of the organization; how many were stored."""
    for kind in KINDS:
        report_snapshot_refresh(organization=organization, kind=kind)
    return len(KINDS)


def training_report(
    *, organization: Organization, filters: selectors.ReportFilters
) -> selectors.TrainingReport:
    """The stored report (counted every 10 minutes), narrowed to the filters; counted now
    when there is none fresh, or the organization's courses, certifications or groups
    changed since."""
    snapshot = selectors.report_snapshot_get(organization=organization, kind=filters.kind)
    report = None
    if snapshot is not None:
        report = selectors.report_from_snapshot(
            organization=organization, snapshot=snapshot, filters=filters
        )
    if report is None:
        snapshot = report_snapshot_refresh(organization=organization, kind=filters.kind)
        report = selectors.report_from_snapshot(
            organization=organization, snapshot=snapshot, filters=filters
        )
    if report is None:  # the organization changed while it was counted: count live
        report = selectors.TrainingReport(
            overview=selectors.training_overview(organization=organization, filters=filters),
            knowledge=selectors.knowledge_over_time(organization=organization, kind=filters.kind),
            taken_at=timezone.now(),
        )
    return report
