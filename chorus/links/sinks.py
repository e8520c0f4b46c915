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
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Record = dict[str, Any]
Store = Callable[[list[Record]], Any]


class ClickSink(Protocol):
    def append(self, record: Record) -> None: ...

    def append_line(self, line: bytes, now: float) -> None:
        """Append one encoded record (`encode_line`) answered at `now` (the hot path)."""
        ...

    def drain(self, store: Store, *, batch_size: int = 5000) -> int:
        """Hand stored-up records to `store` in batches; returns how many were drained."""
        ...


# A record is one line of tab-separated fields, in this order: cheaper to write than JSON
# (this runs for every redirect) and as easy to read back. Text fields that come from the
# visitor have their tabs, line breaks and NULs turned into spaces.
FIELDS = ("id", "t", "l", "o", "k", "b", "r", "ua", "v", "u")
FORMAT_VERSION = "1"
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
) -> bytes:
    """One record as a line: the fields of FIELDS, in that order."""
    return (
        f"{FORMAT_VERSION}\t{event_id}\t{moment!r}\t{link_id}\t{organization_id}\t{kind}\t"
        f"{flat(bot)}\t{flat(referrer)}\t{flat(user_agent)}\t{visitor}\t"
        f"{'' if user is None else user}\n"
    ).encode()


def encode(record: Record) -> bytes:
    return encode_line(
        record["id"],
        record["t"],
        record["l"],
        record["o"],
        record["k"],
        str(record.get("b", "")),
        str(record.get("r", "")),
        str(record.get("ua", "")),
        record.get("v", ""),
        record.get("u"),
    )


def decode(line: bytes) -> Record:
    """The record on one line; ValueError when the line is not one."""
    fields = line.decode(errors="replace").rstrip("\n").split("\t")
    if len(fields) != len(FIELDS) + 1 or fields[0] != FORMAT_VERSION:
        raise ValueError("not a click record")
    record: Record = dict(zip(FIELDS, fields[1:], strict=True))
    record["t"] = float(record["t"])
    record["l"] = int(record["l"])
    record["o"] = int(record["o"])
    record["u"] = int(record["u"]) if record["u"] else None
    return record


class FileSink:
    BUCKET_SECONDS = 10
    # A writer that computed its bucket just before it ended may still write a moment later.
    GRACE_SECONDS = 5

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._local = threading.local()
        self._pid = os.getpid()
        # A forked worker must open files of its own (named by its pid): told once at the
        # fork instead of asking the kernel for the pid on every click.
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self._local = threading.local()
        self._pid = os.getpid()

    def _descriptor(self, bucket: int) -> int:
        local = self._local
        handle: _OpenFile | None = getattr(local, "handle", None)
        if handle is None or handle.bucket != bucket:
            if handle is not None:
                handle.close()
            self.directory.mkdir(parents=True, exist_ok=True)
            # One file per process, thread and bucket: no two writers share a file.
            name = f"clicks-{bucket}-{self._pid}-{threading.get_ident()}.jsonl"
            fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            handle = local.handle = _OpenFile(fd, bucket)
        return handle.fd

    def append(self, record: Record) -> None:
        self.append_line(encode(record), time.time())

    def append_line(self, line: bytes, now: float) -> None:
        fd = self._descriptor(int(now) // self.BUCKET_SECONDS)
        written = os.write(fd, line)
        if written != len(line):  # pragma: no cover - a full disk
            raise OSError("short write to the click log")

    def ready_files(self, now: float | None = None) -> list[Path]:
        now = time.time() if now is None else now
        current = int(now - self.GRACE_SECONDS) // self.BUCKET_SECONDS
        ready = []
        for path in sorted(self.directory.glob("clicks-*.jsonl")):
            with suppress(ValueError, IndexError):
                if int(path.name.split("-")[1]) < current:
                    ready.append(path)
        return ready

    def drain(self, store: Store, *, batch_size: int = 5000, now: float | None = None) -> int:
        if not self.directory.exists():
            return 0
        total = 0
        for path in self.ready_files(now):
            records = list(_read_lines(path))
            for start in range(0, len(records), batch_size):
                store(records[start : start + batch_size])
            total += len(records)
            # missing_ok: a second drainer running at the same time may have deleted it
            # (storing is idempotent, so both storing the file counted nothing twice).
            path.unlink(missing_ok=True)
        return total


class _OpenFile:
    """A thread's open click file, closed when the thread ends and its locals are dropped.

    Servers that start a thread per connection (runserver) would otherwise leak one file
    descriptor per thread until the process runs out of them.
    """

    def __init__(self, fd: int, bucket: int) -> None:
        self.fd = fd
        self.bucket = bucket

    def close(self) -> None:
        if self.fd >= 0:
            with suppress(OSError):
                os.close(self.fd)
        self.fd = -1

    def __del__(self) -> None:
        self.close()


def _read_lines(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                # A line cut short by a crash mid-write was never answered: skip it.
                logger.warning("Skipping a partial line in %s", path)
                continue
            try:
                yield decode(line)
            except ValueError:
                logger.warning("Skipping an unreadable line in %s", path)


class RedisSink:
    STREAM = "chorus:clicks"
    GROUP = "drainers"
    # A record a drainer took but did not acknowledge for this long is taken over.
    CLAIM_AFTER_MS = 60_000

    def __init__(self, url: str, *, stream: str | None = None) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.stream = stream or self.STREAM
        self.consumer = f"{os.uname().nodename}-{os.getpid()}"
        self._group_ready = False

    def append(self, record: Record) -> None:
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

    def drain(self, store: Store, *, batch_size: int = 5000) -> int:
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
            records = []
            for _entry_id, fields in entries:
                # TypeError: an entry deleted while pending is claimed with no fields.
                with suppress(ValueError, KeyError, TypeError):
                    records.append(decode(fields[b"r"]))
            store(records)
            ids = [entry_id for entry_id, _ in entries]
            self.client.xack(self.stream, self.GROUP, *ids)
            self.client.xdel(self.stream, *ids)
            total += len(records)


_sink: ClickSink | None = None


def get_sink() -> ClickSink:
    """The configured sink (CLICKS_BACKEND), one per process."""
    global _sink
    if _sink is None:
        from django.conf import settings

        if settings.CLICKS_BACKEND == "redis":
            if not settings.CLICKS_REDIS_URL:
                raise RuntimeError("CLICKS_BACKEND=redis needs REDIS_URL (or CLICKS_REDIS_URL).")
            _sink = RedisSink(settings.CLICKS_REDIS_URL)
        else:
            _sink = FileSink(settings.CLICKS_DIR)
    return _sink


def reset_sink() -> None:
    global _sink
    _sink = None
