"""Reading engagement back through the real Mastodon adapter (GET /api/v1/statuses/:id)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import respx
import time_machine
from django.core.cache import cache

from chorus.factories import NetworkConnectionFactory, ShareFactory
from chorus.sharing.models import ShareMetrics, ShareStatus
from chorus.sharing.services.metrics import shares_fetch_metrics
from chorus.sharing.tests.test_publishing import advocate, status_entity

INSTANCE = "https://mastodon.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_pauses() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def published(connection: Any, remote_id: str, age: timedelta = timedelta(days=1)) -> Any:
    return ShareFactory(
        membership=connection.membership,
        connection=connection,
        status=ShareStatus.SHARED,
        remote_id=remote_id,
        shared_at=NOW - age,
    )


def counted(status_id: str, favourites: int, reblogs: int, replies: int) -> dict[str, Any]:
    entity = status_entity(status_id)
    entity.update(favourites_count=favourites, reblogs_count=reblogs, replies_count=replies)
    return entity


def test_metrics_of_recent_api_shares_are_stored_as_snapshots(
    organization: Any, clock: Any
) -> None:
    connection = NetworkConnectionFactory(membership=advocate(organization), instance=INSTANCE)
    recent = published(connection, "111")
    old = published(connection, "222", age=timedelta(days=31))
    with respx.mock(assert_all_called=False) as mastodon:
        mastodon.get(f"{INSTANCE}/api/v1/statuses/111").respond(200, json=counted("111", 5, 2, 1))
        old_route = mastodon.get(f"{INSTANCE}/api/v1/statuses/222")
        assert shares_fetch_metrics() == {"stored": 1, "skipped": 0}
        assert old_route.call_count == 0
        # Read again only after a while.
        assert shares_fetch_metrics() == {"stored": 0, "skipped": 0}
        clock.shift(timedelta(hours=7))
        assert shares_fetch_metrics()["stored"] == 1
    snapshot = ShareMetrics.objects.filter(share=recent).first()
    assert snapshot is not None
    assert (snapshot.reactions, snapshot.reposts, snapshot.replies) == (5, 2, 1)
    assert snapshot.impressions is None
    assert not ShareMetrics.objects.filter(share=old).exists()


def test_a_rate_limited_network_is_left_alone_until_retry_after(
    organization: Any, clock: Any
) -> None:
    first = NetworkConnectionFactory(membership=advocate(organization), instance=INSTANCE)
    second = NetworkConnectionFactory(membership=advocate(organization), instance=INSTANCE)
    published(first, "111")
    published(second, "333")
    with respx.mock(assert_all_called=False) as mastodon:
        limited = mastodon.get(url__regex=rf"{INSTANCE}/api/v1/statuses/\d+").respond(
            429, headers={"Retry-After": "600"}, json={"error": "Too many requests"}
        )
        assert shares_fetch_metrics() == {"stored": 0, "skipped": 2}
        assert limited.call_count == 1  # the other connection was not even tried
        clock.shift(timedelta(seconds=599))
        shares_fetch_metrics()
        assert limited.call_count == 1
        mastodon.routes.clear()
        ok = mastodon.get(url__regex=rf"{INSTANCE}/api/v1/statuses/(?P<sid>\d+)").mock(
            side_effect=lambda request, sid: respx.MockResponse(200, json=counted(sid, 1, 0, 0))
        )
        clock.shift(timedelta(seconds=2))
        assert shares_fetch_metrics() == {"stored": 2, "skipped": 0}
        assert ok.call_count == 2
    assert ShareMetrics.objects.count() == 2
