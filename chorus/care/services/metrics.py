"""Reading back the reactions to replies Chorus published, as shares' metrics are read
(`chorus/sharing/services/metrics.py`): replies published through a member's connection
in the last 30 days, per connection in batches of ids (one call each), within the
networks' rate limits; a failing batch is left for the next run."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from chorus.care.models import CareReply, ReplyMethod, ReplyStatus
from chorus.networks import base
from chorus.networks.registry import publishing_adapter
from chorus.sharing.models import ConnectionStatus, NetworkConnection
from chorus.sharing.services.connections import connection_call
from chorus.sharing.services.metrics import network_metrics_paused_until

logger = logging.getLogger(__name__)

MAX_AGE = timedelta(days=30)
# A reply is read again only after this long (the task may run more often).
REFRESH_EVERY = timedelta(hours=6)
BATCH_SIZE = 20


def _paused_key(network: str) -> str:
    return f"care:metrics-paused:{network}"


def _paused(network: str) -> bool:
    """A network that said "slow down" (to care's reads or to sharing's) is left alone."""
    until: datetime | None = cache.get(_paused_key(network))
    return (until is not None and until > timezone.now()) or (
        network_metrics_paused_until(network) is not None
    )


def _pause(network: str, seconds: float | None) -> None:
    delay = timedelta(seconds=seconds if seconds is not None else 900)
    cache.set(_paused_key(network), timezone.now() + delay, timeout=int(delay.total_seconds()) + 1)


def _fetch(
    connection: NetworkConnection, network: base.PublishingAdapter, remote_ids: list[str]
) -> list[base.Metrics]:
    return connection_call(
        connection=connection, action=lambda plain: network.fetch_metrics(plain, remote_ids)
    )


def replies_fetch_metrics(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Store the reactions, reposts and replies of published replies younger than 30 days
    (not read in the last 6 hours) on each reply; returns how many were stored and skipped."""
    now = now or timezone.now()
    due = (
        CareReply.objects.filter(
            method=ReplyMethod.API,
            status=ReplyStatus.PUBLISHED,
            published_at__gte=now - MAX_AGE,
            connection__status=ConnectionStatus.ACTIVE,
        )
        .filter(Q(metrics_at__isnull=True) | Q(metrics_at__lte=now - REFRESH_EVERY))
        .exclude(remote_id="")
        .order_by("published_at")
        .values_list("pk", "connection_id", "network", "remote_id")[:limit]
    )
    by_connection: dict[int, list[tuple[int, str]]] = defaultdict(list)
    networks: dict[int, str] = {}
    for reply_id, connection_id, network, remote_id in due:
        by_connection[connection_id].append((reply_id, remote_id))
        networks[connection_id] = network
    stored = skipped = 0
    connections = NetworkConnection.objects.select_related("membership").in_bulk(
        list(by_connection)
    )
    for connection_id, items in by_connection.items():
        network = networks[connection_id]
        connection = connections.get(connection_id)
        if connection is None or _paused(network):
            skipped += len(items)
            continue
        try:
            found = publishing_adapter(network)
        except ValueError:
            skipped += len(items)
            continue
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start : start + BATCH_SIZE]
            remote_to_reply = {remote_id: reply_id for reply_id, remote_id in batch}
            try:
                metrics = _fetch(connection, found, list(remote_to_reply))
            except base.RateLimited as error:
                _pause(network, error.retry_after)
                skipped += len(items) - start
                break
            except base.NetworkError as error:
                # Expired tokens were marked by connection_call; outages are tried next run.
                logger.info("Reply metrics of %s connection %s: %s", network, connection_id, error)
                skipped += len(items) - start
                break
            replies = CareReply.objects.in_bulk(list(remote_to_reply.values()))
            changed = []
            for item in metrics:
                reply = replies.get(remote_to_reply.get(item.remote_id, 0))
                if reply is None:
                    continue
                reply.reactions, reply.reposts, reply.replies = (
                    item.reactions,
                    item.reposts,
                    item.replies,
                )
                reply.metrics_at = now
                changed.append(reply)
            CareReply.objects.bulk_update(
                changed, ["reactions", "reposts", "replies", "metrics_at"]
            )
            stored += len(changed)
    return {"stored": stored, "skipped": skipped}
