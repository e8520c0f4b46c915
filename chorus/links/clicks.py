"""Storing the clicks the redirect answered: the drainer's side of the click pipeline.

Decides here, off the hot path, what the redirect could not: the device class, whether
a person's click is the visitor's first on that link in 24 hours (unique: the visitor's
earlier clicks are looked up under the record's visitor key and under their key of the day
before, so midnight changes nothing), and whether the sharer clicked their own link
(self-click, counted apart). A click that got the "no longer available" page is stored
with that outcome and counts nowhere (not a click, not unique, not the sharer's own); one
sent to the organization's fallback page counts like any other. Everything here goes
through the database driver, not the ORM: compiling queries and building model
instances cost more than the database's own work (measured with the bench's drain).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.db import connection, transaction

from chorus.accounts.models import Organization
from chorus.links.device import device_class
from chorus.links.milestones import click_milestones_emit
from chorus.links.models import ClickDeadLetter, ClickKind, ClickOutcome, DeviceClass
from chorus.links.sinks import OUTCOMES, REDIRECTED, ClickRecord, decode, get_sink

UNIQUE_WINDOW = timedelta(hours=24)
CLICK_KINDS = frozenset(ClickKind.values)
PERSON = ClickKind.CLICK.value
BOT = ClickKind.BOT.value
UNAVAILABLE = ClickOutcome.UNAVAILABLE.value
# Ids per IN (...) list: SQLite allows 32,766 parameters, PostgreSQL 65,535.
IDS_PER_QUERY = 2000
PAIRS_PER_QUERY = 2000
COLUMNS = (
    "organization_id",
    "event_id",
    "link_id",
    "created_at",
    "kind",
    "bot_name",
    "referrer_host",
    "device_class",
    "visitor_key",
    "is_unique",
    "is_self",
    "outcome",
)
# Built from the constant column names above, never from input.
INSERT_CLICK_SQL = "INSERT INTO links_click ({}) VALUES ({})".format(  # noqa: S608
    ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS))
)
COPY_CLICKS_SQL = f"COPY links_click ({', '.join(COLUMNS)}) FROM STDIN"
# For each (link, visitor) of a batch, their latest counted person click since a moment:
# one backwards step along the (link, visitor, time) index per pair, however many clicks
# the pair has (an office behind one address clicking a link all day).
PAIRS_SQL = (
    "SELECT pair.column1, pair.column2, ("
    "SELECT c.created_at FROM links_click c"
    " WHERE c.link_id = pair.column1 AND c.visitor_key = pair.column2"
    " AND c.kind = %s AND c.is_self = %s AND c.outcome <> %s AND c.created_at >= %s"
    " ORDER BY c.created_at DESC LIMIT 1"
    ") FROM (VALUES {pairs}) AS pair"
)
# One statement for every link of a batch: an ORM update per link cost more than the
# database's own work.
COUNTERS_SQL = (
    "UPDATE links_link SET clicks = clicks + %s, unique_clicks = unique_clicks + %s, "
    "self_clicks = self_clicks + %s, previews = previews + %s, "
    "last_click_at = CASE WHEN last_click_at IS NULL OR last_click_at < %s "
    "THEN %s ELSE last_click_at END WHERE id = %s"
)


def clicks_drain(*, batch_size: int = 5000) -> int:
    """Move answered clicks from the append path into the database. Returns how many.

    A record that cannot be stored is set aside (`clicks_set_aside`) instead of holding up
    the ones after it.
    """
    return get_sink().drain(clicks_store, batch_size=batch_size, set_aside=clicks_set_aside)


def clicks_set_aside(raw: bytes, reason: str, detail: str) -> None:
    """Keep a click record that cannot be stored as a dead letter (once per record)."""
    organization_id = None
    with suppress(ValueError, TypeError):
        organization_id = decode(raw).organization_id
    if organization_id is not None and not Organization.objects.filter(pk=organization_id).exists():
        organization_id = None
    ClickDeadLetter.objects.get_or_create(
        digest=hashlib.sha256(raw).hexdigest(),
        defaults={
            "organization_id": organization_id,
            # PostgreSQL's text cannot hold NUL characters (a poison record may have some).
            "raw": raw.decode(errors="replace").replace("\x00", "\\x00")[:10_000],
            "reason": reason,
            "detail": detail.replace("\x00", "\\x00")[:500],
        },
    )


class _Click:
    """One well-formed record, parsed once: its values as they are stored."""

    __slots__ = (
        "event_id",
        "kind",
        "link_id",
        "moment",
        "outcome",
        "previous_visitor",
        "record",
        "user_id",
        "visitor",
    )

    def __init__(self, record: ClickRecord) -> None:
        self.record = record
        self.event_id = str(record.event_id)[:32]
        self.link_id = int(record.link_id)
        self.moment = datetime.fromtimestamp(float(record.moment), tz=UTC)
        self.kind = record.kind if record.kind in CLICK_KINDS else PERSON
        self.visitor = str(record.visitor)[:32]
        # The visitor's key of the day before (not stored): a repeat across midnight.
        self.previous_visitor = str(record.previous_visitor or "")[:32]
        self.outcome = record.outcome if record.outcome in OUTCOMES else REDIRECTED
        self.user_id = record.user_id


@dataclass(slots=True)
class _LinkCounters:
    """What a batch adds to one link's counters (the columns of COUNTERS_SQL)."""

    clicks: int = 0
    unique_clicks: int = 0
    self_clicks: int = 0
    previews: int = 0
    last_click_at: datetime | None = None


