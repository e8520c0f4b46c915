"""A poison record never stalls the click pipeline.

A file line or stream entry that cannot be stored after a few attempts is set aside (a
ClickDeadLetter with the raw record and the reason) and every other click is stored, now
and later; an unreadable one is set aside too, never dropped silently. An outage of the
database is not the record's fault: nothing is set aside, and the next run tries again.
Admins see the count and the reasons on the Suspicious visitors page.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import OperationalError

from chorus.content.models import PostState
from chorus.factories import OrganizationFactory, PostFactory
from chorus.links.clicks import clicks_drain, clicks_set_aside, clicks_store
from chorus.links.models import Click, ClickDeadLetter, DeadLetterReason
from chorus.links.services.links import link_mint
from chorus.links.sinks import ClickRecord, FileSink, RedisSink, encode, encode_line, reset_sink
from chorus.links.tests.edge_client import IPHONE
from chorus.links.tests.redis_server import REDIS_URL, requires_redis


@pytest.fixture
def link(organization):
    post = PostFactory(
        organization=organization, link_url="https://acme.example/", state=PostState.LIVE
    )
    return link_mint(post=post)


def record(link, i, *, moment=None):
    return ClickRecord(
        event_id=f"event-{i}",
        moment=moment or time.time() - 100,
        link_id=link.pk,
        organization_id=link.organization_id,
        kind="click",
        bot="",
        referrer="",
        user_agent=IPHONE,
        visitor=f"visitor-{i}",
        user_id=None,
    )


def poison(link) -> bytes:
    """A well-formed line that no database can store: a link id past 64 bits (SQLite
    refuses the number) and an event id with a NUL (PostgreSQL refuses the text)."""
    return encode_line(
        "poison\x00", time.time() - 100, 2**70, link.organization_id, "click", "", "", IPHONE,
        "visitor-p", None,
    )  # fmt: skip


@pytest.fixture
def file_backend(settings, tmp_path):
    settings.CLICKS_BACKEND = "file"
    settings.CLICKS_DIR = tmp_path
    reset_sink()
    yield tmp_path
    reset_sink()


def click_file(directory, name, lines):
    """A click file whose bucket is over (ready for the drainer)."""
    bucket = int(time.time() - 120) // FileSink.BUCKET_SECONDS
    path = directory / f"clicks-{bucket}-{name}.tsv"
    path.write_bytes(b"".join(lines))
    return path


def test_a_line_that_cannot_be_stored_is_set_aside_and_the_rest_of_the_file_is_stored(
    file_backend, link
):
    bad = poison(link)
    path = click_file(file_backend, "1-1", [encode(record(link, 1)), bad, encode(record(link, 2))])

    assert clicks_drain() == 3
    assert set(Click.objects.values_list("event_id", flat=True)) == {"event-1", "event-2"}
    letter = ClickDeadLetter.objects.get()
    assert letter.reason == DeadLetterReason.NOT_STORED
    assert letter.raw == bad.decode().replace("\x00", "\\x00")  # NUL written out
    assert letter.organization_id == link.organization_id
    assert letter.detail  # the error, e.g. "OverflowError: Python int too large ..."
    assert not path.exists()

    # Later clicks keep flowing.
    click_file(file_backend, "2-2", [encode(record(link, 3))])
    assert clicks_drain() == 1
    link.refresh_from_db()
    assert link.clicks == 3
    assert ClickDeadLetter.objects.count() == 1


def test_an_unreadable_line_is_set_aside_not_dropped_silently(file_backend, link):
    click_file(file_backend, "1-1", [b"{not a click}\n", encode(record(link, 1))])
    clicks_drain()
    letter = ClickDeadLetter.objects.get()
    assert (letter.reason, letter.raw, letter.organization_id) == (
        DeadLetterReason.UNREADABLE,
        "{not a click}\n",
        None,  # no organization named: only staff see it, in Django's admin
    )
    assert Click.objects.count() == 1


def test_a_record_set_aside_twice_is_kept_once(link):
    bad = poison(link)
    clicks_set_aside(bad, "not_stored", "first")
    clicks_set_aside(bad, "not_stored", "second")
    assert ClickDeadLetter.objects.count() == 1


def test_a_database_outage_sets_nothing_aside_and_the_file_waits(file_backend, link):
    path = click_file(file_backend, "1-1", [encode(record(link, 1)), encode(record(link, 2))])

    def database_down(batch):
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        FileSink(file_backend).drain(database_down, set_aside=clicks_set_aside)
    assert path.exists()
    assert not ClickDeadLetter.objects.exists()
    assert clicks_drain() == 2  # the database is back
    assert Click.objects.count() == 2


def test_a_record_that_fails_only_once_is_stored_not_set_aside(file_backend, link):
    click_file(file_backend, "1-1", [encode(record(link, i)) for i in range(4)])
    failures = []

    def flaky(batch):
        if not failures:
            failures.append(1)
            raise ValueError("a moment's trouble")
        return clicks_store(batch)

    FileSink(file_backend).drain(flaky, set_aside=clicks_set_aside)
    assert Click.objects.count() == 4
    assert not ClickDeadLetter.objects.exists()


@pytest.fixture
def stream():
    name = f"chorus:test-dead-letters:{uuid.uuid4().hex}"
    yield name
    RedisSink(REDIS_URL, stream=name).client.delete(name)


@requires_redis
def test_a_stream_entry_that_cannot_be_stored_is_set_aside_and_the_stream_keeps_flowing(
    stream, link
):
    sink = RedisSink(REDIS_URL, stream=stream)
    sink.append(record(link, 1))
    sink.client.xadd(stream, {"r": poison(link)})
    sink.client.xadd(stream, {"something": b"else"})
    sink.append(record(link, 2))

    assert sink.drain(clicks_store, set_aside=clicks_set_aside) == 3
    assert set(Click.objects.values_list("event_id", flat=True)) == {"event-1", "event-2"}
    assert sorted(ClickDeadLetter.objects.values_list("reason", flat=True)) == [
        DeadLetterReason.NOT_STORED,
        DeadLetterReason.UNREADABLE,
    ]
    assert sink.client.xlen(stream) == 0
    assert sink.client.xpending(stream, RedisSink.GROUP)["pending"] == 0

    sink.append(record(link, 3))
    assert sink.drain(clicks_store, set_aside=clicks_set_aside) == 1
    link.refresh_from_db()
    assert link.clicks == 3


def test_admins_see_how_many_clicks_were_set_aside_and_why(admin_client, organization, link):
    clicks_set_aside(poison(link), "not_stored", "OverflowError: Python int too large")
    clicks_set_aside(b"1\tgarbage\n", "unreadable", "not a click record")
    other = OrganizationFactory()
    clicks_set_aside(
        encode(record(link, 9)._replace(organization_id=other.pk)), "not_stored", "elsewhere"
    )
    ClickDeadLetter.objects.filter(organization=None).update(organization=organization)

    html = admin_client.get("/manage/links/visitors/").content.decode()
    assert "Clicks set aside" in html
    assert "2 click records could not be stored in the last 30 days" in html
    assert "The record could not be stored" in html
    assert "The record could not be read" in html
    assert "OverflowError: Python int too large" in html
    assert "elsewhere" not in html  # another organization's


def test_the_page_says_nothing_when_nothing_was_set_aside(admin_client):
    assert "Clicks set aside" not in admin_client.get("/manage/links/visitors/").content.decode()
