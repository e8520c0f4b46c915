"""The durable append path for answered clicks, with two backends behind one interface.

- FileSink (one machine): each web process appends lines to its own file, one file
  per 10-second bucket. A line is written with one `os.write` on an O_APPEND descriptor
  before the redirect is answered, so a process killed right after answering has already
  handed the click to the kernel. The drainer reads only buckets that are over (plus a
  grace period), so it never races a writer, and deletes a file once its clicks are stored.
- RedisSink (several machines): XADD to a stream in the request; drainers read it through a
  consumer group and acknowledge after storing, and claim what a dead drainer left pending.

Storing is idempotent (every record has a unique event id), so a drainer that dies between
storing and deleting or acknowledging causes no double count.

The redirect never fails because of its sink: `GuardedSink` (what `get_sink` returns)
falls back to the local file when Redis fails, holds a bounded number of lines in memory
while the file cannot be written (a full disk) and writes them as soon as it can, and
counts and logs what it truly has to drop. On the drainer's side, a record that cannot be
stored after a few attempts is set aside (a dead letter, with its reason) instead of
blocking its file or stream; database outages are not the record's fault and are raised.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# chorus.links.models.ClickOutcome: the redirect, the organization's fallback page (for a
# withdrawn post) or the "no longer available" page.
REDIRECTED, FALLBACK, UNAVAILABLE = "redirected", "fallback", "unavailable"
OUTCOMES = frozenset((REDIRECTED, FALLBACK, UNAVAILABLE))


class ClickRecord(NamedTuple):
    """One answered click, as the redirect writes it and the drainer reads it.

    The fields are those of a line, in the line's order (`encode_line`, `decode`).
    """

    event_id: str
    moment: float  # when it was answered, in seconds since the epoch
    link_id: int
    organization_id: int
    kind: str = "click"  # chorus.links.models.ClickKind
    bot: str = ""  # the crawler's name, when kind is "bot"
    referrer: str = ""  # the Referer header
    user_agent: str = ""
    visitor: str = ""  # the visitor's key of the day (visitors.py)
    user_id: int | None = None  # the member whose cookie came with the click
    previous_visitor: str = ""  # the visitor's key of the day before
    outcome: str = REDIRECTED  # what the visitor got: OUTCOMES


Store = Callable[[list[ClickRecord]], Any]
# set_aside(raw record, reason, detail): keeps a record that cannot be stored (a dead letter).
SetAside = Callable[[bytes, str, str], None]
Item = tuple[bytes, ClickRecord]  # a record with the raw line it was read from

# Why a record was set aside (chorus.links.models.DeadLetterReason has the same values).
UNREADABLE = "unreadable"
NOT_STORED = "not_stored"
# How often one record is tried alone before it is set aside.
ATTEMPTS = 3
# The database is down or busy: not the record's fault. The drain stops, its file or its
# stream entries stay, and the next run tries again.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


class ClickSink(Protocol):
    def append(self, record: ClickRecord) -> None: ...

    def append_line(self, line: bytes, now: float) -> None:
        """Append one encoded record (`encode_line`) answered at `now` (the hot path)."""
        ...

    def drain(
        self,
        store: Store,
        *,
        batch_size: int = 5000,
        now: float | None = None,
        set_aside: SetAside | None = None,
    ) -> int:
        """Hand stored-up records to `store` in batches; returns how many were drained.

        With `set_aside`, a record that cannot be stored is handed to it instead of
        stopping the drain (unreadable ones at once, others after ATTEMPTS tries alone);
        without it, the first error is raised (and unreadable records are logged, skipped).
        """
        ...


# A record is one line: the format version, then the fields of ClickRecord in their order,
# separated by tabs. Cheaper to write than JSON (this runs for every redirect) and as easy
# to read back. Text fields that come from the visitor have their tabs, line breaks and
# NULs turned into spaces.
# Version 2 added previous_visitor (to recognise a repeat click across midnight) and
# outcome. Version 1 lines, written before an upgrade, are still read.
FIELDS = ClickRecord._fields
FIELDS_V1 = FIELDS[:10]
FORMAT_VERSION = "2"
_FLATTEN = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\0": " "})


@lru_cache(maxsize=8192)
def flat(text: str) -> str:
    """`text` safe inside a record's field (cached: user agents and referrers repeat)."""
    return text.translate(_FLATTEN)