def _parse(record: ClickRecord) -> _Click | None:
    # A malformed record is skipped, not raised on: it would block its whole file forever.
    if not isinstance(record, ClickRecord) or not record.event_id:
        return None
    try:
        return _Click(record)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@transaction.atomic
def clicks_store(records: Iterable[ClickRecord]) -> int:
    """Store a batch of click records (idempotent: known event ids are skipped)."""
    batch: dict[str, _Click] = {}
    for record in records:
        click = _parse(record)
        if click is not None:
            batch[click.event_id] = click
    if not batch:
        return 0
    known = {row[0] for row in _select_in("SELECT event_id FROM links_click", "event_id", batch)}
    fresh = sorted((c for i, c in batch.items() if i not in known), key=lambda c: c.moment)
    # link id -> (organization id, the sharer's user id or None)
    links: dict[int, tuple[int, int | None]] = {
        link_id: (organization_id, sharer)
        for link_id, organization_id, sharer in _select_in(
            "SELECT l.id, l.organization_id, m.user_id FROM links_link l"
            " LEFT JOIN accounts_membership m ON m.id = l.membership_id",
            "l.id",
            {c.link_id for c in fresh},
        )
    }
    fresh = [c for c in fresh if c.link_id in links]
    if not fresh:
        return 0
    last_seen = _last_person_clicks(fresh)
    sharer_keys = _sharer_visitor_keys(fresh, links)
    adapt = _datetime_adapter()
    rows: list[tuple[Any, ...]] = []
    counts: dict[int, _LinkCounters] = defaultdict(_LinkCounters)
    for click in fresh:
        organization_id, sharer = links[click.link_id]
        moment, kind, visitor = click.moment, click.kind, click.visitor
        counted = click.outcome != UNAVAILABLE
        is_self = (
            kind == PERSON
            and counted
            and sharer is not None
            and (click.user_id == sharer or (sharer, moment.date(), visitor) in sharer_keys)
        )
        is_unique = False
        if kind == PERSON and counted and not is_self:
            previous = _latest(last_seen, click)
            is_unique = previous is None or moment - previous >= UNIQUE_WINDOW
            # A stored click later than this one (drained earlier) stays the latest seen.
            last_seen[click.link_id, visitor] = max(moment, previous) if previous else moment
        # A person's click that led nowhere is stored, and counted in no figure.
        if kind != PERSON or counted:
            counter = counts[click.link_id]
            if kind != PERSON:
                counter.previews += 1
            elif is_self:
                counter.self_clicks += 1
            else:
                counter.clicks += 1
                counter.unique_clicks += is_unique
            counter.last_click_at = moment
        record = click.record
        rows.append(
            (
                organization_id,
                click.event_id,
                click.link_id,
                adapt(moment),
                kind,
                str(record.bot)[:100],
                referrer_host(str(record.referrer)),
                DeviceClass.BOT.value if kind == BOT else device_class(str(record.user_agent)),
                visitor,
                is_unique,
                is_self,
                click.outcome,
            )
        )
    _insert_clicks(rows)
    _add_to_counters(counts, adapt)
    click_milestones_emit(
        added={link_id: (links[link_id][0], c.unique_clicks) for link_id, c in counts.items()}
    )
    return len(rows)


def _latest(last_seen: dict[tuple[int, str], datetime], click: _Click) -> datetime | None:
    """The visitor's latest counted click on the link, under today's key or yesterday's."""
    today = last_seen.get((click.link_id, click.visitor))
    if not click.previous_visitor:
        return today
    yesterday = last_seen.get((click.link_id, click.previous_visitor))
    if today is None or yesterday is None:
        return today or yesterday
    return max(today, yesterday)


