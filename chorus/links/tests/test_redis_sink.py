"""The Redis append path (several machines serve links): against the real Redis on loopback.

The tests run against the Redis server on 127.0.0.1:6379 and are skipped, with the reason,
only when no server answers there (chorus/links/tests/redis_server.py). Each test uses a
stream of its own (a random name) and deletes it afterwards.
"""

from __future__ import annotations

import time
import uuid

import pytest

from chorus.factories import PostFactory
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click
from chorus.links.services.links import clicks_store, link_mint
from chorus.links.sinks import ClickRecord, RedisSink
from chorus.links.tests.edge_client import IPHONE, call, django_app
from chorus.links.tests.redis_server import REDIS_URL, redis_unavailable, requires_redis

pytestmark = requires_redis


def test_the_redis_check_gives_the_reason_when_nobody_answers():
    reason = redis_unavailable("redis://127.0.0.1:1/0", attempts=1)
    assert reason is not None
    assert reason.startswith("No Redis server answers on redis://127.0.0.1:1")


@pytest.fixture
def stream():
    name = f"chorus:test-clicks:{uuid.uuid4().hex}"
    yield name
    RedisSink(REDIS_URL, stream=name).client.delete(name)


def sink_for(stream, consumer, *, claim_after_ms=50):
    sink = RedisSink(REDIS_URL, stream=stream)
    sink.consumer = consumer
    sink.CLAIM_AFTER_MS = claim_after_ms
    return sink


@pytest.fixture
def link(organization):
    post = PostFactory(organization=organization, link_url="https://acme.example/", state="live")
    return link_mint(post=post)


def record(link, i):
    return ClickRecord(
        event_id=f"redis-event-{i}",
        moment=time.time(),
        link_id=link.pk,
        organization_id=link.organization_id,
        kind="click",
        bot="",
        referrer="",
        user_agent=IPHONE,
        visitor=f"visitor-{i}",
        user_id=None,
    )


class Died(Exception):
    """The drainer process died here."""


def test_appended_clicks_are_drained_into_the_database(stream, link):
    sink = sink_for(stream, "drainer-a")
    for i in range(5):
        sink.append(record(link, i))
    assert sink.drain(clicks_store) == 5
    link.refresh_from_db()
    assert (link.clicks, link.unique_clicks) == (5, 5)
    # Acknowledged and deleted: nothing left, nothing drained twice.
    assert sink.client.xlen(stream) == 0
    assert sink.drain(clicks_store) == 0


def test_the_redirect_appends_to_the_stream(stream, link):
    sink = sink_for(stream, "drainer-a")
    edge = LinkEdge(django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=sink)
    assert call(edge, f"/l/{link.code}")[0] == 302
    assert call(edge, f"/l/{link.code}", ua="Twitterbot/1.0")[0] == 302
    assert sink.client.xlen(stream) == 2
    assert not Click.objects.exists()
    sink.drain(clicks_store)
    link.refresh_from_db()
    assert (link.clicks, link.previews) == (1, 1)


def test_what_a_dead_drainer_read_but_never_acknowledged_is_claimed_by_another(stream, link):
    dead = sink_for(stream, "dead-drainer")
    for i in range(4):
        dead.append(record(link, i))

    def dies_before_storing(batch):
        raise Died

    with pytest.raises(Died):
        dead.drain(dies_before_storing)
    pending = dead.client.xpending(stream, RedisSink.GROUP)
    assert pending["pending"] == 4

    alive = sink_for(stream, "alive-drainer", claim_after_ms=60_000)
    assert alive.drain(clicks_store) == 0  # too early: the other may only be slow
    assert not Click.objects.exists()

    time.sleep(0.1)
    alive.CLAIM_AFTER_MS = 50
    assert alive.drain(clicks_store) == 4
    link.refresh_from_db()
    assert link.clicks == 4
    assert alive.client.xpending(stream, RedisSink.GROUP)["pending"] == 0


def test_a_drainer_that_stored_but_died_before_acknowledging_counts_nothing_twice(stream, link):
    dead = sink_for(stream, "dead-drainer")
    for i in range(3):
        dead.append(record(link, i))

    def stores_then_dies(batch):
        clicks_store(batch)
        raise Died

    with pytest.raises(Died):
        dead.drain(stores_then_dies)
    time.sleep(0.1)
    alive = sink_for(stream, "alive-drainer")
    assert alive.drain(clicks_store) == 3  # handed over again ...
    link.refresh_from_db()
    assert link.clicks == 3  # ... and stored once
    assert Click.objects.count() == 3


def test_duplicate_records_are_stored_once(stream, link):
    sink = sink_for(stream, "drainer-a")
    twice = record(link, 1)
    sink.append(twice)
    sink.append(twice)
    sink.append(record(link, 2))
    sink.drain(clicks_store)
    sink.append(twice)  # and once more, in a later drain
    sink.drain(clicks_store)
    link.refresh_from_db()
    assert link.clicks == 2
    assert set(Click.objects.values_list("event_id", flat=True)) == {
        "redis-event-1",
        "redis-event-2",
    }


def test_an_unreadable_entry_is_skipped(stream, link):
    sink = sink_for(stream, "drainer-a")
    sink.client.xadd(stream, {"r": b"{not json"})
    sink.client.xadd(stream, {"other": b"field"})
    sink.append(record(link, 1))
    sink.drain(clicks_store)
    link.refresh_from_db()
    assert link.clicks == 1
    assert sink.client.xlen(stream) == 0
