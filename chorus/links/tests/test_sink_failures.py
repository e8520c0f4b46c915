"""A failing sink never breaks a tracked link.

Redis stops in the middle of the test (a redis-server of this test's own, on a free
loopback port): the redirect keeps answering, clicks go to the local file, and the drain
stores them. A click file that cannot be written (a full disk: /dev/full; a directory that
cannot be made): the redirect keeps answering, the clicks wait in memory and are written
when the disk works again; what cannot be kept is counted and logged.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from chorus.content.models import PostState
from chorus.factories import PostFactory
from chorus.links.clicks import clicks_drain, clicks_store
from chorus.links.edge import LinkEdge, LinkResolver
from chorus.links.models import Click
from chorus.links.services.links import link_mint
from chorus.links.sinks import FileSink, GuardedSink, RedisSink, get_sink, reset_sink
from chorus.links.tests.edge_client import call, django_app

REDIS_SERVER = shutil.which("redis-server")
T0 = 1_800_000_000.0  # a fixed moment, so click file names can be known in advance


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(port: int) -> subprocess.Popen[bytes]:
    assert REDIS_SERVER
    args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    server = subprocess.Popen(
        [*args, "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError("redis-server did not start")


@pytest.fixture
def own_redis():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed: the Redis outage test needs one to stop.")
    port = free_port()
    servers = [start_redis(port)]

    class Redis:
        url = f"redis://127.0.0.1:{port}/0"

        @staticmethod
        def stop() -> None:
            servers[-1].kill()
            servers[-1].wait(timeout=10)

        @staticmethod
        def start() -> None:
            servers.append(start_redis(port))

    yield Redis
    for server in servers:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def link(organization):
    post = PostFactory(
        organization=organization, link_url="https://acme.example/", state=PostState.LIVE
    )
    return link_mint(post=post)


@pytest.fixture
def redis_backend(settings, tmp_path, own_redis):
    settings.CLICKS_BACKEND = "redis"
    settings.CLICKS_REDIS_URL = own_redis.url
    settings.CLICKS_DIR = tmp_path / "clicks"
    reset_sink()
    yield own_redis
    reset_sink()


def drain_later() -> int:
    """The worker's drain, a minute later (the local files' buckets are then over)."""
    with time_machine.travel(time.time() + 60, tick=False):
        return clicks_drain()


def test_links_keep_redirecting_when_redis_stops_and_the_clicks_are_stored(redis_backend, link):
    edge = LinkEdge(django_app, resolver=LinkResolver(ttl=0, missing_ttl=0))
    sink = edge.sink
    assert isinstance(sink.primary, RedisSink)
    for _ in range(3):
        assert call(edge, f"/l/{link.code}")[0] == 302
    assert sink.primary.client.xlen(sink.primary.stream) == 3
    assert drain_later() == 3

    redis_backend.stop()
    # Count the attempts on Redis: an outage costs one failed attempt, not one per click.
    attempts = []
    append_to_redis = sink.primary.append_line

    def counted(line, now):
        attempts.append(now)
        return append_to_redis(line, now)

    sink.primary.append_line = counted
    for i in range(5):
        assert call(edge, f"/l/{link.code}", ip=f"198.51.100.{i}")[0] == 302
    assert len(attempts) == 1
    sink.primary.append_line = append_to_redis
    assert (sink.fell_back, sink.lost) == (5, 0)

    # The worker drains the local file; the stream being unavailable does not stop it.
    assert drain_later() == 5
    link.refresh_from_db()
    assert link.clicks == Click.objects.count() == 8

    # Redis is back: once the retry time has passed, clicks go to the stream again.
    redis_backend.start()
    sink.RETRY_SECONDS = 0
    with time_machine.travel(time.time() + GuardedSink.RETRY_SECONDS + 1, tick=False):
        assert call(edge, f"/l/{link.code}", ip="198.51.100.99")[0] == 302
    assert sink.primary.client.xlen(sink.primary.stream) == 1
    assert drain_later() == 1
    assert Click.objects.count() == 9


def test_a_link_machine_without_a_worker_drains_its_fallback_files_with_a_command(
    redis_backend, link, capsys
):
    edge = LinkEdge(django_app, resolver=LinkResolver(ttl=0, missing_ttl=0))
    redis_backend.stop()
    assert call(edge, f"/l/{link.code}")[0] == 302
    with time_machine.travel(time.time() + 60, tick=False):
        call_command("clicks_drain")
    assert "1 click records drained." in capsys.readouterr().out
    assert Click.objects.count() == 1


def test_the_configured_sink_never_fails_the_redirect(redis_backend):
    # What chorus.wsgi serves with: the guard, with the local file behind Redis.
    sink = get_sink()
    assert isinstance(sink, GuardedSink)
    assert isinstance(sink.fallback, FileSink)


def click_file(directory: Path, moment: float) -> Path:
    """The file the sink opens for this thread at `moment` (sinks.FileSink._descriptor)."""
    bucket = int(moment) // FileSink.BUCKET_SECONDS
    return directory / f"clicks-{bucket}-{os.getpid()}-{threading.get_ident()}.tsv"


def test_a_full_disk_never_fails_the_redirect_and_the_clicks_are_written_later(tmp_path, link):
    directory = tmp_path / "clicks"
    directory.mkdir()
    # The click file is /dev/full: every write to it fails with "No space left on device".
    full = click_file(directory, T0)
    full.symlink_to("/dev/full")
    edge = LinkEdge(
        django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=FileSink(directory)
    )
    with time_machine.travel(T0, tick=False):
        assert call(edge, f"/l/{link.code}")[0] == 302
        assert call(edge, f"/l/{link.code}")[0] == 302
    assert (len(edge.sink._held), edge.sink.lost) == (2, 0)
    full.unlink()  # (reading /dev/full never ends: the drainer must not meet it)

    # Later the disk can be written again: the held clicks go first.
    with time_machine.travel(T0 + GuardedSink.RETRY_SECONDS + 1, tick=False):
        assert call(edge, f"/l/{link.code}")[0] == 302
    assert (len(edge.sink._held), edge.sink.lost) == (0, 0)
    with time_machine.travel(T0 + 60, tick=False):
        assert FileSink(directory).drain(clicks_store) == 3
    link.refresh_from_db()
    assert link.clicks == 3


def test_clicks_that_can_be_kept_nowhere_are_counted_and_logged(tmp_path, link, caplog):
    not_a_directory = tmp_path / "full"
    not_a_directory.write_bytes(b"")
    sink = GuardedSink(FileSink(not_a_directory / "clicks"))  # cannot be made
    sink.MAX_HELD = 2
    edge = LinkEdge(django_app, resolver=LinkResolver(ttl=0, missing_ttl=0), sink=sink)
    with caplog.at_level(logging.ERROR, logger="chorus.links.sinks"):
        statuses = [call(edge, f"/l/{link.code}")[0] for _ in range(5)]
        assert statuses == [302] * 5
        assert (len(sink._held), sink.lost) == (2, 3)
        assert "dropped (1 so far" in caplog.text
        # The process ends while the disk is still unusable: the held ones are counted too.
        sink.close()
    assert sink.lost == 5
    assert "2 clicks held in memory could not be written" in caplog.text