def _datetime_adapter() -> Any:
    """The backend's datetime parameter, without Django's per-value checks (hot loop)."""
    if connection.vendor == "sqlite":
        # What Django's SQLite backend stores: naive UTC (connection time zone) as text.
        return lambda moment: str(moment.replace(tzinfo=None))
    if connection.vendor == "postgresql":
        return lambda moment: moment
    return connection.ops.adapt_datetimefield_value


def _insert_clicks(rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times the rows per second of a multi-row INSERT.
            with cursor.cursor.copy(COPY_CLICKS_SQL) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(INSERT_CLICK_SQL, rows)


def _add_to_counters(counts: dict[int, _LinkCounters], adapt: Any) -> None:
    rows = [
        (
            counter.clicks,
            counter.unique_clicks,
            counter.self_clicks,
            counter.previews,
            adapt(counter.last_click_at),
            adapt(counter.last_click_at),
            link_id,
        )
        for link_id, counter in sorted(counts.items())
    ]  # a fixed order: no deadlocks between drainers
    with connection.cursor() as cursor:
        cursor.executemany(COUNTERS_SQL, rows)


def _select_in(
    sql: str, column: str, values: Iterable[Any], *, where: str = "", params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Rows of `sql WHERE [where AND] column IN (values)`, in chunks.

    Only placeholders go into the SQL text; `sql`, `column` and `where` are constants.
    """
    ordered = sorted(values)
    found: list[tuple[Any, ...]] = []
    condition = f"{where} AND " if where else ""
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), IDS_PER_QUERY):
            chunk = ordered[start : start + IDS_PER_QUERY]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"{sql} WHERE {condition}{column} IN ({placeholders})", [*params, *chunk]
            )
            found.extend(cursor.fetchall())
    return found


@lru_cache(maxsize=4096)
def referrer_host(referrer: str) -> str:
    """The host of a Referer header ("" when there is none or it is not a URL)."""
    if "://" not in referrer:
        return referrer[:253] if referrer and "/" not in referrer else ""
    try:
        return (urlsplit(referrer).hostname or "")[:253]
    except ValueError:
        return ""


def _as_datetime(value: Any) -> datetime:
    """A datetime from the database driver (SQLite hands back text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_date(value: Any) -> date:
    """A date from the database driver (SQLite hands back text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _last_person_clicks(clicks: Sequence[_Click]) -> dict[tuple[int, str], datetime]:
    """For each (link, visitor key) in the batch, the latest earlier stored person click
    that counted (the visitor's keys of the click's day and of the day before)."""
    pairs = sorted(
        {(c.link_id, c.visitor) for c in clicks if c.kind == PERSON}
        | {
            (c.link_id, c.previous_visitor)
            for c in clicks
            if c.kind == PERSON and c.previous_visitor
        }
    )
    if not pairs:
        return {}
    since = _datetime_adapter()(clicks[0].moment - UNIQUE_WINDOW)
    seen: dict[tuple[int, str], datetime] = {}
    # Exactly the batch's (link, visitor) pairs, through the (link, visitor, time) index:
    # "link IN (...) AND visitor IN (...)" would make the database try every combination.
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), PAIRS_PER_QUERY):
            chunk = pairs[start : start + PAIRS_PER_QUERY]
            sql = PAIRS_SQL.format(pairs=", ".join(["(%s, %s)"] * len(chunk)))
            params = [PERSON, False, UNAVAILABLE, since, *(v for pair in chunk for v in pair)]
            cursor.execute(sql, params)
            for link_id, visitor, moment in cursor.fetchall():
                if moment is not None:
                    seen[int(link_id), str(visitor)] = _as_datetime(moment)
    return seen


def _sharer_visitor_keys(
    clicks: Sequence[_Click], links: dict[int, tuple[int, int | None]]
) -> set[tuple[int, Any, str]]:
    """(user, day, visitor key) of the batch's sharers on the batch's days."""
    sharers = {sharer for _organization, sharer in links.values() if sharer is not None}
    if not sharers:
        return set()
    days = sorted({c.moment.date() for c in clicks})
    visitors = {c.visitor for c in clicks}
    keys: set[tuple[int, Any, str]] = set()
    # A member has a handful of keys a day: fetch them all for the sharers and days, and
    # keep the batch's visitors here (a 5,000-long visitor list costs the database more).
    for user_id, day, visitor in _select_in(
        "SELECT user_id, day, visitor_key FROM links_membervisitorkey",
        "user_id",
        sharers,
        where=f"day IN ({', '.join(['%s'] * len(days))})",
        params=[connection.ops.adapt_datefield_value(day) for day in days],
    ):
        if visitor in visitors:
            keys.add((user_id, _as_date(day), visitor))
    return keys