def encode_line(
    event_id: str,
    moment: float,
    link_id: int,
    organization_id: int,
    kind: str,
    bot: str,
    referrer: str,
    user_agent: str,
    visitor: str,
    user: int | None,
    previous_visitor: str = "",
    outcome: str = REDIRECTED,
) -> bytes:
    """One record as a line: the fields of ClickRecord, in that order.

    Takes plain values, not a ClickRecord: the redirect calls it for every click.
    """
    return (
        f"{FORMAT_VERSION}\t{event_id}\t{moment!r}\t{link_id}\t{organization_id}\t{kind}\t"
        f"{flat(bot)}\t{flat(referrer)}\t{flat(user_agent)}\t{visitor}\t"
        f"{'' if user is None else user}\t{previous_visitor}\t{outcome}\n"
    ).encode()


def encode(record: ClickRecord) -> bytes:
    return encode_line(*record)


def decode(line: bytes) -> ClickRecord:
    """The record on one line; ValueError when the line is not one."""
    fields = line.decode(errors="replace").rstrip("\n").split("\t")
    if fields[0] == FORMAT_VERSION and len(fields) == len(FIELDS) + 1:
        previous_visitor, outcome = fields[11], fields[12]
    elif fields[0] == "1" and len(fields) == len(FIELDS_V1) + 1:
        previous_visitor, outcome = "", REDIRECTED
    else:
        raise ValueError("not a click record")
    event_id, moment, link_id, organization_id, kind, bot, referrer = fields[1:8]
    user_agent, visitor, user_id = fields[8:11]
    answered = float(moment)
    # A moment no clock gives (the drainer could not turn it into a date).
    if not (math.isfinite(answered) and 0 < answered < 1e11):
        raise ValueError("not a click's moment")
    if not event_id:
        raise ValueError("no event id")
    if outcome not in OUTCOMES:
        raise ValueError("unknown outcome")
    return ClickRecord(
        event_id=event_id,
        moment=answered,
        link_id=int(link_id),
        organization_id=int(organization_id),
        kind=kind,
        bot=bot,
        referrer=referrer,
        user_agent=user_agent,
        visitor=visitor,
        user_id=int(user_id) if user_id else None,
        previous_visitor=previous_visitor,
        outcome=outcome,
    )


def store_or_set_aside(store: Store, items: list[Item], set_aside: SetAside) -> None:
    """Store the batch; when that fails, find the records that cannot be stored by halves.

    A record that still fails after ATTEMPTS tries on its own is set aside with the error,
    and every other record of the batch is stored. Errors of the database itself
    (TRANSIENT_ERRORS) are raised: the batch is tried again on the next run.
    """
    try:
        store([record for _raw, record in items])
        return
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        if len(items) > 1:
            middle = len(items) // 2
            store_or_set_aside(store, items[:middle], set_aside)
            store_or_set_aside(store, items[middle:], set_aside)
            return
        failure: Exception = error
    for _attempt in range(ATTEMPTS - 1):
        try:
            store([items[0][1]])
            return
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            failure = error
    raw = items[0][0]
    logger.error("Setting aside a click record that could not be stored: %r", failure)
    set_aside(raw, NOT_STORED, f"{type(failure).__name__}: {failure}"[:500])


def _store_batches(
    store: Store, items: list[Item], batch_size: int, set_aside: SetAside | None
) -> None:
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        if set_aside is None:
            store([record for _raw, record in batch])
        else:
            store_or_set_aside(store, batch, set_aside)


