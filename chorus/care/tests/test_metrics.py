"""Reading back the reactions to published replies through the real Mastodon adapter
(GET /api/v1/statuses/:id), faked at the transport: recent API replies only, once per
6 hours, errors tolerated, a rate limit respected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import respx
import time_machine
from django.core.cache import cache

from chorus.care.models import ReplyMethod, ReplyStatus
from chorus.care.services.metrics import replies_fetch_metrics
from chorus.care.tasks import care_replies_fetch_metrics
from chorus.factories import CareReplyFactory, ConversationFactory, NetworkConnectionFactory
from chorus.sharing.tests.test_metrics import counted
from chorus.sharing.tests.test_publishing import advocate

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
    conversation = ConversationFactory(organization=connection.organization)
    return CareReplyFactory(
        conversation=conversation,
        membership=connection.membership,
        connection=connection,
        method=ReplyMethod.API,
        status=ReplyStatus.PUBLISHED,
        remote_id=remote_id,
        published_at=NOW - age,
    )


def test_reactions_of_recent_published_replies_are_read_back(organization: Any, clock: Any) -> None:
    connection = NetworkConnectionFactory(membership=advocate(organization), instance=INSTANCE)
    recent = published(connection, "111")
    old = published(connection, "222", age=timedelta(days=31))
    waiting = published(connection, "333")
    waiting.status = ReplyStatus.AWAITING_APPROVAL
    waiting.save()
    with respx.mock(assert_all_called=False) as mastodon:
        route = mastodon.get(f"{INSTANCE}/api/v1/statuses/111").respond(
            200, json=counted("111", 5, 2, 1)
        )
        other = mastodon.get(url__regex=rf"{INSTANCE}/api/v1/statuses/(222|333)")
        assert replies_fetch_metrics() == {"stored": 1, "skipped": 0}
        assert other.call_count == 0
        # Read again only after a while.
        assert replies_fetch_metrics() == {"stored": 0, "skipped": 0}
        clock.shift(timedelta(hours=7))
        route.respond(200, json=counted("111", 8, 2, 3))
        assert care_replies_fetch_metrics.call() == {"stored": 1, "skipped": 0}
    recent.refresh_from_db()
    old.refresh_from_db()
    assert (recent.reactions, recent.reposts, recent.replies) == (8, 2, 3)
    assert recent.metrics_at == NOW + timedelta(hours=7)
    assert old.metrics_at is None


def test_a_failing_network_is_tolerated_and_tried_next_run(organization: Any, clock: Any) -> None:
    first = NetworkConnectionFactory(membership=advocate(organization), instance=INSTANCE)
    reply = published(first, "111")
    with respx.mock(assert_all_called=False) as mastodon:
        mastodon.get(f"{INSTANCE}/api/v1/statuses/111").respond(503)
        assert replies_fetch_metrics() == {"stored": 0, "skipped": 1}
        mastodon.routes.clear()
        mastodon.get(f"{INSTANCE}/api/v1/statuses/111").respond(200, json=counted("111", 1, 0, 0))
        assert replies_fetch_metrics() == {"stored": 1, "skipped": 0}
    reply.refresh_from_db()
    assert reply.reactions == 1


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
        assert replies_fetch_metrics() == {"stored": 0, "skipped": 2}
        assert limited.call_count == 1
        clock.shift(timedelta(seconds=599))
        replies_fetch_metrics()
        assert limited.call_count == 1
        mastodon.routes.clear()
        ok = mastodon.get(url__regex=rf"{INSTANCE}/api/v1/statuses/(?P<sid>\d+)").mock(
            side_effect=lambda request, sid: respx.MockResponse(200, json=counted(sid, 1, 0, 0))
        )
        clock.shift(timedelta(seconds=2))
        assert replies_fetch_metrics() == {"stored": 2, "skipped": 0}
        assert ok.call_count == 2
