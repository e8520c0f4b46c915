"""Reading engagement back for shares Chorus published, in batches, within rate limits."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from chorus.networks import base
from chorus.networks.registry import publishing_adapter
from chorus.sharing.models import (
    ConnectionStatus,
    NetworkConnection,
    Share,
    ShareMethod,
    ShareMetrics,
    ShareStatus,
)
from chorus.sharing.services.connections import connection_call

logger = logging.getLogger(__name__)

MAX_AGE = timedelta(days=30)
# A share is read again only after this long (the task may run more often).
REFRESH_EVERY = timedelta(hours=6)
BATCH_SIZE = 20


def _paused_key(network: str) -> str:
    return f"sharing:metrics-paused:{network}"


def network_metrics_paused_until(network: str) -> datetime | None:
    until: datetime | None = cache.get(_paused_key(network))
    return until if until is not None and until > timezone.now() else None


def _pause(network: str, seconds: float | None) -> None:
    delay = timedelta(seconds=seconds if seconds is not None else 900)
    cache.set(_paused_key(network), timezone.now() + delay, timeout=int(delay.total_seconds()) + 1)


def _fetch(
    connection: NetworkConnection, network: base.PublishingAdapter, remote_ids: list[str]
) -> list[base.Metrics]:
    return connection_call(
        connection=connection, action=lambda plain: network.fetch_metrics(plain, remote_ids)
    )


def shares_fetch_metrics(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Store a metrics snapshot for API-published shares younger than 30 days.

    Shares are read per connection in batches; a network that says "slow down" is left
    alone (all its connections) until its Retry-After has passed.
    """
    now = now or timezone.now()
    recent = ShareMetrics.objects.filter(fetched_at__gt=now - REFRESH_EVERY).values("share_id")
    shares = (
        Share.objects.filter(
            method=ShareMethod.API,
            status=ShareStatus.SHARED,
            shared_at__gte=now - MAX_AGE,
            connection__status=ConnectionStatus.ACTIVE,
        )
        .exclude(remote_id="")
        .exclude(pk__in=recent)
        .order_by("shared_at")
        .values_list("pk", "connection_id", "network", "remote_id")[:limit]
    )
    by_connection: dict[int, list[tuple[int, str]]] = defaultdict(list)
    networks: dict[int, str] = {}
    for share_id, connection_id, network, remote_id in shares:
        by_connection[connection_id].append((share_id, remote_id))
        networks[connection_id] = network
    stored = skipped = 0
    connections = NetworkConnection.objects.select_related("membership").in_bulk(
        list(by_connection)
    )
    for connection_id, items in by_connection.items():
        network = networks[connection_id]
        connection = connections.get(connection_id)
        if connection is None or network_metrics_paused_until(network) is not None:
            skipped += len(items)
            continue
        found = publishing_adapter(network)
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start : start + BATCH_SIZE]
            remote_to_share = {remote_id: share_id for share_id, remote_id in batch}
            try:
                metrics = _fetch(connection, found, list(remote_to_share))
            except base.RateLimited as error:
                _pause(network, error.retry_after)
                skipped += len(items) - start
                break
            except base.NetworkError as error:
                # Expired tokens were marked by connection_call; outages are tried next run.
                logger.info("Metrics of %s connection %s: %s", network, connection_id, error)
                skipped += len(items) - start
                break
            ShareMetrics.objects.bulk_create(
                [
                    ShareMetrics(
                        share_id=remote_to_share[item.remote_id],
                        fetched_at=now,
                        reactions=item.reactions,
                        reposts=item.reposts,
                        replies=item.replies,
                        impressions=item.impressions,
                    )
                    for item in metrics
                    if item.remote_id in remote_to_share
                ]
            )
            stored += len(metrics)
    return {"stored": stored, "skipped": skipped}
