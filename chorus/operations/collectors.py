"""Gauges read from the database and the click backlog when /metrics is scraped.

Every read is bounded: an indexed range (the last hour by an indexed timestamp, a status
prefix) or a table kept small by its own pruning (task results: task_results_prune keeps
two days of successes and fourteen of failures). One failing read leaves its family out
and is counted in chorus_collector_errors, never fails the scrape.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from chorus.accounts.models import Organization
from chorus.core.tenancy import across_organizations

logger = logging.getLogger(__name__)

WHY = "the operators' metrics, counted over every organization"
HOUR = timedelta(hours=1)
# A backlog directory with more files than this is reported as this many (bounded scrape).
MAX_FILES = 100_000


def click_backlog() -> Iterator[Metric]:
    if settings.CLICKS_BACKEND == "redis":
        yield from _stream_backlog()
    # The file backend, and the redis backend's fallback files on this machine.
    yield from _file_backlog(Path(settings.CLICKS_DIR))


def _file_backlog(directory: Path) -> Iterator[Metric]:
    files = size = 0
    oldest: float | None = None
    if directory.exists():
        for path in directory.iterdir():
            name = path.name
            if not name.startswith("clicks-") or not name.endswith((".tsv", ".jsonl")):
                continue
            try:
                stat = path.stat()
                bucket = int(name.split("-")[1]) * 10  # FileSink.BUCKET_SECONDS
            except (OSError, ValueError, IndexError):
                continue
            files += 1
            size += stat.st_size
            oldest = bucket if oldest is None else min(oldest, bucket)
            if files >= MAX_FILES:
                break
    yield GaugeMetricFamily(
        "chorus_click_backlog_files",
        "Click files waiting in CLICKS_DIR for the drainer (on the scraped machine).",
        value=files,
    )
    yield GaugeMetricFamily(
        "chorus_click_backlog_bytes", "Bytes of clicks waiting in CLICKS_DIR.", value=size
    )
    yield GaugeMetricFamily(
        "chorus_click_backlog_oldest_seconds",
        "Age of the oldest undrained click file's time bucket in CLICKS_DIR (0: none waits). "
        "Files are drained once their 10-second bucket has passed, so a healthy drainer "
        "keeps this under a minute.",
        value=0 if oldest is None else max(0.0, time.time() - oldest),
    )


def _stream_backlog() -> Iterator[Metric]:
    from chorus.links.sinks import RedisSink
    from chorus.operations.probes import _redis

    client = _redis(settings.CLICKS_REDIS_URL)
    length = client.xlen(RedisSink.STREAM)
    pending = lag = 0
    oldest_age = 0.0
    groups = client.xinfo_groups(RedisSink.STREAM) if client.exists(RedisSink.STREAM) else []
    for group in groups:
        if _text(group.get("name")) == RedisSink.GROUP:
            pending = int(group.get("pending") or 0)
            lag = int(group.get("lag") or 0)
    # The oldest entry still in the stream (drained entries are deleted): its id's time.
    first = client.xrange(RedisSink.STREAM, count=1)
    if first:
        milliseconds = int(_text(first[0][0]).split("-")[0])
        oldest_age = max(0.0, time.time() - milliseconds / 1000)
    yield GaugeMetricFamily(
        "chorus_click_stream_length", "Clicks in the Redis stream not yet drained.", value=length
    )
    yield GaugeMetricFamily(
        "chorus_click_stream_pending",
        "Clicks a drainer took from the stream but has not acknowledged.",
        value=pending,
    )
    yield GaugeMetricFamily(
        "chorus_click_stream_lag",
        "Clicks in the stream no drainer has read yet (the consumer group's lag).",
        value=lag,
    )
    yield GaugeMetricFamily(
        "chorus_click_stream_oldest_seconds",
        "Age of the oldest click still in the stream (0: none).",
        value=oldest_age,
    )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def task_queue() -> Iterator[Metric]:
    from django_tasks_db.models import DBTaskResult

    depth = GaugeMetricFamily(
        "chorus_tasks",
        "Task results in the database by queue and status (ready, running, successful, "
        "failed); kept two days (failures fourteen) by task_results_prune.",
        labels=["queue", "status"],
    )
    rows = DBTaskResult.objects.values_list("queue_name", "status").annotate(n=Count("id"))
    for queue, status, count in rows.order_by():
        depth.add_metric([queue, status.lower()], count)
    yield depth
    now = timezone.now()
    failed = GaugeMetricFamily(
        "chorus_tasks_failed_last_hour",
        "Tasks that failed in the last hour, by queue.",
        labels=["queue"],
    )
    recent = (
        DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - HOUR)
        .values_list("queue_name")
        .annotate(n=Count("id"))
    )
    for queue, count in recent.order_by():
        failed.add_metric([queue], count)
    yield failed
    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min("enqueued_at"))["oldest"]
    yield GaugeMetricFamily(
        "chorus_tasks_oldest_ready_seconds",
        "How long the oldest task that may run now has waited for a worker (0: none waits).",
        value=0 if oldest is None else max(0.0, (now - oldest).total_seconds()),
    )


def publishing() -> Iterator[Metric]:
    from chorus.sharing.models import PublishAttempt, Share, ShareStatus

    hour_ago = timezone.now() - HOUR
    with across_organizations(WHY):
        shares = GaugeMetricFamily(
            "chorus_shares_changed_last_hour",
            "Shares whose status changed in the last hour, by their status now.",
            labels=["status"],
        )
        rows = (
            Share.objects.filter(updated_at__gte=hour_ago)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for status, count in rows:
            shares.add_metric([status], count)
        yield shares
        attempts = GaugeMetricFamily(
            "chorus_publish_attempts_last_hour",
            "Attempts at publishing a share on a network in the last hour, by outcome.",
            labels=["outcome"],
        )
        # Through the shares changed in the hour (indexed), then their attempts (by share).
        attempt_rows = (
            PublishAttempt.objects.filter(share__updated_at__gte=hour_ago, started_at__gte=hour_ago)
            .values_list("outcome")
            .annotate(n=Count("id"))
            .order_by()
        )
        for outcome, count in attempt_rows:
            attempts.add_metric([outcome], count)
        yield attempts
        due = Share.objects.filter(
            status=ShareStatus.SCHEDULED, next_attempt_at__lte=timezone.now()
        ).count()
    yield GaugeMetricFamily(
        "chorus_shares_due",
        "Scheduled shares whose time has come and that wait to be published.",
        value=due,
    )


def deliveries() -> Iterator[Metric]:
    from chorus.notifications.models import Delivery, DeliveryStatus

    hour_ago = timezone.now() - HOUR
    with across_organizations(WHY):
        organizations = list(Organization.objects.values_list("id", flat=True))
        family = GaugeMetricFamily(
            "chorus_deliveries_last_hour",
            "Notification deliveries queued in the last hour, by channel and status now "
            "(sent, failed, skipped, uncertain, queued, sending).",
            labels=["channel", "status"],
        )
        # By the delivery log's index (organization, -created_at), one range per organization.
        rows = (
            Delivery.objects.filter(organization_id__in=organizations, created_at__gte=hour_ago)
            .values_list("channel", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for channel, status, count in rows:
            family.add_metric([channel, status], count)
        yield family
        waiting = GaugeMetricFamily(
            "chorus_deliveries_due",
            "Notification deliveries due now and waiting for the sender, by channel.",
            labels=["channel"],
        )
        rows = (
            Delivery.objects.filter(
                status=DeliveryStatus.QUEUED, next_attempt_at__lte=timezone.now()
            )
            .values_list("channel")
            .annotate(n=Count("id"))
            .order_by()
        )
        for channel, count in rows:
            waiting.add_metric([channel], count)
        yield waiting


SOURCES: dict[str, Callable[[], Iterator[Metric]]] = {
    "clicks": click_backlog,
    "tasks": task_queue,
    "publishing": publishing,
    "deliveries": deliveries,
}


class DatabaseCollector(Collector):
    """Registered on the scrape's registry only: read at scrape time, never at import."""

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily(
            "chorus_collector_errors",
            "1 for a group of metrics that could not be read in this scrape (see the logs).",
            labels=["source"],
        )
        for name, source in SOURCES.items():
            try:
                metrics = list(source())
            except Exception:
                logger.exception("Metrics: could not read %s", name)
                errors.add_metric([name], 1)
            else:
                errors.add_metric([name], 0)
                yield from metrics
        yield errors