class FileSink:
    BUCKET_SECONDS = 10
    # A writer that computed its bucket just before it ended may still write a moment later.
    GRACE_SECONDS = 5

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._local = threading.local()
        self._pid = os.getpid()
        # Raised after a failed write: later lines go to a new file, never after a partial
        # line a short write may have left (the line is written again in full elsewhere).
        self._generation = 0
        # A forked worker must open files of its own (named by its pid): told once at the
        # fork instead of asking the kernel for the pid on every click.
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self._local = threading.local()
        self._pid = os.getpid()
        self._generation = 0

    def _descriptor(self, bucket: int) -> int:
        local = self._local
        handle: _OpenFile | None = getattr(local, "handle", None)
        if handle is None or handle.bucket != bucket or handle.generation != self._generation:
            if handle is not None:
                handle.close()
                local.handle = None
            self.directory.mkdir(parents=True, exist_ok=True)
            # One file per process, thread and bucket: no two writers share a file. The
            # lines are tab-separated fields (encode_line), hence ".tsv".
            name = f"clicks-{bucket}-{self._pid}-{threading.get_ident()}"
            if self._generation:
                name = f"{name}-{self._generation}"
            fd = os.open(
                self.directory / f"{name}.tsv", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
            )
            handle = local.handle = _OpenFile(fd, bucket, self._generation)
        return handle.fd

    def append(self, record: ClickRecord) -> None:
        self.append_line(encode(record), time.time())

    def append_line(self, line: bytes, now: float) -> None:
        fd = self._descriptor(int(now) // self.BUCKET_SECONDS)
        try:
            written = os.write(fd, line)
        except OSError:
            self._generation += 1
            raise
        if written != len(line):  # a full disk
            self._generation += 1
            raise OSError("short write to the click log")

    def ready_files(self, now: float | None = None) -> list[Path]:
        now = time.time() if now is None else now
        current = int(now - self.GRACE_SECONDS) // self.BUCKET_SECONDS
        ready = []
        # "*.jsonl": what processes wrote before the files were named ".tsv" (the same lines).
        paths = [*self.directory.glob("clicks-*.tsv"), *self.directory.glob("clicks-*.jsonl")]
        for path in sorted(paths):
            with suppress(ValueError, IndexError):
                if int(path.name.split("-")[1]) < current:
                    ready.append(path)
        return ready

    def drain(
        self,
        store: Store,
        *,
        batch_size: int = 5000,
        now: float | None = None,
        set_aside: SetAside | None = None,
    ) -> int:
        if not self.directory.exists():
            return 0
        total = 0
        for path in self.ready_files(now):
            items = list(_read_lines(path, set_aside))
            _store_batches(store, items, batch_size, set_aside)
            total += len(items)
            # missing_ok: a second drainer running at the same time may have deleted it
            # (storing is idempotent, so both storing the file counted nothing twice).
            path.unlink(missing_ok=True)
        return total


class _OpenFile:
    """A thread's open click file, closed when the thread ends and its locals are dropped.

    Servers that start a thread per connection (runserver) would otherwise leak one file
    descriptor per thread until the process runs out of them.
    """

    def __init__(self, fd: int, bucket: int, generation: int) -> None:
        self.fd = fd
        self.bucket = bucket
        self.generation = generation

    def close(self) -> None:
        if self.fd >= 0:
            with suppress(OSError):
                os.close(self.fd)
        self.fd = -1

    def __del__(self) -> None:
        self.close()


def _read_lines(path: Path, set_aside: SetAside | None) -> Iterator[Item]:
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                # A line cut short by a crash mid-write was never answered, and one cut short
                # by a full disk was written again in full: skip it.
                logger.warning("Skipping a partial line in %s", path)
                continue
            try:
                yield line, decode(line)
            except ValueError as error:
                if set_aside is None:
                    logger.warning("Skipping an unreadable line in %s", path)
                else:
                    logger.error("Setting aside an unreadable line in %s: %s", path, error)
                    set_aside(line, UNREADABLE, str(error))


class RedisSink:
    STREAM = "chorus:clicks"
    GROUP = "drainers"
    # A record a drainer took but did not acknowledge for this long is taken over.
    CLAIM_AFTER_MS = 60_000
    # A Redis that does not answer must not hold up the redirect: GuardedSink then falls
    # back to the local file.
    CONNECT_TIMEOUT = 0.5
    TIMEOUT = 1.0

    def __init__(self, url: str, *, stream: str | None = None) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=self.CONNECT_TIMEOUT, socket_timeout=self.TIMEOUT
        )
        self.stream = stream or self.STREAM
        self.consumer = f"{os.uname().nodename}-{os.getpid()}"
        self._group_ready = False
        # The errors that mean "Redis is not there" (GuardedSink.drain goes on without it).
        self.unavailable: tuple[type[Exception], ...] = (
            redis.ConnectionError,
            redis.TimeoutError,
        )

    def append(self, record: ClickRecord) -> None:
        self.append_line(encode(record), time.time())

    def append_line(self, line: bytes, now: float) -> None:
        self.client.xadd(self.stream, {"r": line})

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        import redis

        try:
            self.client.xgroup_create(self.stream, self.GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    def drain(
        self,
        store: Store,
        *,
        batch_size: int = 5000,
        now: float | None = None,
        set_aside: SetAside | None = None,
    ) -> int:
        import redis

        try:
            return self._drain(store, batch_size=batch_size, set_aside=set_aside)
        except redis.ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            # Redis restarted without its data (or the stream was deleted): make the group
            # again and read the stream from its start.
            self._group_ready = False
            return self._drain(store, batch_size=batch_size, set_aside=set_aside)

    def _drain(self, store: Store, *, batch_size: int, set_aside: SetAside | None) -> int:
        self._ensure_group()
        total = 0
        # First what a dead drainer left behind, then new records.
        claim: Any = self.client.xautoclaim(
            self.stream, self.GROUP, self.consumer, self.CLAIM_AFTER_MS, "0-0", count=batch_size
        )
        claimed = claim[1]
        batches = [claimed] if claimed else []
        while True:
            if batches:
                entries = batches.pop()
            else:
                response: Any = self.client.xreadgroup(
                    self.GROUP, self.consumer, {self.stream: ">"}, count=batch_size
                )
                entries = response[0][1] if response else []
            if not entries:
                return total
            items: list[Item] = []
            for entry_id, fields in entries:
                if not fields:  # an entry deleted while pending is claimed with no fields
                    continue
                raw = fields.get(b"r")
                try:
                    items.append((raw, decode(raw)))
                except (ValueError, TypeError, AttributeError) as error:
                    if set_aside is None:
                        logger.warning("Skipping an unreadable stream entry %s", entry_id)
                        continue
                    logger.error("Setting aside an unreadable stream entry %s", entry_id)
                    raw = raw if isinstance(raw, bytes) else repr(fields).encode()
                    set_aside(raw, UNREADABLE, str(error) or type(error).__name__)
            _store_batches(store, items, batch_size, set_aside)
            ids = [entry_id for entry_id, _ in entries]
            self.client.xack(self.stream, self.GROUP, *ids)
            self.client.xdel(self.stream, *ids)
            total += len(items)


class GuardedSink:
    """A sink whose append never fails the redirect.

    A line goes to the primary sink; when that fails (Redis down, disk full), to the
    fallback file sink if there is one (the Redis backend's local file), else it is held
    in memory (at most MAX_HELD lines) and written as soon as a write works again. The
    primary is not asked again for RETRY_SECONDS after a failure, so an outage costs one
    failed attempt, not one per click. A line that cannot be held is lost: counted in
    `lost` and logged, never silently. Held lines die with the process (README: Tracked
    links, durability).
    """

    RETRY_SECONDS = 5.0
    MAX_HELD = 10_000
    # While lines are being lost, one error log per this many.
    LOG_EVERY = 1000

    def __init__(self, primary: ClickSink, *, fallback: FileSink | None = None) -> None:
        self.primary = primary
        self.fallback = fallback
        self._primary_down_until = 0.0
        self._fallback_down_until = 0.0
        self._held: deque[bytes] = deque()
        self._flushing = threading.Lock()
        self.fell_back = 0  # lines written to the fallback file
        self.lost = 0  # lines that could be written nowhere
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        # The parent's held lines are the parent's to write.
        self._held = deque()
        self._flushing = threading.Lock()

    def append(self, record: ClickRecord) -> None:
        self.append_line(encode(record), time.time())

    def append_line(self, line: bytes, now: float) -> None:
        if self._held:
            self._flush_held(now)
        if not self._write(line, now):
            self._hold(line)

    def _write(self, line: bytes, now: float) -> bool:
        if now >= self._primary_down_until:
            try:
                self.primary.append_line(line, now)
                return True
            except Exception:
                self._primary_down_until = now + self.RETRY_SECONDS
                logger.exception(
                    "The click sink failed; clicks go to %s for %.0f s",
                    "the local file" if self.fallback else "memory",
                    self.RETRY_SECONDS,
                )
        if self.fallback is not None and now >= self._fallback_down_until:
            try:
                self.fallback.append_line(line, now)
                self.fell_back += 1
                return True
            except OSError:
                self._fallback_down_until = now + self.RETRY_SECONDS
                logger.exception("The fallback click file failed too; clicks wait in memory")
        return False

    def _hold(self, line: bytes) -> None:
        if len(self._held) < self.MAX_HELD:
            self._held.append(line)
            return
        self.lost += 1
        if self.lost % self.LOG_EVERY == 1:
            logger.error(
                "A click could be written nowhere and was dropped (%d so far in process %d)",
                self.lost,
                os.getpid(),
            )

    def _flush_held(self, now: float) -> None:
        """Write held lines while writes work (one thread at a time)."""
        if not self._flushing.acquire(blocking=False):
            return
        try:
            while self._held:
                line = self._held.popleft()
                if not self._write(line, now):
                    self._held.appendleft(line)
                    return
        finally:
            self._flushing.release()

    def close(self) -> None:
        """At exit: a last try to write what is held; what still cannot be is counted."""
        if self._held:
            self._primary_down_until = self._fallback_down_until = 0.0
            self._flush_held(time.time())
        if self._held:
            self.lost += len(self._held)
            logger.error(
                "%d clicks held in memory could not be written before the process ended",
                len(self._held),
            )
            self._held.clear()

    def drain(
        self,
        store: Store,
        *,
        batch_size: int = 5000,
        now: float | None = None,
        set_aside: SetAside | None = None,
    ) -> int:
        """Drain the fallback file, then the primary (whose outage is logged, not raised)."""
        total = 0
        if self.fallback is not None:
            total += self.fallback.drain(store, batch_size=batch_size, now=now, set_aside=set_aside)
        unavailable: tuple[type[Exception], ...] = getattr(self.primary, "unavailable", ())
        try:
            total += self.primary.drain(store, batch_size=batch_size, now=now, set_aside=set_aside)
        except unavailable:
            if self.fallback is None:
                raise
            logger.exception("The click stream is unavailable; drained the local file only")
        return total


_sink: GuardedSink | None = None


def get_sink() -> GuardedSink:
    """The configured sink (CLICKS_BACKEND), one per process."""
    global _sink
    if _sink is None:
        from django.conf import settings

        if settings.CLICKS_BACKEND == "redis":
            if not settings.CLICKS_REDIS_URL:
                raise RuntimeError("CLICKS_BACKEND=redis needs REDIS_URL (or CLICKS_REDIS_URL).")
            # When Redis fails, clicks go to this machine's files, drained like the file
            # backend's by a worker (or `manage.py clicks_drain`) on this machine.
            _sink = GuardedSink(
                RedisSink(settings.CLICKS_REDIS_URL), fallback=FileSink(settings.CLICKS_DIR)
            )
        else:
            _sink = GuardedSink(FileSink(settings.CLICKS_DIR))
        atexit.register(_sink.close)
    return _sink


def reset_sink() -> None:
    global _sink
    _sink = None
